/**
 * `Region`: Zig memory mapped into one `ArrayBuffer` once, inside which Zig
 * hands over many typed slices, each arriving as a subarray.
 *
 * @module
 */

import { customInspect } from "../runtime/inspect.ts";
import type { ForeignLibraryInterface } from "../runtime/ffi_types.ts";
import { DescriptorOffset, STATUS } from "../abi/layout.ts";
import { statusError } from "../abi/status.ts";
import {
  type AnyTypedArray,
  checkElementType,
  checkLength,
  ELEMENT_INFO,
  type ElementType,
  type TypedArrayOf,
} from "../abi/element_types.ts";
import { ZeroCopyError } from "../errors.ts";
import type { AbiFunctions, ZeroCopyLibrary } from "../library/library.ts";
import { checkLibraryArguments } from "../library/library_arguments.ts";
import { wordAt } from "../buffer/descriptor.ts";
import { checkCallback, isThenable } from "../library/callbacks.ts";
import { abiLayout } from "../abi/symbols.ts";
import { bufferInternals, type ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";
import { checkCount, newTarget, nonblockingRefused, outside, wrongType } from "./out_params.ts";

/**
 * The memory a region or ring lends the Zig function it calls, for the
 * function to say what it handed over: pass it as the function's `"buffer"`
 * parameter (`out: ?*zerocopy.RegionOut(T)`, `BatchOut(T)` or `RingOut(T)`).
 *
 * @example Pass it straight through to the Zig function
 * ```ts
 * import { type HandOverTarget, openLibrary, Region } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * using region = Region.create(lib, 64);
 * const call = (out: HandOverTarget) => lib.symbols.zc_region_generate_u8(4, out);
 * console.log(region.adopt("u8", call)); // Uint8Array(4) [ 0, 1, 2, 3 ]
 * ```
 */
export type HandOverTarget = BigUint64Array<ArrayBuffer>;

// u32 indexes of the out-parameter fields, from the layouts Zig generated.
const SLICE = abiLayout.structs.SliceOut;
const BATCH = abiLayout.structs.BatchOut;
/** @internal u32 index of each `SliceOut` field's low half. */
export const SliceField = {
  offset: SLICE.fields.offset / 4,
  len: SLICE.fields.len / 4,
  elementType: SLICE.fields.element_type / 4,
  slot: SLICE.fields.slot / 4,
} as const;
const BatchField = {
  capacity: BATCH.fields.capacity / 4,
  count: BATCH.fields.count / 4,
  elementType: BATCH.fields.element_type / 4,
  pairs: BATCH.size / 4,
} as const;

/** A view of a whole region as one element type, with what a handover checks. */
interface Whole {
  readonly type: ElementType;
  readonly tag: number;
  readonly bytes: number;
  /** `bytes` as a shift, and the offset bits that must be 0 for an aligned slice. */
  readonly shift: number;
  readonly mask: number;
  readonly view: AnyTypedArray;
  /** Recent slice views, by a hash of their first element: see `sliceOf`. */
  readonly recent: (AnyTypedArray | undefined)[];
  /** The first element of each view in `recent`. */
  readonly recentFirst: Float64Array;
}

const RECENT_BITS = 10;

/**
 * The view of `length` elements from `first`. Creating a TypedArray costs
 * V8 about 35 ns, twice an FFI fast call, and streams hand over the same
 * places again and again (a region reset each round, a ring's slots), so
 * the last view made at each place is kept and given again: the same memory,
 * so the same view. Bounded: one view per hash bucket.
 */
function sliceOf(whole: Whole, first: number, length: number): AnyTypedArray {
  const bucket = Math.imul(first, 0x9e3779b1) >>> (32 - RECENT_BITS);
  const recent = whole.recent[bucket];
  if (recent !== undefined && whole.recentFirst[bucket] === first && recent.length === length) return recent;
  whole.recentFirst[bucket] = first;
  return whole.recent[bucket] = whole.view.subarray(first, first + length);
}

/**
 * How a region is made.
 *
 * @example Room for batches of up to 4096 slices
 * ```ts
 * import { openLibrary, Region } from "@zerocopy/zerocopy";
 *
 * using region = Region.create(await openLibrary(), 1 << 20, { maxBatch: 4096 });
 * ```
 */
export interface RegionOptions {
  /**
   * The most slices one {@linkcode Region.prototype.adoptBatch} call can hand
   * over: the room made for their offsets and lengths. Default 1024.
   */
  maxBatch?: number;
}

/**
 * Zig-owned memory mapped into one `ArrayBuffer` once, inside which Zig
 * functions hand over many typed slices (`out: ?*zerocopy.RegionOut(T)`, or
 * many per call with `zerocopy.BatchOut(T)`). Each slice arrives as a subarray
 * of the one mapping: no mapping, detach or safety-net registration per slice,
 * so a handover costs about one FFI call however large the slice.
 *
 * Lifetime is per region: disposing it detaches every view of it at once and
 * frees the memory exactly once; a region never disposed is freed after
 * garbage collection, once neither it nor any view of it is reachable.
 * {@linkcode Region.prototype.reset} lets Zig carve from the start again:
 * views taken before it then read what is carved after it (never freed memory).
 * A slice at the same place and of the same length as a recent one comes back
 * as the same view object, since it views the same memory.
 *
 * @example Hand many slices over inside one region
 * ```ts
 * import { openLibrary, Region } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * using region = Region.create(lib, 1 << 20);
 * const halves = region.adopt("f64", (out) => lib.symbols.zc_region_generate_f64(4, out));
 * console.log(halves); // Float64Array(4) [ 0, 0.5, 1, 1.5 ]
 * ```
 */
export class Region implements Disposable {
  readonly #buffer: ZeroCopyBuffer<"u8">;
  readonly #abi: AbiFunctions;
  #memory: ArrayBuffer | null;
  // One view of the whole region per element type, so a slice is one subarray;
  // the last one used is kept apart, because most callers take one type.
  #views: Partial<Record<ElementType, Whole>> = {};
  #last: Whole | null = null;
  readonly #out: HandOverTarget;
  readonly #outHalves: Uint32Array;
  readonly #batch: HandOverTarget;
  readonly #batchHalves: Uint32Array;
  // What Zig knows the region by (its descriptor's `private`): refused once
  // the region is released, so a stale Region can never reach another's memory.
  readonly #handle: bigint;

  private constructor(buffer: ZeroCopyBuffer<"u8">, abi: AbiFunctions, maxBatch: number) {
    this.#buffer = buffer;
    this.#abi = abi;
    this.#memory = buffer.view.buffer;
    this.#handle = bufferInternals.descriptorOf(buffer)[DescriptorOffset.private / 8];
    [this.#out, this.#outHalves] = newTarget(SLICE.size / 8, this.#handle);
    // A pair of u32 per slice: one 64-bit word each.
    [this.#batch, this.#batchHalves] = newTarget(BATCH.size / 8 + maxBatch, this.#handle);
    this.#batchHalves[BatchField.capacity] = maxBatch;
  }

  /**
   * Allocates a region of `byteLength` bytes in the library's Zig allocator and
   * maps it, once.
   *
   * @typeParam S The library's own FFI symbols.
   * @param library The library whose Zig functions will hand over into the region.
   * @param byteLength The region's size in bytes, at least 1.
   * @param options The room for batches.
   * @returns The region; dispose it to free the memory.
   * @throws {ZeroCopyError} `INVALID_LENGTH` for a size or `maxBatch` that is
   * not a positive integer; `SIZE_OVERFLOW` beyond what an ArrayBuffer holds;
   * `OUT_OF_MEMORY` when Zig's allocator fails.
   *
   * @example A 1 MiB region
   * ```ts
   * import { openLibrary, Region } from "@zerocopy/zerocopy";
   *
   * using region = Region.create(await openLibrary(), 1 << 20);
   * console.log(region.byteLength); // 1048576
   * ```
   */
  static create<S extends ForeignLibraryInterface>(
    library: ZeroCopyLibrary<S>,
    byteLength: number,
    options: RegionOptions = {},
  ): Region {
    checkLibraryArguments(library, options, "Region.create");
    checkLength(checkCount(byteLength, "region size in bytes"), "u8");
    const maxBatch = checkCount(options.maxBatch ?? 1024, "maxBatch", 2 ** 26);
    const abi = library.symbols as unknown as AbiFunctions;
    const buffer = library.adopt("u8", (out) => abi.zc_region_create(BigInt(byteLength), out));
    return new Region(buffer, abi, maxBatch);
  }

  /**
   * Calls a Zig function that hands one slice over into this region
   * (`out: ?*zerocopy.RegionOut(T)`) and adopts it as a view.
   *
   * @typeParam T The element type the function hands over.
   * @param type The element type expected; another is refused.
   * @param call Calls the Zig function with `out`; returns its `Status` (0 for ok), or nothing.
   * @returns A view of the slice, a subarray of the region's one mapping.
   * @throws {ZeroCopyError} `DISPOSED` once the region is disposed; the
   * status's error (`FULL` when the region has no room left, `STALE_HANDLE`
   * once its memory was moved away and collected, ...);
   * `INVALID_ELEMENT_TYPE` when the function handed over another type.
   *
   * @example Adopt two slices of different types
   * ```ts
   * import { openLibrary, Region } from "@zerocopy/zerocopy";
   *
   * const lib = await openLibrary();
   * using region = Region.create(lib, 4096);
   * const bytes = region.adopt("u8", (out) => lib.symbols.zc_region_generate_u8(3, out));
   * const ints = region.adopt("i32", (out) => lib.symbols.zc_region_generate_i32(3, out));
   * console.log(bytes, ints); // Uint8Array(3) [ 0, 1, 2 ] Int32Array(3) [ 0, 1, 2 ]
   * ```
   */
  adopt<T extends ElementType>(type: T, call: (out: HandOverTarget) => number | void): TypedArrayOf[T] {
    // The whole per-slice cost beside the FFI call: each field read once, nothing allocated.
    const last = this.#last;
    const whole = last !== null && last.type === type ? last : this.#whole(type);
    if (typeof call !== "function") checkCallback(call, "Region.adopt", "call");
    const halves = this.#outHalves;
    halves[SliceField.elementType] = 0;
    const status = call(this.#out);
    if (status !== undefined && status !== STATUS.ok) {
      if (isThenable(status)) throw nonblockingRefused(status, this.#buffer, "Region.adopt");
      throw statusError(status, `Handing ${type} over into a region`);
    }
    if (halves[SliceField.elementType] !== whole.tag) {
      throw wrongType(type, halves[SliceField.elementType], "the Zig function");
    }
    // Below 2^32 and aligned (any region up to 4 GiB): u32 reads and a shift, no
    // 64-bit words or division. Anything else takes the general path, which refuses it.
    const offset = halves[SliceField.offset];
    const length = halves[SliceField.len];
    if ((halves[SliceField.offset + 1] | halves[SliceField.len + 1] | (offset & whole.mask)) === 0) {
      const first = offset >>> whole.shift;
      if (first + length <= whole.view.length) return sliceOf(whole, first, length) as TypedArrayOf[T];
    }
    const first = wordAt(halves, SliceField.offset) / whole.bytes;
    const end = first + wordAt(halves, SliceField.len);
    if (!(end <= whole.view.length) || !Number.isInteger(first)) {
      throw this.#movedAway() ?? outside(type, first, end - first, "the Zig function");
    }
    return sliceOf(whole, first, end - first) as TypedArrayOf[T];
  }

  /**
   * Calls a Zig function that hands many slices over into this region in one
   * call (`out: ?*zerocopy.BatchOut(T)`), and adopts each as a view: per slice, at most
   * the cost of making the view.
   *
   * @typeParam T The element type the function hands over.
   * @param type The element type expected; another is refused.
   * @param call Calls the Zig function with `out`; returns its `Status` (0 for ok), or nothing.
   * @returns A view per slice, in the order the function carved them.
   * @throws {ZeroCopyError} as {@linkcode Region.prototype.adopt}; `FULL` also
   * when the function carves more slices than `maxBatch`.
   *
   * @example Ten slices from one call
   * ```ts
   * import { openLibrary, Region } from "@zerocopy/zerocopy";
   *
   * const lib = await openLibrary();
   * using region = Region.create(lib, 1 << 16);
   * const rows = region.adoptBatch("f64", (out) => lib.symbols.zc_region_generate_batch_f64(10, 4, out));
   * console.log(rows.length, rows[2]); // 10 Float64Array(4) [ 1, 1.5, 2, 2.5 ]
   * ```
   */
  adoptBatch<T extends ElementType>(
    type: T,
    call: (out: HandOverTarget) => number | void,
  ): TypedArrayOf[T][] {
    const whole = this.#whole(type);
    checkCallback(call, "Region.adoptBatch", "call");
    const halves = this.#batchHalves;
    halves[BatchField.count] = 0;
    halves[BatchField.elementType] = 0;
    const status = call(this.#batch) ?? STATUS.ok;
    if (status !== STATUS.ok) {
      if (isThenable(status)) throw nonblockingRefused(status, this.#buffer, "Region.adoptBatch");
      throw statusError(status, `Handing a batch of ${type} over into a region`);
    }
    const count = halves[BatchField.count];
    if (count === 0) return [];
    if (halves[BatchField.elementType] !== whole.tag) {
      throw wrongType(type, halves[BatchField.elementType], "the Zig function");
    }
    if (count > halves[BatchField.capacity]) throw outside(type, 0, count, "the Zig function's batch");
    const views = new Array<TypedArrayOf[T]>(count);
    const limit = whole.view.length;
    for (let i = 0, at = BatchField.pairs; i < count; i++, at += 2) {
      const first = halves[at];
      const length = halves[at + 1];
      if (first + length > limit) throw this.#movedAway() ?? outside(type, first, length, "the Zig function");
      views[i] = sliceOf(whole, first, length) as TypedArrayOf[T];
    }
    return views;
  }

  /**
   * Lets Zig carve from the start of the region again. Views taken before
   * keep their place and read whatever is carved over them: take what you
   * need from them first.
   *
   * @throws {ZeroCopyError} `DISPOSED` once the region is disposed;
   * `STALE_HANDLE` once its memory was moved away and collected (nothing is reset).
   *
   * @example One region per round of a loop
   * ```ts
   * import { openLibrary, Region } from "@zerocopy/zerocopy";
   *
   * const lib = await openLibrary();
   * using region = Region.create(lib, 64);
   * for (let round = 0; round < 3; round++) {
   *   region.reset();
   *   const slice = region.adopt("f64", (out) => lib.symbols.zc_region_generate_f64(8, out));
   *   console.log(slice.byteOffset); // 0 each round
   * }
   * ```
   */
  reset(): void {
    this.#live();
    const status = this.#abi.zc_region_reset(this.#handle);
    if (status !== STATUS.ok) throw statusError(status, "Resetting a region");
  }

  /**
   * The region's size in bytes.
   *
   * @throws {ZeroCopyError} `DISPOSED` once the region is disposed.
   */
  get byteLength(): number {
    return this.#live().byteLength;
  }

  /** Whether the region was disposed; the one member that never throws. */
  get disposed(): boolean {
    return this.#memory === null;
  }

  /**
   * Detaches every view of the region at once (their length becomes 0) and
   * frees its memory, exactly once; calling it again does nothing.
   */
  [Symbol.dispose](): void {
    if (this.#memory === null) return;
    this.#memory = null;
    this.#views = {};
    this.#last = null;
    this.#buffer[Symbol.dispose]();
  }

  /** Shows the size, without reading a disposed region. */
  [customInspect](): string {
    return this.#memory === null
      ? "Region { disposed }"
      : `Region { byteLength: ${this.#memory.byteLength} }`;
  }

  #whole(type: ElementType): Whole {
    let whole = this.#views[type];
    if (whole === undefined) {
      checkElementType(type);
      const live = this.#live();
      // Moved away: an empty view, so that Zig is still asked (and refuses a
      // released region), and the slice it hands over is refused after.
      const memory = live.detached ? new ArrayBuffer(0) : live;
      const { bytes, tag } = ELEMENT_INFO[type];
      const view = ELEMENT_INFO[type].view(memory, 0, Math.floor(memory.byteLength / bytes));
      whole = {
        type,
        tag,
        bytes,
        shift: 31 - Math.clz32(bytes),
        mask: bytes - 1,
        view,
        recent: new Array(2 ** RECENT_BITS).fill(undefined),
        recentFirst: new Float64Array(2 ** RECENT_BITS).fill(-1),
      };
      if (!live.detached) this.#views[type] = whole;
    }
    return this.#last = whole;
  }

  /** The error for a region whose `ArrayBuffer` was moved away by the user, or null. */
  #movedAway(): ZeroCopyError | null {
    return this.#memory?.detached
      ? new ZeroCopyError(
        "MOVED",
        "Cannot adopt into a Region whose ArrayBuffer was moved away (transfer(), a transfer list): its slices are no longer viewable here; keep a region's views in place and copy what must travel",
      )
      : null;
  }

  #live(): ArrayBuffer {
    if (this.#memory === null) {
      throw new ZeroCopyError(
        "DISPOSED",
        "Cannot use a disposed Region: its views are detached and its memory freed; keep the region alive until you are done with it",
      );
    }
    return this.#memory;
  }
}
