/**
 * An opened, ABI-checked zerocopy library, and the one way Zig memory becomes a
 * `ZeroCopyBuffer`.
 *
 * @module
 */

import { checkElementType, checkLength, ELEMENT_INFO, type ElementType } from "./element_types.ts";
import { openChecked } from "./abi_check.ts";
import { type Descriptor, elementTypeOf, newDescriptor } from "./descriptor.ts";
import {
  type Candidate,
  LIBRARY_ENV_VAR,
  libraryCandidates,
  prebuiltFallback,
  readEnv,
} from "./discovery.ts";
import { ZeroCopyError } from "./errors.ts";
import { STATS_BYTES, StatsOffset, STATUS } from "./layout.ts";
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
} from "./mapping.ts";
import { type PrebuiltSource, resolvePrebuilt } from "./prebuilt.ts";
import { statusError } from "./status.ts";
import { abiSymbols, libzerocopySymbols } from "./symbols.ts";
import { checkTransferred, claim, claimMemory, type TransferredBuffer } from "./transfer.ts";
import { bufferInternals, type BufferOwner, type ZeroCopyBuffer } from "./zero_copy_buffer.ts";

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
 * Buffers and bytes a library has handed over and not yet had back.
 *
 * @example Check that everything went back
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * const { liveBuffers, abandonedBuffers } = lib.stats();
 * console.log(liveBuffers, abandonedBuffers); // 0 0
 * ```
 */
export interface LibraryStats {
  /** Buffers handed over and not yet released. */
  liveBuffers: number;
  /** Bytes (of capacity) handed over and not yet released. */
  liveBytes: number;
  /** Buffers handed over since the library was loaded. */
  totalHandedOver: number;
  /** Buffers released since the library was loaded. */
  totalReleased: number;
  /**
   * Buffers this library object left allocated on purpose: under the
   * pointer-view mapping, their `ArrayBuffer` was transferred away by the user
   * and may still map the memory, so freeing it could crash its reader. They
   * stay in `liveBuffers`; the README's "Two mappings" section explains.
   */
  abandonedBuffers: number;
}

/** The exports of libzerocopy itself: the ABI plus its demo functions. */
export type LibzerocopySymbols = typeof libzerocopySymbols;

/** The bound functions of a library opened with symbols `S`, plus the zerocopy ABI exports. */
export type BoundSymbols<S extends Deno.ForeignLibraryInterface> = Deno.DynamicLibrary<
  S & typeof abiSymbols
>["symbols"];

/** The zerocopy ABI functions every library exports, regions and rings among them. */
export type AbiFunctions = Deno.DynamicLibrary<typeof abiSymbols>["symbols"];

/**
 * An opened, ABI-checked zerocopy library: libzerocopy itself, or a Zig
 * author's library built with the `zerocopy` Zig module. Get one with
 * {@linkcode openLibrary}. It stays open for the life of the process, because
 * buffers it handed over hold pointers into its code.
 *
 * @typeParam S The library's own FFI symbols.
 *
 * @example Adopt what a Zig function hands over
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * using halves = lib.adopt("f64", (out) => lib.symbols.zc_generate_f64(4n, out));
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
   * descriptors (`adopt`'s callback argument, `pin().descriptor`) as `"buffer"` parameters.
   */
  readonly symbols: BoundSymbols<S>;
  /**
   * How handed-over memory becomes an `ArrayBuffer`: `"node-api"` (an external
   * `ArrayBuffer` whose finalizer frees the memory, wherever it is moved) or
   * `"pointer-view"` (`UnsafePointerView.getArrayBuffer` and a `FinalizationRegistry`).
   */
  readonly mapping: MappingKind;
  readonly #abi: AbiFunctions;
  readonly #owner: BufferOwner;
  readonly #mapping: Mapping;
  readonly #stats = new DataView(new ArrayBuffer(STATS_BYTES));
  #abandoned = 0;

  /** @internal Use {@linkcode openLibrary}. */
  constructor(path: string, library: Deno.DynamicLibrary<S & typeof abiSymbols>, mapping: Mapping) {
    this.path = path;
    this.symbols = library.symbols;
    this.#abi = library.symbols as unknown as AbiFunctions;
    this.abiVersion = this.#abi.zc_abi_version();
    this.mapping = mapping.kind;
    this.#mapping = mapping;
    const release = this.#abi.zc_release;
    this.#owner = {
      path,
      mapping,
      release: (descriptor) => release(descriptor),
      abandon: () => {
        this.#abandoned++;
        warnAbandonedOnce();
      },
    };
  }

  /**
   * Calls a Zig function that hands a buffer over through its descriptor
   * argument (`out: *zerocopy.Descriptor` or `*zerocopy.Out(T)`) and adopts the result.
   *
   * @typeParam T The element type the function hands over.
   * @param type The element type the function must hand over; another is refused (and freed).
   * @param call Calls the Zig function with `descriptor` and returns its `Status`
   * (0 for ok), or nothing for a function that cannot fail.
   * @returns The buffer; dispose it to free the memory.
   * @throws {ZeroCopyError} the status's error (`OUT_OF_MEMORY`, ...);
   * `INVALID_ELEMENT_TYPE` when the function handed over another type, after
   * freeing what it handed over.
   *
   * @example Adopt a frame from a Zig author's function
   * ```ts ignore
   * using frame = lib.adopt("u8", (out) => lib.symbols.make_frame(640, 480, out));
   * ```
   */
  adopt<T extends ElementType>(type: T, call: (descriptor: Descriptor) => number | void): ZeroCopyBuffer<T> {
    checkElementType(type);
    const descriptor = newDescriptor();
    let status: number;
    try {
      status = call(descriptor) ?? STATUS.ok;
    } catch (error) {
      this.#owner.release(descriptor); // the Zig call may have handed over before `call` threw
      throw error;
    }
    return this.#wrap(descriptor, status, type);
  }

  /**
   * `adopt` for a nonblocking Zig function (`nonblocking: true`): the call runs
   * on another thread and the buffer arrives when it settles.
   *
   * @typeParam T The element type the function hands over.
   * @param type The element type the function must hand over.
   * @param call Calls the nonblocking function with `descriptor`; resolves to its `Status`.
   * @returns The buffer; dispose it to free the memory.
   * @throws {ZeroCopyError} as {@linkcode ZeroCopyLibrary.prototype.adopt}.
   *
   * @example Adopt from a nonblocking function
   * ```ts ignore
   * using frame = await lib.adoptAsync("u8", (out) => lib.symbols.render_slowly(out));
   * ```
   */
  async adoptAsync<T extends ElementType>(
    type: T,
    call: (descriptor: Descriptor) => Promise<number | void>,
  ): Promise<ZeroCopyBuffer<T>> {
    checkElementType(type);
    const descriptor = newDescriptor();
    let status: number;
    try {
      status = (await call(descriptor)) ?? STATUS.ok;
    } catch (error) {
      this.#owner.release(descriptor); // the Zig call may have handed over before `call` threw
      throw error;
    }
    return this.#wrap(descriptor, status, type);
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
   * const lib = await openLibrary();
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
    return this.#wrap(descriptor, status, type, `Allocating ${length} ${type}`);
  }

  /**
   * Gives a buffer back to a Zig function that takes ownership of it (it calls
   * `zerocopy.claim()` on the descriptor, then keeps or frees the memory). From
   * then on the buffer is consumed: its views are detached, it never frees,
   * and using it throws `CONSUMED`. A function that did not claim the memory
   * (its descriptor still set when it returns) has it freed here, so nothing leaks.
   *
   * @typeParam R What the Zig function returns.
   * @param buffer A live buffer from this library.
   * @param call Calls the Zig function with the buffer's descriptor.
   * @returns What `call` returned.
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` for a buffer another library
   * file handed over (give it back to that one): nothing is consumed; `DISPOSED`, `CONSUMED`, or `PINNED`
   * while a nonblocking call uses it.
   *
   * @example Give a buffer to Zig
   * ```ts
   * import { openLibrary } from "@zerocopy/zerocopy";
   *
   * const lib = await openLibrary();
   * const values = lib.allocate("f64", 4);
   * lib.giveBack(values, (descriptor) => lib.symbols.zc_consume(descriptor));
   * console.log(values.disposed); // true
   * ```
   */
  giveBack<R>(buffer: ZeroCopyBuffer, call: (descriptor: Descriptor) => R): R {
    // By path: every ZeroCopyLibrary of one file shares its code and counters.
    const from = bufferInternals.ownerOf(buffer).path;
    if (from !== this.path) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Cannot give a buffer from "${from}" back to "${this.path}": give it back to the library that handed it over`,
      );
    }
    const descriptor = bufferInternals.consume(buffer, "give back");
    try {
      return call(descriptor);
    } finally {
      this.#owner.release(descriptor); // a no-op once Zig claimed it
    }
  }

  /**
   * Turns a buffer another worker sent with {@linkcode ZeroCopyBuffer.prototype.transfer}
   * back into a buffer over the same memory, which this side now owns.
   *
   * @typeParam T The element type expected.
   * @param transferred What `transfer()` returned, received through `postMessage`.
   * @param expected The element type expected; a buffer of another type is refused (and freed).
   * @returns The buffer, owned here: dispose it to free the memory.
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything but a transferred
   * buffer, one from another library, one sent under the Node-API mapping to a
   * library opened under the pointer-view one (nothing is claimed then), or one
   * whose memory was copied because it was posted without its transfer list; `CONSUMED`
   * for one already received; `INVALID_ELEMENT_TYPE` for a buffer of another
   * type than `expected`.
   *
   * @example Receive a buffer in a worker
   * ```ts ignore
   * import { openLibrary } from "@zerocopy/zerocopy";
   *
   * const lib = await openLibrary();
   * self.onmessage = (event) => {
   *   using frame = lib.receive(event.data, "f32");
   *   console.log(frame.length);
   * };
   * ```
   */
  receive<T extends ElementType = ElementType>(
    transferred: TransferredBuffer,
    expected?: T,
  ): ZeroCopyBuffer<T> {
    checkTransferred(transferred);
    if (expected !== undefined) checkElementType(expected);
    if (transferred.path !== this.path) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Cannot receive a buffer from "${transferred.path}" with the library "${this.path}": open that library and receive it there`,
      );
    }
    if (transferred.memory === null) return this.#wrap(claim(transferred), STATUS.ok, expected);
    if (!this.#mapping.ownsMemory) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Cannot receive a buffer sent under the node-api mapping with a library opened under ${this.mapping}: open it with the node-api mapping`,
      );
    }
    const mapping = this.#mapping;
    const descriptor = claimMemory(
      transferred as TransferredBuffer & { memory: ArrayBuffer },
      (memory, into) => mapping.detachInto(memory, into),
    );
    return this.#wrap(descriptor, STATUS.ok, expected);
  }

  /**
   * Live allocation counters kept by the Zig side: what was handed over and
   * not yet released. Tests use them to prove each buffer is freed exactly once.
   *
   * @returns A snapshot of the counters.
   *
   * @example Count live buffers
   * ```ts
   * import { openLibrary } from "@zerocopy/zerocopy";
   *
   * const lib = await openLibrary();
   * console.log(lib.stats().liveBuffers);
   * ```
   */
  stats(): LibraryStats {
    this.#mapping.settle(); // releases a garbage collector's thread left for this one count once done
    this.#abi.zc_stats(this.#stats);
    const count = (offset: number) => Number(this.#stats.getBigUint64(offset, true));
    return {
      liveBuffers: count(StatsOffset.live_buffers),
      liveBytes: count(StatsOffset.live_bytes),
      totalHandedOver: count(StatsOffset.total_handed_over),
      totalReleased: count(StatsOffset.total_released),
      abandonedBuffers: this.#abandoned,
    };
  }

  /**
   * Wraps the memory a native call described in `descriptor`. On a failed
   * status or any inconsistency the memory is released before the error is
   * thrown, so nothing leaks.
   */
  #wrap<T extends ElementType>(
    descriptor: Descriptor,
    status: number,
    expected: T | undefined,
    what = "The native call",
  ): ZeroCopyBuffer<T> {
    let memory: ArrayBuffer;
    let type: ElementType;
    try {
      if (status !== STATUS.ok) throw statusError(status, what);
      memory = this.#mapping.map(descriptor, expected);
      type = expected ?? elementTypeOf(descriptor)!;
    } catch (error) {
      this.#owner.release(descriptor); // in case the function filled it before failing
      throw error;
    }
    return bufferInternals.create(descriptor, this.#owner, type as T, memory);
  }
}

let warnedAbandoned = false;

/** A leak the user caused but cannot see otherwise: said once per process, counted in `stats()`. */
function warnAbandonedOnce(): void {
  if (warnedAbandoned) return;
  warnedAbandoned = true;
  console.warn(
    "zerocopy: a buffer's ArrayBuffer was transferred away under the pointer-view mapping, so its memory is left allocated rather than freed under the view that now holds it (counted in lib.stats().abandonedBuffers). Use the node-api mapping to move view.buffer, or buffer.transfer() to send it to a worker.",
  );
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
