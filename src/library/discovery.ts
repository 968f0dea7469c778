/**
 * Where the native library is looked for, in order: the `path` option, the
 * `ZEROCOPY_LIB` environment variable, then the `zig build` output beside this
 * module and in the working directory, then the prebuilt library for this
 * platform in the package (src/library/prebuilt.ts fetches and checks it).
 *
 * @module
 */

import type { PrebuiltSource } from "./prebuilt.ts";
import { prebuiltBaseUrl, prebuiltLibraries } from "./prebuilt_manifest.ts";

/** The environment variable that overrides where the native library is looked for. */
export const LIBRARY_ENV_VAR = "ZEROCOPY_LIB";

/** A place to look for the library, and why it is looked at, for the not-found message. */
export interface Candidate {
  readonly path: string;
  readonly source: string;
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
  switch (Deno.build.os) {
    case "windows":
      return `${name}.dll`;
    case "darwin":
      return `lib${name}.dylib`;
    default:
      return `lib${name}.so`;
  }
}

/**
 * The places to try, in order, for a library opened with `path` (or none).
 *
 * @param path The `path` option.
 * @param name The library's name in build.zig: a Zig author's library is looked
 * for in the working directory's build output only, libzerocopy beside this module too.
 * @returns The candidates, most explicit first.
 */
export function libraryCandidates(path: string | URL | undefined, name = "zerocopy"): Candidate[] {
  if (path !== undefined) return [{ path: toPath(path), source: "path option" }];
  const fromEnv = readEnv(LIBRARY_ENV_VAR);
  if (fromEnv) return [{ path: fromEnv, source: LIBRARY_ENV_VAR }];
  const file = libraryFileName(name);
  const candidates: Candidate[] = [];
  const beside = new URL(`../../zig-out/lib/${file}`, import.meta.url);
  if (beside.protocol === "file:" && name === "zerocopy") {
    candidates.push({ path: toPath(beside), source: "beside the module" });
  }
  candidates.push({ path: `zig-out/lib/${file}`, source: "working directory" });
  return candidates;
}

/**
 * The prebuilt libraries to fall back on when the candidates are missing:
 * none when a path or `ZEROCOPY_LIB` named the library (an explicit choice is
 * never replaced), `prebuilt` when given, else this package's own.
 *
 * @param path The `path` option.
 * @param prebuilt The `prebuilt` option.
 * @param ownSymbols Whether the library is opened with its own symbols: a Zig
 * author's library, which this package's prebuilt files are not.
 * @returns Where to fetch a prebuilt library from, or undefined for none.
 */
export function prebuiltFallback(
  path: string | URL | undefined,
  prebuilt: PrebuiltSource | undefined,
  ownSymbols = false,
): PrebuiltSource | undefined {
  if (path !== undefined || readEnv(LIBRARY_ENV_VAR) !== undefined) return undefined;
  if (prebuilt !== undefined) return prebuilt;
  return ownSymbols ? undefined : { baseUrl: prebuiltBaseUrl, libraries: prebuiltLibraries };
}

/** A file path from a path or `file:` URL. */
export function toPath(path: string | URL): string {
  if (typeof path === "string" && !path.startsWith("file:")) return path;
  const url = new URL(path);
  const decoded = decodeURIComponent(url.pathname);
  return Deno.build.os === "windows" ? decoded.slice(1).replaceAll("/", "\\") : decoded;
}

/** Reads an environment variable, treating a denied `--allow-env` as unset. */
export function readEnv(name: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") return undefined;
  return Deno.env.get(name) || undefined;
}
