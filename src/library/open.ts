/**
 * `openLibrary`: its options checked, the first step of opening a library
 * (find, discovery.ts), then the rest of the pipeline (pipeline.ts): verify the
 * hash, make the private copy, load, check the ABI, choose the mapping.
 *
 * @module
 */

import type { ForeignLibraryInterface } from "../runtime/ffi_types.ts";
import type { MappingKind } from "../buffer/mapping.ts";
import { findLibrary } from "./discovery.ts";
import type { ZeroCopyLibrary } from "./library.ts";
import { checkOpenOptions, type OpenLibraryOptions } from "./options.ts";
import { openCandidates } from "./pipeline.ts";

export type { OpenLibraryOptions } from "./options.ts";

/**
 * Opens the native library once per path and checks that it speaks this
 * module's ABI. Looks at, in order: `options.path`; else the `ZEROCOPY_LIB`
 * environment variable (treated as unset when `--allow-env` denies it); else
 * the `zig build` output of a checkout (beside this module, only when it was
 * imported from a `file:` URL: never the working directory); else the
 * prebuilt library for this machine's OS and architecture in this package's
 * `lib/`: from a package loaded over https (JSR) it is downloaded once into
 * Deno's cache directory, its SHA-256 is checked against the package's
 * manifest on every open, and the checked bytes are loaded from a private
 * copy (docs/security.md). `lib.path` and `lib.source` say which file was
 * loaded and why.
 *
 * Needs `--allow-ffi` for the library's path: `--allow-ffi=<path>` is enough
 * under the Node-API mapping (for the prebuilt library, `<path>` is the cache
 * directory: a candidate it does not cover is skipped); the pointer-view mapping needs it unscoped,
 * because Deno lets a scoped grant open a library but not map its memory
 * (denoland/deno#15511). The prebuilt library also needs `--allow-read` on the
 * cache directory, `--allow-write` on it (for the private copy) and on first
 * use `--allow-net` for the package's host, and `--allow-env=DENO_DIR,XDG_CACHE_HOME,HOME` (macOS:
 * `DENO_DIR,HOME`; Windows: `DENO_DIR,LOCALAPPDATA,USERPROFILE`) to find the
 * cache. A missing permission throws Deno's own `NotCapable` error,
 * unwrapped, naming the flag to add.
 *
 * @param options Where to find the library.
 * @returns The opened library; the same object for the same file, however its path is spelled.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for an option of the wrong kind;
 * `LIBRARY_NOT_FOUND` listing every path tried;
 * `LIBRARY_INVALID`, `ABI_MISMATCH`, `LAYOUT_MISMATCH`, `SYMBOL_MISSING` for a
 * library that cannot be used; `WRONG_ARCHITECTURE` for one built for another
 * machine; `INVALID_ARGUMENT` for a path with a NUL byte; for the prebuilt library, `UNSUPPORTED_PLATFORM`
 * naming the platforms that have one, `HASH_MISMATCH` for a file that is not
 * the one the manifest pins (never loaded), `DOWNLOAD_FAILED`, `UNTRUSTED_PATH`
 * for a cache directory another user could change (docs/security.md).
 *
 * @example Open the default build output
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * console.log(lib.path, lib.abiVersion);
 * ```
 */
export function openLibrary(
  options?: { path?: string | URL; symbols?: undefined; mapping?: MappingKind },
): Promise<ZeroCopyLibrary>;
/**
 * Opens a Zig author's library built with the `zerocopy` Zig module, binding
 * its own exports beside the zerocopy ABI ones; otherwise as above.
 *
 * @typeParam S The library's own FFI symbols.
 * @param options The library's path and its own symbols, as the runtime's `dlopen` takes them.
 * @returns The opened library; the same object for the same path and symbols.
 * @throws {ZeroCopyError} as above.
 *
 * @example Open a Zig author's library
 * ```ts ignore
 * import { openLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary({
 *   path: "./zig-out/lib/libframes.so",
 *   symbols: { make_frame: { parameters: ["u32", "u32", "buffer"], result: "i32" } },
 * });
 * using frame = lib.adopt("u8", (out) => lib.symbols.make_frame(640, 480, out));
 * ```
 */
export function openLibrary<S extends ForeignLibraryInterface>(
  options: OpenLibraryOptions<S> & { symbols: S },
): Promise<ZeroCopyLibrary<S>>;
export async function openLibrary(
  options?: OpenLibraryOptions,
): Promise<ZeroCopyLibrary<ForeignLibraryInterface>> {
  const checked = checkOpenOptions(options);
  const candidates = findLibrary({
    path: checked.path,
    prebuilt: checked.prebuilt,
    ownSymbols: checked.symbols !== undefined,
    name: checked.name ?? "zerocopy",
    buildDir: checked.buildDir,
  });
  return await openCandidates(candidates, checked);
}
