/**
 * Opening a library, as one pipeline read top to bottom: find the candidates
 * (discovery.ts), verify a prebuilt one's hash (prebuilt.ts), load it
 * (load.ts), check its ABI version (abi_check.ts), choose the mapping
 * (../buffer/mapping.ts), check its layouts and symbols (abi_check.ts), and
 * hand back one `ZeroCopyLibrary` per path. Each step is a lower layer that
 * imports none of the others' callers.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { abiSymbols, libzerocopySymbols } from "../abi/symbols.ts";
import {
  askedMapping,
  chooseMapping,
  importNodeDlopen,
  MAPPING_ENV_VAR,
  type MappingKind,
  type NodeDlopen,
  noNodeApiEntry,
} from "../buffer/mapping.ts";
import { readEnv, unreadLibraryEnvNote } from "./env.ts";
import {
  type Candidate,
  findLibrary,
  LIBRARY_ENV_VAR,
  type PrebuiltCandidate,
  type RemoteCandidate,
} from "./discovery.ts";
import { resolvePrebuilt, verifiedCopy, type VerifiedLibrary } from "./prebuilt.ts";
import { isPermissionError, loadFile, privateCopy } from "./load.ts";
import { checkAbiVersion, checkLayoutAndSymbols } from "./abi_check.ts";
import { ZeroCopyLibrary } from "./library.ts";
import { checkOpenOptions, type OpenLibraryOptions } from "./options.ts";

export type { OpenLibraryOptions } from "./options.ts";

/**
 * Opens the native library once per path and checks that it speaks this
 * module's ABI. Looks at, in order: `options.path`; else the `ZEROCOPY_LIB`
 * environment variable (treated as unset when `--allow-env` denies it); else
 * the `zig build` output of a checkout (beside this module, only when it was
 * imported from a `file:` URL: never the working directory); else the
 * prebuilt library for `Deno.build.os`/`Deno.build.arch` in this package's
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
 * cache. A missing permission throws Deno's own `Deno.errors.NotCapable`,
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
 * @param options The library's path and its own symbols, as for `Deno.dlopen`.
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
export function openLibrary<S extends Deno.ForeignLibraryInterface>(
  options: OpenLibraryOptions<S> & { symbols: S },
): Promise<ZeroCopyLibrary<S>>;
export async function openLibrary(
  options?: OpenLibraryOptions,
): Promise<ZeroCopyLibrary<Deno.ForeignLibraryInterface>> {
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

/** What the steps after finding need. */
export interface PipelineOptions {
  readonly symbols?: Deno.ForeignLibraryInterface;
  readonly mapping?: MappingKind;
  readonly cacheDir?: string;
}

/**
 * The pipeline after finding: the first candidate that is there, verified,
 * loaded and checked, wins. `openRemoteLibrary` enters here with its own
 * candidate. A checkout build that `--allow-ffi` does not cover is skipped:
 * a grant scoped to the cache directory must open the prebuilt library.
 *
 * @param candidates Where to look, most explicit first.
 * @param options The symbols, the mapping asked for, the cache directory.
 * @returns The opened library; the same object for the same path, symbols and mapping.
 */
export async function openCandidates(
  candidates: readonly Candidate[],
  options: PipelineOptions,
): Promise<ZeroCopyLibrary<Deno.ForeignLibraryInterface>> {
  const asked = askedMapping(options.mapping, () => readEnv(MAPPING_ENV_VAR));
  const dlopen = asked === "pointer-view" ? null : await importNodeDlopen();
  const table = options.symbols === undefined ? libzerocopySymbols : { ...options.symbols, ...abiSymbols };
  const tried: string[] = [];
  const refused: Error[] = [];
  for (const candidate of candidates) {
    try {
      // Steps two and three: a pinned library is loaded from a private copy of the bytes just verified.
      const path = candidate.kind === "file"
        ? candidate.path
        : await privateCopy(await verify(candidate, options.cacheDir));
      // Steps three to five: load, check the ABI version, choose the mapping, check layouts and symbols.
      const library = openFile(path, candidate.source, table, asked, dlopen);
      if (library !== null) return library;
      tried.push(`"${path} (${candidate.source})"`);
    } catch (error) {
      if (candidate.kind === "file" && candidate.source === "checkout build" && isPermissionError(error)) {
        refused.push(error as Error);
        tried.push(`"${candidate.path} (${candidate.source}, not covered by --allow-ffi)"`);
        continue;
      }
      if (refused.length > 0 && isPermissionError(error)) {
        throw new Deno.errors.NotCapable(
          `${refused[0].message}; and for the ${candidate.source} library: ${(error as Error).message}`,
        );
      }
      throw error;
    }
  }
  if (refused.length > 0) throw refused[0];
  throw new ZeroCopyError(
    "LIBRARY_NOT_FOUND",
    `Cannot find the zerocopy native library; tried ${
      tried.join(", ") || "nothing"
    }${unreadLibraryEnvNote()}: run "zig build" in the zerocopy checkout, or set ${LIBRARY_ENV_VAR} or the path option to the built library`,
  );
}

/** Step two: the checked bytes of a prebuilt or remote library (a file named or built is loaded as it is). */
async function verify(
  candidate: PrebuiltCandidate | RemoteCandidate,
  cacheDir: string | undefined,
): Promise<VerifiedLibrary> {
  return candidate.kind === "prebuilt"
    ? await resolvePrebuilt({ ...candidate.prebuilt, cacheDir })
    : await verifiedCopy({ url: candidate.url, sha256: candidate.sha256, cacheDir });
}

const libraries = new Map<string, ZeroCopyLibrary<Deno.ForeignLibraryInterface>>();

/**
 * One key per file, however it is named: its device and inode when
 * `--allow-read` lets it be looked at (links and relative names included),
 * else its absolute path with "." and ".." resolved.
 */
function sameFileKey(path: string): string {
  if (Deno.permissions.querySync({ name: "read", path }).state === "granted") {
    try {
      const info = Deno.statSync(path);
      if (info.ino !== null) return `${info.dev}:${info.ino}`;
    } catch { /* no file: loadFile reports it */ }
  }
  const windows = Deno.build.os === "windows";
  const absolute = windows ? /^([a-zA-Z]:)?[\\/]/.test(path) : path.startsWith("/");
  const parts: string[] = [];
  for (const part of (absolute ? path : `${Deno.cwd()}/${path}`).split(windows ? /[\\/]/ : "/")) {
    if (part === "..") {
      if (parts.length > 1) parts.pop();
    } else if (part !== "." && (part !== "" || parts.length === 0)) {
      parts.push(part);
    }
  }
  return parts.join("/");
}

/**
 * Steps three to five for one file: load it, check its ABI version, choose the
 * mapping, check its layouts and symbols. Null when there is no such file.
 */
function openFile(
  path: string,
  source: ZeroCopyLibrary["source"],
  table: Deno.ForeignLibraryInterface,
  asked: MappingKind | undefined,
  dlopen: NodeDlopen | null,
): ZeroCopyLibrary<Deno.ForeignLibraryInterface> | null {
  // One object per path, symbol table and mapping: dlopen hands back the same loaded code for each.
  const expected = asked ?? (dlopen === null ? "pointer-view" : "node-api");
  const key = `${sameFileKey(path)}\0${Object.keys(table).sort().join(",")}\0${expected}`;
  const cached = libraries.get(key);
  if (cached) return cached;
  const handle = loadFile(path, table);
  if (handle === null) return null;
  try {
    checkAbiVersion(handle.symbols, path);
    const { mapping, layout } = chooseMapping(asked, dlopen, path);
    checkLayoutAndSymbols(handle.symbols, table, path, layout);
    if (asked === "node-api" && mapping.kind !== "node-api") throw noNodeApiEntry(path);
    const library = new ZeroCopyLibrary<Deno.ForeignLibraryInterface>(
      path,
      source,
      handle as unknown as Deno.DynamicLibrary<typeof abiSymbols>,
      mapping,
    );
    libraries.set(key, library);
    return library;
  } catch (error) {
    handle.close();
    throw error;
  }
}
