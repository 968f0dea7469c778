/**
 * Finding the native library, the first step of opening one: the places to
 * look, in order, each with the reason it is looked at. Nothing here opens or
 * reads a file; src/library/prebuilt.ts verifies, src/library/load.ts loads.
 *
 * @module
 */

import { runtime } from "../runtime/current.ts";
import { LIBRARY_ENV_VAR, readEnv, toPath } from "./env.ts";
import type { PrebuiltSource } from "./prebuilt.ts";
import { prebuiltBaseUrl, prebuiltLibraries } from "./prebuilt_manifest.ts";

export { LIBRARY_ENV_VAR };

/**
 * Why the library that was opened was chosen, as `ZeroCopyLibrary.source`
 * reports it: the `path` option; the `ZEROCOPY_LIB` variable; the `zig build`
 * output of a checkout (beside a `file:` module, never the working
 * directory); a prebuilt library of the package, hash-checked; or
 * `openRemoteLibrary`'s download, hash-checked.
 *
 * @example Why this file was opened
 * ```ts
 * import { type LibrarySource, openLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * const source: LibrarySource = lib.source;
 * console.log(source === "checkout build" || source === "prebuilt" || source === "ZEROCOPY_LIB"); // true
 * ```
 */
export type LibrarySource = "path option" | "ZEROCOPY_LIB" | "checkout build" | "prebuilt" | "remote";

/** A file to load as it is: named by the user, or built in a checkout. */
export interface FileCandidate {
  readonly kind: "file";
  readonly path: string;
  readonly source: "path option" | "ZEROCOPY_LIB" | "checkout build";
}

/** A prebuilt library, loaded only once its SHA-256 matches its package's manifest. */
export interface PrebuiltCandidate {
  readonly kind: "prebuilt";
  readonly prebuilt: PrebuiltSource;
  readonly source: "prebuilt";
}

/** A library to download (or take from the cache), loaded only once its SHA-256 is the pinned one. */
export interface RemoteCandidate {
  readonly kind: "remote";
  readonly url: URL;
  readonly sha256: string;
  readonly source: "remote";
}

/** A place to look for the library, most explicit first. */
export type Candidate = FileCandidate | PrebuiltCandidate | RemoteCandidate;

/** What decides where the library is looked for: `openLibrary`'s options, checked. */
export interface FindOptions {
  readonly path?: string | URL;
  readonly prebuilt?: PrebuiltSource;
  readonly ownSymbols: boolean;
  readonly name: string;
  readonly buildDir?: URL;
}

/**
 * The file name `zig build` gives a shared library on this OS:
 * `lib<name>.so`, `lib<name>.dylib` or `<name>.dll`.
 *
 * @param name The library's name in build.zig.
 * @returns Its file name on this OS.
 *
 * @example Find a Zig author's build output
 * ```ts
 * import { libraryFileName } from "@zerocopy/zerocopy";
 *
 * console.log(`zig-out/lib/${libraryFileName("usecases")}`); // zig-out/lib/libusecases.so on Linux
 * ```
 */
export function libraryFileName(name = "zerocopy"): string {
  switch (runtime.os) {
    case "windows":
      return `${name}.dll`;
    case "darwin":
      return `lib${name}.dylib`;
    default:
      return `lib${name}.so`;
  }
}

/** Where `zig build` in a zerocopy checkout puts libzerocopy, relative to this module. */
const OWN_BUILD_DIR = new URL("../../zig-out/lib/", import.meta.url);

/**
 * The places to try, in order: the `path` option alone when given; else
 * `ZEROCOPY_LIB` alone when set (an explicit choice is never replaced); else
 * the checkout's build output, then the prebuilt library.
 *
 * A local build is looked for only in a `file:` folder: beside this module
 * for libzerocopy, `buildDir` for a Zig author's library. A module loaded
 * over https (JSR) never looks at the working directory, where anyone who can
 * write a file would otherwise choose the code that runs.
 *
 * @param options The checked options.
 * @returns The candidates, most explicit first.
 */
export function findLibrary(options: FindOptions): Candidate[] {
  if (options.path !== undefined) {
    return [{ kind: "file", path: toPath(options.path), source: "path option" }];
  }
  const fromEnv = readEnv(LIBRARY_ENV_VAR);
  if (fromEnv !== undefined) return [{ kind: "file", path: fromEnv, source: LIBRARY_ENV_VAR }];
  const candidates: Candidate[] = [];
  const buildDir = options.buildDir ?? (options.ownSymbols ? undefined : OWN_BUILD_DIR);
  if (buildDir?.protocol === "file:") {
    const path = toPath(new URL(libraryFileName(options.name), buildDir));
    candidates.push({ kind: "file", path, source: "checkout build" });
  }
  const prebuilt = options.prebuilt ??
    (options.ownSymbols ? undefined : { baseUrl: prebuiltBaseUrl, libraries: prebuiltLibraries });
  if (prebuilt !== undefined) candidates.push({ kind: "prebuilt", prebuilt, source: "prebuilt" });
  return candidates;
}
