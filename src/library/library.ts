/**
 * An opened, ABI-checked zerocopy library, and the one way Zig memory becomes a
 * `ZeroCopyBuffer`.
 *
 * @module
 */

import type { ForeignLibraryInterface, LoadedLibrary } from "../runtime/ffi_types.ts";
import { checkElementType, checkLength, ELEMENT_INFO, type ElementType } from "../abi/element_types.ts";
import { type Descriptor, elementTypeOf, keptSlab, newDescriptor, OutSlot } from "../buffer/descriptor.ts";
import { ZeroCopyError } from "../errors.ts";
import { STATS_BYTES, StatsOffset, STATUS } from "../abi/layout.ts";
import type { Mapping, MappingKind } from "../buffer/mapping.ts";
import { statusError } from "../abi/status.ts";
import type { abiSymbols, libzerocopySymbols } from "../abi/symbols.ts";
import type { LibrarySource } from "./discovery.ts";
import { checkTransferred, claim, claimMemory, type TransferredBuffer } from "../buffer/transfer.ts";
import type { BufferOwner, ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";
import { bufferInternals, what } from "../buffer/gate.ts";
import type { LibraryStats } from "./stats.ts";
import { checkCallback, isThenable, warnAbandonedOnce } from "./callbacks.ts";
import { adoptInFrame } from "../calls/adopt_in_frame.ts";

export type { LibraryStats } from "./stats.ts";

/** What zerocopy's own modules need of a library beyond its public face. */
export const libraryInternals = {} as {
  /** How the library maps memory; its frames hold only its own buffers. */
  mappingOf(library: ZeroCopyLibrary<ForeignLibraryInterface>): Mapping;
};

/**
 * The exports of libzerocopy itself: the ABI plus its demo functions.
 *
 * @example The library openDemo opens
 * ```ts
 * import { type LibzerocopySymbols, openDemo, type ZeroCopyLibrary } from "@zerocopy/zerocopy";
 *
 * const { library } = await openDemo();
 * const typed: ZeroCopyLibrary<LibzerocopySymbols> = library;
 * console.log(typeof typed.symbols.zc_sum_f64); // "function"
 * ```
 */
export type LibzerocopySymbols = typeof libzerocopySymbols;

/**
 * The bound functions of a library opened with symbols `S`, plus the zerocopy ABI exports.
 *
 * @example Type the symbols of a library you open
 * ```ts
 * import { type BoundSymbols, openDemo, openLibrary } from "@zerocopy/zerocopy";
 *
 * const { path } = (await openDemo()).library; // a library of your own, in practice
 * const symbols = { zc_sum_f64: { parameters: ["buffer", "u32"], result: "f64" } } as const;
 * const lib = await openLibrary({ path, symbols });
 * const bound: BoundSymbols<typeof symbols> = lib.symbols;
 * console.log(bound.zc_sum_f64(new Float64Array([1, 2]), 2)); // 3
 * ```
 */
export type BoundSymbols<S extends ForeignLibraryInterface> = LoadedLibrary<S & typeof abiSymbols>["symbols"];

/** The zerocopy ABI functions every library exports, regions and rings among them. */
export type AbiFunctions = LoadedLibrary<typeof abiSymbols>["symbols"];

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
export class ZeroCopyLibrary<S extends ForeignLibraryInterface = LibzerocopySymbols> {
  /**
   * The file that was loaded. For a prebuilt or remote library, the private
   * copy of the hash-checked bytes (removed when the process exits), under
   * `<cache directory>/loaded/`.
   */
  readonly path: string;
  /**
   * Why this file was chosen: `"path option"`, `"ZEROCOPY_LIB"`, `"checkout
   * build"` (the `zig build` output beside a module imported from a `file:`
   * URL), `"prebuilt"` (the package's library, hash-checked) or `"remote"`
   * (`openRemoteLibrary`'s download, hash-checked).
   */
  readonly source: LibrarySource;
  /** The ABI version the library reported (always {@linkcode ABI_VERSION} once open). */
  readonly abiVersion: number;
  /**
   * The library's bound functions, as the runtime's `dlopen` returns them. Pass
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

  static {
    libraryInternals.mappingOf = (library) => library.#mapping;
  }

  /** @internal Use {@linkcode openLibrary}. */
  constructor(
    path: string,
    source: LibrarySource,
    library: LoadedLibrary<S & typeof abiSymbols>,
    mapping: Mapping,
  ) {
    this.path = path;
    this.source = source;
    this.symbols = library.symbols;
    this.#abi = library.symbols as unknown as AbiFunctions;
    this.abiVersion = this.#abi.zc_abi_version();
    this.mapping = mapping.kind;
    this.#mapping = mapping;
    const release = this.#abi.zc_release;
    const send = this.#abi.zc_transfer_send;
    const handle = new BigUint64Array(1);
    this.#owner = {
      path,
      mapping,
      release: (descriptor) => release(descriptor),
      park: (descriptor) => {
        const status = send(descriptor, handle);
        if (status !== STATUS.ok) {
          release(descriptor); // still ours when the library could not keep it
          throw statusError(status, "Transferring a buffer");
        }
        return handle[0];
      },
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
    checkCallback(call, "adopt", "call");
    // A slot of its own for every call, never reused: the callback may keep it, and a nonblocking call it
    // was passed to may still write it, from another thread, while a later adopt reads its own.
    const out = new OutSlot();
    const descriptor = out.descriptor;
    let status: unknown;
    try {
      status = call(descriptor) ?? STATUS.ok;
    } catch (error) {
      this.#owner.release(descriptor); // the Zig call may have handed over before `call` threw
      throw error;
    }
    if (typeof status !== "number") {
      this.#owner.release(descriptor);
      if (isThenable(status)) {
        // An async callback makes its Zig call later, into this descriptor,
        // which nobody would ever free: free whatever it hands over then.
        const late = () => this.#owner.release(descriptor);
        status.then(late, late);
        throw new ZeroCopyError(
          "INVALID_ARGUMENT",
          `adopt's callback returned a promise: use adoptAsync for an asynchronous call (what it hands over later is freed)`,
        );
      }
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `adopt's callback returned ${what(status)}: return the Zig function's Status (a number) or nothing`,
      );
    }
    return this.#wrap(descriptor, status, type, undefined, false, out);
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
    checkCallback(call, "adoptAsync", "call");
    return await adoptInFrame(
      this.#mapping,
      this.#owner,
      call,
      (slot, status) => this.#wrap(slot, status, type, undefined, true),
    );
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
    if (!bufferInternals.isBuffer(buffer)) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Cannot give back ${what(buffer)}: giveBack takes a ZeroCopyBuffer this library handed over`,
      );
    }
    checkCallback(call, "giveBack", "call");
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
   * for one already received, or a handle the library never parked (forged); `INVALID_ELEMENT_TYPE` for a buffer of another
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
    if (transferred.memory === null) {
      const receiveParked = this.#abi.zc_transfer_receive;
      return this.#wrap(
        claim(transferred, (handle, into) => receiveParked(handle, into)),
        STATUS.ok,
        expected,
      );
    }
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
      releasedInBackground: count(StatsOffset.background_released),
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
    fromSlot = false,
    out?: OutSlot,
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
    // A slot's words are copied after mapping, which took its `release` under
    // the Node-API mapping; the pointer-view mapping leaves it to the copy alone.
    const at = out?.keep();
    if (at !== undefined) {
      return bufferInternals.create(keptSlab(), this.#owner, type as T, memory, at) as ZeroCopyBuffer<T>;
    }
    const words = fromSlot ? descriptor.slice() as Descriptor : descriptor;
    if (fromSlot) descriptor.fill(0n);
    return bufferInternals.create(words, this.#owner, type as T, memory) as ZeroCopyBuffer<T>;
  }
}
