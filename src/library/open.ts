/**
 * Opening a library: find the file, load it, check its ABI, choose the
 * mapping, and hand back one `ZeroCopyLibrary` per path.
 *
 * @module
 */

import { openChecked } from "./abi_check.ts";
import {
  type Candidate,
  LIBRARY_ENV_VAR,
  libraryCandidates,
  prebuiltFallback,
  readEnv,
} from "./discovery.ts";
import { ZeroCopyError } from "../errors.ts";
import {
  checkMappingKind,
  importNodeDlopen,
  loadNodeApiEntry,
  type Mapping,
  MAPPING_ENV_VAR,
  type MappingKind,
  nodeApiMapping,
  type NodeDlopen,
  pointerViewMapping,
} from "../buffer/mapping.ts";
import { type PrebuiltSource, resolvePrebuilt } from "./prebuilt.ts";
import { abiSymbols, libzerocopySymbols } from "../abi/symbols.ts";
import { ZeroCopyLibrary } from "./library.ts";

/**
 * Where to find the native library, and which of its own exports to bind.
 *
 * @typeParam S The library's own FFI symbols, beside the zerocopy ABI exports.
 */
export interface OpenLibraryOptions<S extends Deno.ForeignLibraryInterface = Deno.ForeignLibraryInterface> {
  /**
   * Path or `file:` URL of the shared library. When absent, `ZEROCOPY_LIB` is
   * used if set, else the default `zig build` output next to this module.
   */
  path?: string | URL;
  /**
   * The library's own exports to bind, as for `Deno.dlopen`. When absent, the
   * library must be libzerocopy itself, with its demo exports.
   */
  symbols?: S;
  /**
   * How handed-over memory becomes an `ArrayBuffer`. When absent, `ZEROCOPY_MAPPING`
   * is used if set, else `"node-api"` whenever the library's Node-API entry
   * loads, else `"pointer-view"`. Asking for `"node-api"` fails when it cannot load.
   */
  mapping?: MappingKind;
  /**
   * Prebuilt libraries to fall back on when neither `path`, `ZEROCOPY_LIB`
   * nor a local build gives a library: a package's `lib/` folder and its
   * generated manifest. Defaults to this package's own when `symbols` is
   * absent; a Zig author's generated bindings pass their package's.
   */
  prebuilt?: PrebuiltSource;
  /** Where downloaded prebuilt libraries are cached; `<Deno's cache directory>/zerocopy` by default. */
  cacheDir?: string;
  /**
   * The library's name in build.zig (`zerocopy` by default), for its local
   * build output: `zig-out/lib/lib<name>.so` in the working directory.
   */
  name?: string;
}

/**
 * Opens the native library once per path and checks that it speaks this
 * module's ABI. Looks at, in order: `options.path`; else the `ZEROCOPY_LIB`
 * environment variable (treated as unset when `--allow-env` denies it); else
 * the `zig build` output beside this module (a checkout) and in the working
 * directory; else the prebuilt library for `Deno.build.os`/`Deno.build.arch`
 * in this package's `lib/`: from a package loaded over https (JSR) it is
 * downloaded once into Deno's cache directory, and its SHA-256 is checked
 * against the package's manifest on every open.
 *
 * Needs `--allow-ffi` for the library's path: `--allow-ffi=<path>` is enough
 * under the Node-API mapping; the pointer-view mapping needs it unscoped,
 * because Deno lets a scoped grant open a library but not map its memory
 * (denoland/deno#15511). The prebuilt library also needs `--allow-read` on the
 * cache directory, on first use `--allow-write` on it and `--allow-net` for the
 * package's host, and `--allow-env=DENO_DIR,XDG_CACHE_HOME,HOME` (macOS:
 * `DENO_DIR,HOME`; Windows: `DENO_DIR,LOCALAPPDATA,USERPROFILE`) to find the
 * cache. A missing permission throws Deno's own `Deno.errors.NotCapable`,
 * unwrapped, naming the flag to add.
 *
 * @param options Where to find the library.
 * @returns The opened library; the same object for the same path.
 * @throws {ZeroCopyError} `LIBRARY_NOT_FOUND` listing every path tried;
 * `LIBRARY_INVALID`, `ABI_MISMATCH`, `LAYOUT_MISMATCH`, `SYMBOL_MISSING` for a
 * library that cannot be used; for the prebuilt library, `UNSUPPORTED_PLATFORM`
 * naming the platforms that have one, `HASH_MISMATCH` for a file that is not
 * the one the manifest pins (never loaded), `DOWNLOAD_FAILED`.
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
  options: OpenLibraryOptions = {},
): Promise<ZeroCopyLibrary<Deno.ForeignLibraryInterface>> {
  checkMappingKind(options.mapping, "the mapping option");
  const fromEnv = options.mapping === undefined ? readEnv(MAPPING_ENV_VAR) : undefined;
  checkMappingKind(fromEnv, MAPPING_ENV_VAR);
  const asked = options.mapping ?? fromEnv;
  const dlopen = asked === "pointer-view" ? null : await importNodeDlopen();
  const table = options.symbols === undefined ? libzerocopySymbols : { ...options.symbols, ...abiSymbols };
  const tried: Candidate[] = [];
  for (const candidate of libraryCandidates(options.path, options.name)) {
    const library = openCandidate(candidate.path, table, asked, dlopen);
    if (library !== null) return library;
    tried.push(candidate);
  }
  const prebuilt = prebuiltFallback(options.path, options.prebuilt, options.symbols !== undefined);
  if (prebuilt !== undefined) {
    const path = await resolvePrebuilt({ ...prebuilt, cacheDir: options.cacheDir });
    const library = openCandidate(path, table, asked, dlopen);
    if (library !== null) return library;
    tried.push({ path, source: "prebuilt" });
  }
  const unreadable =
    Deno.permissions.querySync({ name: "env", variable: LIBRARY_ENV_VAR }).state !== "granted";
  throw new ZeroCopyError(
    "LIBRARY_NOT_FOUND",
    `Cannot find the zerocopy native library; tried ${
      tried.map((t) => `"${t.path} (${t.source})"`).join(", ")
    }${
      unreadable
        ? `; ${LIBRARY_ENV_VAR} could not be read (add --allow-env=${LIBRARY_ENV_VAR} to use it)`
        : ""
    }: run "zig build" in the zerocopy checkout, or set ${LIBRARY_ENV_VAR} or the path option to the built library`,
  );
}

const libraries = new Map<string, ZeroCopyLibrary<Deno.ForeignLibraryInterface>>();

/**
 * The library at `path` with `table`, opened once per mapping asked for; null
 * when there is no such file. The Node-API entry loads after the ABI version
 * check and before the layout check, which reads the manifest through it:
 * `UnsafePointerView` is refused under a path-scoped `--allow-ffi`.
 */
function openCandidate(
  path: string,
  table: Deno.ForeignLibraryInterface,
  asked: MappingKind | undefined,
  dlopen: NodeDlopen | null,
): ZeroCopyLibrary<Deno.ForeignLibraryInterface> | null {
  // One handle per path, symbol table and mapping: dlopen hands back the same loaded code for each.
  const expected = asked ?? (dlopen === null ? "pointer-view" : "node-api");
  const key = `${path}\0${Object.keys(table).sort().join(",")}\0${expected}`;
  const cached = libraries.get(key);
  if (cached) return cached;
  let mapping: Mapping = pointerViewMapping;
  const handle = openChecked(path, table, () => {
    const entry = dlopen === null ? null : loadNodeApiEntry(dlopen, path);
    if (entry !== null) {
      mapping = nodeApiMapping(entry);
      return entry.layout();
    }
    if (asked === "node-api") {
      // Under a scoped grant the layout cannot be read without the entry.
      if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") throw noNodeApiEntry(path);
      return undefined;
    }
    requireUnscopedFfi(path);
    return undefined;
  });
  if (handle === null) return null;
  // After the ABI checks, so that a library of another version is reported as such.
  if (asked === "node-api" && mapping.kind !== "node-api") {
    handle.close();
    throw noNodeApiEntry(path);
  }
  const library = new ZeroCopyLibrary<Deno.ForeignLibraryInterface>(
    path,
    handle as Deno.DynamicLibrary<typeof abiSymbols>,
    mapping,
  );
  libraries.set(key, library);
  return library;
}

function noNodeApiEntry(path: string): ZeroCopyError {
  return new ZeroCopyError(
    "LIBRARY_INVALID",
    `Cannot use the node-api mapping for "${path}": its Node-API entry did not load (a library built without \`zerocopy.exportAbi()\`, a relative path without --allow-read, or a host without Node-API); open it with mapping: "pointer-view"`,
  );
}

/**
 * Throws Deno's own `NotCapable` when `--allow-ffi` is scoped to paths: Deno
 * (2.9) lets a scoped grant open the library but not map its memory with
 * `UnsafePointerView.getArrayBuffer` (denoland/deno#15511), so failing here
 * beats failing at the first handover.
 */
function requireUnscopedFfi(path: string): void {
  const state = Deno.permissions.querySync({ name: "ffi" }).state;
  if (state === "granted") return;
  if (Deno.permissions.querySync({ name: "ffi", path }).state !== "granted") return; // dlopen reports it
  throw new Deno.errors.NotCapable(
    `Requires ffi access without a path to map "${path}"'s buffers with the pointer-view mapping: Deno allows UnsafePointerView.getArrayBuffer only under an unscoped grant (denoland/deno#15511); run again with --allow-ffi, or let the node-api mapping load`,
  );
}
