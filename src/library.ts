/**
 * Finds the native library, opens it once and checks its ABI before use.
 *
 * @module
 */

import { ABI_VERSION, checkLayout, STATS_WORDS, STATUS, statusError } from "./abi.ts";
import { checkElementType, checkLength, ELEMENT_INFO, type ElementType } from "./element_types.ts";
import { ZeroCopyError } from "./errors.ts";
import { abiSymbols, libzerocopySymbols, probeSymbols } from "./symbols.ts";
import {
  adoptDescriptor,
  consume,
  type Descriptor,
  descriptorOf,
  newDescriptor,
  type Releaser,
  type ZeroCopyBuffer,
} from "./zero_copy_buffer.ts";

/** The environment variable that overrides where the native library is looked for. */
export const LIBRARY_ENV_VAR = "ZEROCOPY_LIB";

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

/** The exports of libzerocopy itself: the ABI plus its demo functions. */
export type LibzerocopySymbols = typeof libzerocopySymbols;

/** The bound functions of a library opened with symbols `S`, plus the zerocopy ABI exports. */
export type BoundSymbols<S extends Deno.ForeignLibraryInterface> = Deno.DynamicLibrary<
  S & typeof abiSymbols
>["symbols"];

type AnyLibrary = Deno.DynamicLibrary<Deno.ForeignLibraryInterface>;
type AbiFunctions = Deno.DynamicLibrary<typeof abiSymbols>["symbols"];

// Assigned in ZeroCopyLibrary's static block, which alone may call its constructor.
let openChecked: (
  path: string,
  table: Deno.ForeignLibraryInterface,
) => ZeroCopyLibrary<Deno.ForeignLibraryInterface>;

/**
 * An opened, ABI-checked zerocopy library: libzerocopy itself, or a Zig
 * author's library built with the `zerocopy` Zig module. Get one with
 * {@linkcode openLibrary}. It stays open for the life of the process, because
 * buffers it handed over hold pointers into its code.
 *
 * @typeParam S The library's own FFI symbols.
 *
 * @example Generate a buffer in Zig and read it in Deno
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = openLibrary();
 * using halves = lib.generate("f64", 4);
 * console.log(halves.view); // Float64Array(4) [ 0, 0.5, 1, 1.5 ]
 * ```
 */
export class ZeroCopyLibrary<S extends Deno.ForeignLibraryInterface = LibzerocopySymbols> {
  /** The path the library was opened from. */
  readonly path: string;
  /** The ABI version the library reported (always {@linkcode ABI_VERSION} once open). */
  readonly abiVersion: number;
  /**
   * The library's bound functions, as `Deno.dlopen` returns them. Pass
   * descriptors (`take`'s callback argument, `pin().descriptor`) as `"buffer"` parameters.
   */
  readonly symbols: BoundSymbols<S>;
  /** @internal Frees descriptors this library handed over; used by `ZeroCopyBuffer.receive`. */
  readonly releaser: Releaser;
  readonly #abi: AbiFunctions;
  readonly #stats = new BigUint64Array(STATS_WORDS);

  private constructor(path: string, library: Deno.DynamicLibrary<S & typeof abiSymbols>) {
    this.path = path;
    this.symbols = library.symbols;
    this.#abi = library.symbols as unknown as AbiFunctions;
    this.abiVersion = this.#abi.zc_abi_version();
    const release = this.#abi.zc_release;
    this.releaser = { path, release: (descriptor) => release(descriptor) };
  }

  static {
    openChecked = (path, table) =>
      new ZeroCopyLibrary(path, openWithAbiCheck(path, table) as Deno.DynamicLibrary<typeof abiSymbols>);
  }

  /**
   * Calls a Zig function that hands a buffer over through its descriptor
   * argument (`out: *zerocopy.Buffer`) and takes ownership of the result.
   *
   * @typeParam T The element type the function hands over.
   * @param type The element type the function must hand over; another is refused.
   * @param call Calls the Zig function with `descriptor` and returns its `Status`
   * (0 for ok), or nothing for a function that cannot fail.
   * @returns The buffer; dispose it to free the memory.
   * @throws {ZeroCopyError} the status's error (`OUT_OF_MEMORY`, ...);
   * `INVALID_ELEMENT_TYPE` when the function handed over another type, after
   * freeing what it handed over.
   *
   * @example Take a frame from a Zig author's function
   * ```ts ignore
   * using frame = lib.take("u8", (out) => lib.symbols.make_frame(640, 480, out));
   * ```
   */
  take<T extends ElementType>(type: T, call: (descriptor: Descriptor) => number | void): ZeroCopyBuffer<T> {
    checkElementType(type);
    const descriptor = newDescriptor();
    let status: number;
    try {
      status = call(descriptor) ?? STATUS.ok;
    } catch (error) {
      this.releaser.release(descriptor); // the Zig call may have handed over before `call` threw
      throw error;
    }
    return this.#adopt(descriptor, status, type);
  }

  /**
   * `take` for a nonblocking Zig function (`nonblocking: true`): the call runs
   * on another thread and the buffer arrives when it settles.
   *
   * @typeParam T The element type the function hands over.
   * @param type The element type the function must hand over.
   * @param call Calls the nonblocking function with `descriptor`; resolves to its `Status`.
   * @returns The buffer; dispose it to free the memory.
   * @throws {ZeroCopyError} as {@linkcode ZeroCopyLibrary.prototype.take}.
   */
  async takeAsync<T extends ElementType>(
    type: T,
    call: (descriptor: Descriptor) => Promise<number | void>,
  ): Promise<ZeroCopyBuffer<T>> {
    checkElementType(type);
    const descriptor = newDescriptor();
    let status: number;
    try {
      status = (await call(descriptor)) ?? STATUS.ok;
    } catch (error) {
      this.releaser.release(descriptor); // the Zig call may have handed over before `call` threw
      throw error;
    }
    return this.#adopt(descriptor, status, type);
  }

  /**
   * Asks the library's allocator (Zig's `c_allocator`) for `length` zeroed
   * elements for Deno to fill, for instance before giving them to Zig.
   *
   * @typeParam T The element type.
   * @param type The element type, which picks the view's TypedArray.
   * @param length The number of elements, at least 1.
   * @returns The buffer; dispose it to free the memory.
   * @throws {ZeroCopyError} `INVALID_ELEMENT_TYPE`, `INVALID_LENGTH` (also for
   * 0), `SIZE_OVERFLOW` before anything is allocated; `OUT_OF_MEMORY` when
   * Zig's allocator fails.
   *
   * @example Fill a buffer in Deno, then give it to Zig
   * ```ts
   * import { openLibrary } from "@zerocopy/zerocopy";
   *
   * const lib = openLibrary();
   * const bytes = lib.allocate("u8", 3);
   * bytes.view.set([1, 2, 3]);
   * lib.giveBack(bytes, (descriptor) => lib.symbols.zc_consume(descriptor));
   * ```
   */
  allocate<T extends ElementType>(type: T, length: number): ZeroCopyBuffer<T> {
    checkElementType(type);
    checkLength(length, type);
    if (length === 0) {
      throw new ZeroCopyError(
        "INVALID_LENGTH",
        `Cannot allocate 0 ${type}: an empty buffer has nothing to fill; ask for at least 1 element`,
      );
    }
    const descriptor = newDescriptor();
    const status = this.#abi.zc_allocate(ELEMENT_INFO[type].tag, BigInt(length), descriptor);
    return this.#adopt(descriptor, status, type, `Allocating ${length} ${type}`);
  }

  /**
   * Gives a buffer to a Zig function that takes ownership of it (it calls
   * `zerocopy.take()` on the descriptor, then keeps or frees the memory). From
   * then on the buffer is consumed: its views are detached, it never frees,
   * and using it throws `CONSUMED`. A function that did not take the memory
   * (its descriptor still set when it returns) has it freed here, so nothing leaks.
   *
   * @typeParam R What the Zig function returns.
   * @param buffer A live buffer from this library.
   * @param call Calls the Zig function with the buffer's descriptor.
   * @returns What `call` returned.
   * @throws {ZeroCopyError} `DISPOSED`, `CONSUMED`, or `PINNED` while a nonblocking call uses it.
   */
  giveBack<R>(buffer: ZeroCopyBuffer, call: (descriptor: Descriptor) => R): R {
    const descriptor = consume(buffer, "give back");
    try {
      return call(descriptor);
    } finally {
      this.releaser.release(descriptor); // a no-op once Zig took it
    }
  }

  /**
   * Generates `length` elements of `type` in Zig with libzerocopy's demo
   * generator (element `i` is `i` wrapped to the type, or `i / 2` for floats)
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
  generate<T extends ElementType>(
    this: ZeroCopyLibrary<LibzerocopySymbols>,
    type: T,
    length: number,
  ): ZeroCopyBuffer<T> {
    checkElementType(type);
    checkLength(length, type);
    const descriptor = newDescriptor();
    const status = this.symbols[`zc_generate_${type as ElementType}`](BigInt(length), descriptor);
    return this.#adopt(descriptor, status, type, `Generating ${length} ${type}`);
  }

  /**
   * FNV-1a hash that libzerocopy computes over the buffer's bytes, reading the
   * same memory the view writes to.
   *
   * @param buffer A live buffer.
   * @returns The 32-bit FNV-1a hash of `buffer.bytes`.
   * @throws {ZeroCopyError} `DISPOSED` or `CONSUMED` for a buffer that is gone.
   */
  checksum(this: ZeroCopyLibrary<LibzerocopySymbols>, buffer: ZeroCopyBuffer): number {
    return this.symbols.zc_checksum(descriptorOf(buffer));
  }

  /**
   * Live allocation counters kept by the Zig side: what was handed over and
   * not yet released. Tests use them to prove each buffer is freed exactly once.
   *
   * @returns A snapshot of the counters.
   */
  stats(): LibraryStats {
    this.#abi.zc_stats(this.#stats);
    const [liveBuffers, liveBytes, totalHandedOver, totalReleased] = Array.from(this.#stats, Number);
    return { liveBuffers, liveBytes, totalHandedOver, totalReleased };
  }

  #adopt<T extends ElementType>(
    descriptor: Descriptor,
    status: number,
    type: T,
    what = "The native call",
  ): ZeroCopyBuffer<T> {
    if (status !== STATUS.ok) {
      this.releaser.release(descriptor); // in case the function filled it before failing
      throw statusError(status, what);
    }
    return adoptDescriptor(descriptor, this.releaser, type);
  }
}

const opened = new Map<string, ZeroCopyLibrary<Deno.ForeignLibraryInterface>>();

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
export function openLibrary(options?: { path?: string | URL; symbols?: undefined }): ZeroCopyLibrary;
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
 * const lib = openLibrary({
 *   path: "./zig-out/lib/libframes.so",
 *   symbols: { make_frame: { parameters: ["u32", "u32", "buffer"], result: "i32" } },
 * });
 * using frame = lib.take("u8", (out) => lib.symbols.make_frame(640, 480, out));
 * ```
 */
export function openLibrary<S extends Deno.ForeignLibraryInterface>(
  options: OpenLibraryOptions<S> & { symbols: S },
): ZeroCopyLibrary<S>;
export function openLibrary(options: OpenLibraryOptions = {}): ZeroCopyLibrary<Deno.ForeignLibraryInterface> {
  const table = options.symbols === undefined ? libzerocopySymbols : { ...options.symbols, ...abiSymbols };
  const candidates = libraryCandidates(options);
  const tried: string[] = [];
  for (const { path, source } of candidates) {
    // One handle per path and symbol table: dlopen hands back the same loaded code for each.
    const key = `${path}\0${Object.keys(table).sort().join(",")}`;
    const cached = opened.get(key);
    if (cached) return cached;
    tried.push(`${path} (${source})`);
    if (!exists(path)) continue;
    requireUnscopedFfi(path);
    const library = openChecked(path, table);
    opened.set(key, library);
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
export function readEnv(name: string): string | undefined {
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

function openWithAbiCheck(path: string, table: Deno.ForeignLibraryInterface): AnyLibrary {
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
  return openSymbols(path, table);
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
