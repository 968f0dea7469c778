/**
 * Finds the native library, opens it once and checks its ABI before use.
 *
 * @module
 */

import { ABI_VERSION, checkLayout, STATS_WORDS, STATUS, statusError } from "./abi.ts";
import { checkElementType, checkLength, type ElementType } from "./element_types.ts";
import { ZeroCopyError } from "./errors.ts";
import { probeSymbols, symbols } from "./symbols.ts";
import {
  adoptDescriptor,
  descriptorOf,
  newDescriptor,
  type Releaser,
  type ZeroCopyBuffer,
} from "./zero_copy_buffer.ts";

/** The environment variable that overrides where the native library is looked for. */
export const LIBRARY_ENV_VAR = "ZEROCOPY_LIB";

/** Where to find the native library. */
export interface OpenLibraryOptions {
  /**
   * Path or `file:` URL of the shared library. When absent, `ZEROCOPY_LIB` is
   * used if set, else the default `zig build` output next to this module.
   */
  path?: string | URL;
}

/** Buffers and bytes a library has handed over and not yet had back. */
export interface LibraryStats {
  /** Buffers handed over and not yet released. */
  liveBuffers: number;
  /** Bytes (of capacity) handed over and not yet released. */
  liveBytes: number;
  /** Buffers handed over since the library was loaded. */
  totalHandedOver: number;
  /** Buffers released since the library was loaded. */
  totalReleased: number;
}

type Symbols = Deno.DynamicLibrary<typeof symbols>["symbols"];

// Assigned in ZeroCopyLibrary's static block, which alone may call its constructor.
let openChecked: (path: string) => ZeroCopyLibrary;

/**
 * An opened, ABI-checked zerocopy library. Get one with {@linkcode openLibrary}.
 * It stays open for the life of the process, because buffers it handed over
 * hold pointers into its code.
 *
 * @example Generate a buffer in Zig and read it in Deno
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = openLibrary();
 * using squares = lib.generate("f64", 4);
 * console.log(squares.view); // Float64Array(4) [ 0, 0.5, 1, 1.5 ]
 * ```
 */
export class ZeroCopyLibrary {
  /** The path the library was opened from. */
  readonly path: string;
  /** The ABI version the library reported (always {@linkcode ABI_VERSION} once open). */
  readonly abiVersion: number;
  readonly #symbols: Symbols;
  readonly #releaser: Releaser;
  readonly #stats = new BigUint64Array(STATS_WORDS);

  private constructor(path: string, library: Deno.DynamicLibrary<typeof symbols>) {
    this.path = path;
    this.abiVersion = library.symbols.zc_abi_version();
    this.#symbols = library.symbols;
    const release = library.symbols.zc_release;
    this.#releaser = { release: (descriptor) => release(descriptor) };
  }

  static {
    openChecked = (path) => new ZeroCopyLibrary(path, openWithAbiCheck(path));
  }

  /**
   * Asks Zig to allocate `length` elements of `type`, filled with the demo
   * pattern (element `i` is `i` wrapped to the type, or `i / 2` for floats),
   * and takes ownership of them with no copy.
   *
   * @typeParam T The element type.
   * @param type The element type, which picks the view's TypedArray.
   * @param length The number of elements; 0 gives an empty buffer.
   * @returns The buffer; dispose it to free the memory.
   * @throws {ZeroCopyError} `INVALID_ELEMENT_TYPE`, `INVALID_LENGTH`,
   * `SIZE_OVERFLOW` before anything is allocated; `OUT_OF_MEMORY` when Zig's
   * allocator fails.
   */
  generate<T extends ElementType>(type: T, length: number): ZeroCopyBuffer<T> {
    checkElementType(type);
    checkLength(length, type);
    const descriptor = newDescriptor();
    const generator = this.#symbols[`zc_generate_${type as ElementType}`];
    const status = generator(BigInt(length), descriptor);
    if (status !== STATUS.ok) throw statusError(status, `Generating ${length} ${type}`);
    return adoptDescriptor(descriptor, this.#releaser, type);
  }

  /**
   * FNV-1a hash that Zig computes over the buffer's bytes, reading the same
   * memory the view writes to.
   *
   * @param buffer A live buffer this library handed over.
   * @returns The 32-bit FNV-1a hash of `buffer.bytes`.
   * @throws {ZeroCopyError} `DISPOSED` for a disposed buffer.
   */
  checksum(buffer: ZeroCopyBuffer): number {
    return this.#symbols.zc_checksum(descriptorOf(buffer));
  }

  /**
   * Live allocation counters kept by the Zig side: what was handed over and
   * not yet released. Tests use them to prove each buffer is freed exactly once.
   *
   * @returns A snapshot of the counters.
   */
  stats(): LibraryStats {
    this.#symbols.zc_stats(this.#stats);
    const [liveBuffers, liveBytes, totalHandedOver, totalReleased] = Array.from(this.#stats, Number);
    return { liveBuffers, liveBytes, totalHandedOver, totalReleased };
  }
}

const opened = new Map<string, ZeroCopyLibrary>();

/**
 * Opens the native library once per path and checks that it speaks this
 * module's ABI. Looks at, in order: `options.path`; else the `ZEROCOPY_LIB`
 * environment variable (treated as unset when `--allow-env` denies it); else
 * the default `zig build` output beside this module and in the working directory.
 *
 * Needs `--allow-ffi`, unscoped: Deno lets a grant scoped to the library's
 * path open it but not map its memory (denoland/deno#15511). A denied or
 * scoped permission throws Deno's own `Deno.errors.NotCapable`, unwrapped.
 *
 * @param options Where to find the library.
 * @returns The opened library; the same object for the same path.
 * @throws {ZeroCopyError} `LIBRARY_NOT_FOUND` listing every path tried;
 * `LIBRARY_INVALID`, `ABI_MISMATCH`, `LAYOUT_MISMATCH`, `SYMBOL_MISSING` for a
 * library that cannot be used.
 *
 * @example Open the default build output
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = openLibrary();
 * console.log(lib.path, lib.abiVersion);
 * ```
 */
export function openLibrary(options: OpenLibraryOptions = {}): ZeroCopyLibrary {
  const candidates = libraryCandidates(options);
  const tried: string[] = [];
  for (const { path, source } of candidates) {
    const cached = opened.get(path);
    if (cached) return cached;
    tried.push(`${path} (${source})`);
    if (!exists(path)) continue;
    requireUnscopedFfi(path);
    const library = openChecked(path);
    opened.set(path, library);
    return library;
  }
  throw new ZeroCopyError(
    "LIBRARY_NOT_FOUND",
    `Cannot find the zerocopy native library; tried ${
      tried.map((t) => `"${t}"`).join(", ")
    }: run "zig build" in the zerocopy checkout, or set ${LIBRARY_ENV_VAR} or the path option to the built library`,
  );
}

interface Candidate {
  path: string;
  source: string;
}

/** The file name `zig build` gives the library on this OS. */
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

function libraryCandidates(options: OpenLibraryOptions): Candidate[] {
  if (options.path !== undefined) return [{ path: toPath(options.path), source: "path option" }];
  const fromEnv = readEnv(LIBRARY_ENV_VAR);
  if (fromEnv) return [{ path: fromEnv, source: LIBRARY_ENV_VAR }];
  const file = libraryFileName();
  const candidates: Candidate[] = [];
  const beside = new URL(`../zig-out/lib/${file}`, import.meta.url);
  if (beside.protocol === "file:") candidates.push({ path: toPath(beside), source: "beside the module" });
  candidates.push({ path: `zig-out/lib/${file}`, source: "working directory" });
  return candidates;
}

function toPath(path: string | URL): string {
  if (typeof path === "string" && !path.startsWith("file:")) return path;
  const url = new URL(path);
  const decoded = decodeURIComponent(url.pathname);
  return Deno.build.os === "windows" ? decoded.slice(1).replaceAll("/", "\\") : decoded;
}

/** Reads an environment variable, treating a denied `--allow-env` as unset. */
function readEnv(name: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") return undefined;
  return Deno.env.get(name) || undefined;
}

/**
 * Whether `path` exists, judged by opening it: no `--allow-read` needed, and a
 * denied `--allow-ffi` surfaces as Deno's own error.
 */
function exists(path: string): boolean {
  try {
    Deno.dlopen(path, {}).close();
    return true;
  } catch (error) {
    if (isPermissionError(error)) throw error;
    if (isMissingFile(error)) return false;
    throw new ZeroCopyError(
      "LIBRARY_INVALID",
      `Cannot load native library "${path}": ${
        (error as Error).message
      }; rebuild it with "zig build" for this platform`,
      { cause: error },
    );
  }
}

/**
 * Throws Deno's own `NotCapable` when `--allow-ffi` is scoped to paths: Deno
 * (2.9) lets a scoped grant open the library but not map its memory with
 * `UnsafePointerView.getArrayBuffer` (denoland/deno#15511), so failing here
 * beats failing at the first handover.
 */
function requireUnscopedFfi(path: string): void {
  if (Deno.permissions.querySync({ name: "ffi" }).state === "granted") return;
  throw new Deno.errors.NotCapable(
    `Requires ffi access without a path to map "${path}"'s buffers: Deno allows UnsafePointerView.getArrayBuffer only under an unscoped grant (denoland/deno#15511); run again with --allow-ffi`,
  );
}

function openWithAbiCheck(path: string): Deno.DynamicLibrary<typeof symbols> {
  const probe = openSymbols(path, probeSymbols);
  try {
    const version = probe.symbols.zc_abi_version();
    if (version !== ABI_VERSION) {
      throw new ZeroCopyError(
        "ABI_MISMATCH",
        `Cannot use native library "${path}": it has ABI version ${version} but this module needs ${ABI_VERSION}; rebuild it from the matching zerocopy version with "zig build"`,
      );
    }
    const layout = probe.symbols.zc_layout();
    checkLayout(layout === null ? "" : new Deno.UnsafePointerView(layout).getCString(), path);
  } finally {
    probe.close();
  }
  return openSymbols(path, symbols);
}

function openSymbols<S extends Deno.ForeignLibraryInterface>(path: string, table: S): Deno.DynamicLibrary<S> {
  try {
    return Deno.dlopen(path, table);
  } catch (error) {
    if (isPermissionError(error)) throw error;
    throw new ZeroCopyError(
      "SYMBOL_MISSING",
      `Cannot use native library "${path}": ${
        (error as Error).message
      }; it is not a zerocopy library, or was built from another version`,
      { cause: error },
    );
  }
}

function isPermissionError(error: unknown): boolean {
  return error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied;
}

function isMissingFile(error: unknown): boolean {
  return error instanceof Error &&
    /no such file|cannot open shared object file: no such|image not found|specified module could not be found/i
      .test(error.message);
}
