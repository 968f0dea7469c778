/**
 * `Ring`: a fixed set of equal slots in Zig memory mapped once, for streams
 * of buffers that Zig fills and Deno reads (packets, audio chunks, frames).
 *
 * @module
 */

import { customInspect } from "../runtime/inspect.ts";
import type { ForeignLibraryInterface } from "../runtime/ffi_types.ts";
import { DescriptorOffset, STATUS } from "../abi/layout.ts";
import { statusError } from "../abi/status.ts";
import {
  checkElementType,
  checkLength,
  ELEMENT_INFO,
  type ElementType,
  type TypedArrayOf,
} from "../abi/element_types.ts";
import { ZeroCopyError } from "../errors.ts";
import type { AbiFunctions, ZeroCopyLibrary } from "../library/library.ts";
import { checkLibraryArguments } from "../library/library_arguments.ts";
import { type HandOverTarget, SliceField } from "./region.ts";
import { checkCount, newTarget, nonblockingRefused, outside, wrongType } from "./out_params.ts";
import { abiLayout } from "../abi/symbols.ts";
import { wordAt } from "../buffer/descriptor.ts";
import { checkCallback, isThenable } from "../library/callbacks.ts";
import { what } from "../buffer/gate.ts";
import { bufferInternals, type ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";

/**
 * How a ring is made.
 *
 * @example Sixteen slots of 1500 bytes
 * ```ts
 * import { openLibrary, Ring, type RingOptions } from "@zerocopy/zerocopy";
 *
 * const packets: RingOptions = { slots: 16, slotLength: 1500 };
 * using ring = Ring.create(await openLibrary(), "u8", packets);
 * ```
 */
export interface RingOptions {
  /** How many slots: how many buffers Deno can hold at once. */
  slots: number;
  /** Elements per slot: the most one handover can carry. */
  slotLength: number;
}

/**
 * A ring slot Deno holds: Zig hands it out to no one else until it is released.
 *
 * @typeParam T The ring's element type.
 *
 * @example Read a slot, then let it go with `using`
 * ```ts
 * import { openLibrary, Ring } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * using ring = Ring.create(lib, "u8", { slots: 4, slotLength: 64 });
 * {
 *   using packet = ring.next((out) => lib.symbols.zc_ring_generate_u8(9, 3, out));
 *   console.log(packet.index, packet.view); // 0 Uint8Array(3) [ 9, 10, 11 ]
 * }
 * console.log(ring.held); // 0
 * ```
 */
export interface RingSlot<T extends ElementType = ElementType> extends Disposable {
  /** The slot's index in the ring. */
  readonly index: number;
  /**
   * What Zig handed over in the slot, viewed in the ring's one mapping. An
   * array taken from here stays valid memory after release, but reads the
   * slot's next contents once Zig refills it: release only what you are done with.
   *
   * @throws {ZeroCopyError} `DISPOSED` once the slot is released or the ring disposed.
   */
  readonly view: TypedArrayOf[T];
  /** Whether the slot was released (or its ring disposed); never throws. */
  readonly released: boolean;
}

class Slot<T extends ElementType> implements RingSlot<T> {
  readonly index: number;
  #view: TypedArrayOf[T] | null;
  readonly #release: (slot: Slot<T>) => void;

  constructor(index: number, view: TypedArrayOf[T], release: (slot: Slot<T>) => void) {
    this.index = index;
    this.#view = view;
    this.#release = release;
  }

  get view(): TypedArrayOf[T] {
    if (this.#view === null) {
      throw new ZeroCopyError(
        "DISPOSED",
        `Cannot use ring slot ${this.index} after it was released: its memory may hold the next buffer already; read it before releasing`,
      );
    }
    return this.#view;
  }

  get released(): boolean {
    return this.#view === null;
  }

  /** Called by the ring alone, as it gives the slot back. */
  revoke(): void {
    this.#view = null;
  }

  [Symbol.dispose](): void {
    if (this.#view !== null) this.#release(this);
  }
}

/**
 * A fixed set of equal slots in Zig memory, mapped into one `ArrayBuffer`
 * once, for producer/consumer streams: a Zig function fills the next free
 * slot (`out: ?*zerocopy.RingOut(T)`), Deno reads it through a subarray and
 * releases it back. Each slot has a state word in Zig, changed by atomic
 * compare-and-swap, so a slot Deno holds is never handed out again until
 * released; releasing twice does nothing.
 *
 * A TypedArray taken from a released slot is not revoked: it reads the slot's
 * next contents, never freed memory. Disposing the ring detaches every view
 * at once and frees the memory exactly once; a ring never disposed is freed
 * after garbage collection, once neither it nor any view is reachable.
 *
 * @typeParam T The element type of the slots.
 *
 * @example Stream packets through four slots
 * ```ts
 * import { openLibrary, Ring } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * using ring = Ring.create(lib, "u8", { slots: 4, slotLength: 1500 });
 * for (let seq = 0; seq < 10; seq++) {
 *   using packet = ring.next((out) => lib.symbols.zc_ring_generate_u8(seq, 64, out));
 *   console.log(packet.index, packet.view[0]); // the slot, and the packet's first byte: seq
 * } // each packet's slot goes back to Zig here
 * ```
 */
export class Ring<T extends ElementType = ElementType> implements Disposable {
  readonly #buffer: ZeroCopyBuffer<"u8">;
  // What Zig knows the ring by (its descriptor's `private`): refused once the
  // ring is released, so a stale Ring can never release another's slots.
  readonly #handle: bigint;
  readonly #abi: AbiFunctions;
  readonly #type: T;
  readonly #slotLength: number;
  #memory: ArrayBuffer | null;
  #whole: TypedArrayOf[T] | null;
  // Who holds each slot: a release must come from the handle that took it.
  readonly #holders: (Slot<T> | null)[];
  // Each slot's whole-slot view, made once: a full slot costs no subarray.
  readonly #fullViews: (TypedArrayOf[T] | undefined)[];
  #held = 0;
  readonly #out: HandOverTarget;
  readonly #halves: Uint32Array;
  readonly #release = (slot: Slot<T>) => this.release(slot);

  private constructor(buffer: ZeroCopyBuffer<"u8">, abi: AbiFunctions, type: T, options: RingOptions) {
    this.#buffer = buffer;
    this.#handle = bufferInternals.descriptorOf(buffer)[DescriptorOffset.private / 8];
    this.#abi = abi;
    this.#type = type;
    this.#slotLength = options.slotLength;
    this.#memory = buffer.view.buffer;
    const bytes = ELEMENT_INFO[type].bytes;
    this.#whole = ELEMENT_INFO[type].view(
      this.#memory,
      0,
      this.#memory.byteLength / bytes,
    ) as TypedArrayOf[T];
    this.#holders = new Array(options.slots).fill(null);
    this.#fullViews = new Array(options.slots).fill(undefined);
    [this.#out, this.#halves] = newTarget(abiLayout.structs.SliceOut.size / 8, this.#handle);
  }

  /**
   * Allocates a ring of `slots` slots of `slotLength` elements in the
   * library's Zig allocator and maps it, once.
   *
   * @typeParam T The element type of the slots.
   * @typeParam S The library's own FFI symbols.
   * @param library The library whose Zig functions will fill the slots.
   * @param type The element type of the slots.
   * @param options How many slots, and elements per slot.
   * @returns The ring; dispose it to free the memory.
   * @throws {ZeroCopyError} `INVALID_ELEMENT_TYPE`; `INVALID_LENGTH` for a
   * count that is not a positive integer; `SIZE_OVERFLOW` beyond what an
   * ArrayBuffer holds; `OUT_OF_MEMORY` when Zig's allocator fails.
   *
   * @example A ring of eight 1080p RGBA frames
   * ```ts
   * import { openLibrary, Ring } from "@zerocopy/zerocopy";
   *
   * using frames = Ring.create(await openLibrary(), "u8", { slots: 8, slotLength: 1920 * 1080 * 4 });
   * console.log(frames.slots, frames.slotLength); // 8 8294400
   * ```
   */
  static create<T extends ElementType, S extends ForeignLibraryInterface>(
    library: ZeroCopyLibrary<S>,
    type: T,
    options: RingOptions,
  ): Ring<T> {
    checkLibraryArguments(library, options ?? {}, "Ring.create");
    checkElementType(type);
    const slots = checkCount(options?.slots, "slot count", 2 ** 24);
    const slotLength = checkCount(options.slotLength, "slot length");
    const slotBytes = checkLength(slotLength, type);
    // Slots start on 64-byte lines: the whole ring must fit one ArrayBuffer too.
    checkLength(slots * (slotBytes + 63), "u8");
    const abi = library.symbols as unknown as AbiFunctions;
    const buffer = library.adopt("u8", (out) => abi.zc_ring_create(slots, BigInt(slotBytes), out));
    return new Ring(buffer, abi, type, { slots, slotLength });
  }

  /**
   * Calls a Zig function that fills the next free slot and hands it over
   * (`out: ?*zerocopy.RingOut(T)`), and returns the slot, held until released.
   *
   * @param call Calls the Zig function with `out`; returns its `Status` (0 for ok), or nothing.
   * @returns The slot; release it (or dispose it, `using`) when done with it.
   * @throws {ZeroCopyError} `DISPOSED` once the ring is disposed; `FULL` when
   * every slot is held; `STALE_HANDLE` once the ring's memory was moved away
   * and collected; `INVALID_ARGUMENT` when `call` calls the function twice
   * (the second acquire is refused); the status's error otherwise;
   * `INVALID_ELEMENT_TYPE` when the function handed over another type. A slot
   * the function acquired before failing goes back to the ring.
   *
   * @example Hold two slots at once
   * ```ts
   * import { openLibrary, Ring } from "@zerocopy/zerocopy";
   *
   * const lib = await openLibrary();
   * using ring = Ring.create(lib, "u8", { slots: 2, slotLength: 64 });
   * const first = ring.next((out) => lib.symbols.zc_ring_generate_u8(1, 8, out));
   * const second = ring.next((out) => lib.symbols.zc_ring_generate_u8(2, 8, out));
   * console.log(first.index !== second.index, first.view[0], second.view[0]); // true 1 2
   * ring.release(first);
   * ring.release(second);
   * ```
   */
  next(call: (out: HandOverTarget) => number | void): RingSlot<T> {
    this.#live();
    if (typeof call !== "function") checkCallback(call, "Ring.next", "call");
    const halves = this.#halves;
    halves[SliceField.elementType] = 0;
    let status: number;
    try {
      status = call(this.#out) ?? STATUS.ok;
    } catch (error) {
      this.#giveBackAcquired();
      throw error;
    }
    if (status !== STATUS.ok) {
      if (isThenable(status)) {
        // Zig fills the slot it acquires on another thread: give it back once it returned.
        const giveBack = () => this.#giveBackAcquired();
        status.then(giveBack, giveBack);
        throw nonblockingRefused(status, this.#buffer, "Ring.next");
      }
      this.#giveBackAcquired();
      throw statusError(status, `Filling a ring slot of ${this.#type}`);
    }
    const tag = halves[SliceField.elementType];
    if (tag !== ELEMENT_INFO[this.#type].tag) {
      this.#giveBackAcquired();
      throw wrongType(this.#type, tag, "the Zig function");
    }
    return this.#hold(wordAt(halves, SliceField.len));
  }

  /**
   * Takes the next free slot, whole, for Deno to fill: to read a socket or a
   * file straight into Zig memory, then hand the slot to a Zig function.
   *
   * @returns The slot; release it (or dispose it, `using`) when done with it.
   * @throws {ZeroCopyError} `DISPOSED` once the ring is disposed; `FULL` when every slot is held.
   *
   * @example Fill a slot in Deno
   * ```ts
   * import { openLibrary, Ring } from "@zerocopy/zerocopy";
   *
   * using ring = Ring.create(await openLibrary(), "u8", { slots: 2, slotLength: 16 });
   * using slot = ring.acquire();
   * slot.view.set([1, 2, 3]);
   * console.log(slot.view.length); // 16
   * ```
   */
  acquire(): RingSlot<T> {
    this.#live();
    this.#halves[SliceField.elementType] = 0; // Zig acquires into an empty out-parameter only
    const status = this.#abi.zc_ring_acquire(this.#out);
    if (status !== STATUS.ok) throw statusError(status, "Acquiring a ring slot");
    return this.#hold(this.#slotLength);
  }

  /**
   * Gives a slot back to Zig, which may refill it from then on. Releasing a
   * slot again, or after the ring was disposed, does nothing.
   *
   * @param slot A slot this ring handed out.
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` for a slot of another ring;
   * `STALE_HANDLE` once the ring's memory was moved away and collected.
   *
   * @example Release once; again is harmless
   * ```ts
   * import { openLibrary, Ring } from "@zerocopy/zerocopy";
   *
   * const lib = await openLibrary();
   * using ring = Ring.create(lib, "f64", { slots: 1, slotLength: 4 });
   * const slot = ring.next((out) => lib.symbols.zc_ring_generate_f64(4, out));
   * ring.release(slot);
   * ring.release(slot); // does nothing
   * console.log(slot.released, ring.held); // true 0
   * ```
   */
  release(slot: RingSlot<T>): void {
    if (typeof slot !== "object" || slot === null) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Ring.release takes a slot ring.next() handed out, not ${what(slot)}`,
      );
    }
    if (this.#memory === null || slot.released) return;
    const index = slot.index;
    if (this.#holders[index] !== slot) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Cannot release slot ${index}: this ring did not hand it out; release a slot through the ring that gave it`,
      );
    }
    this.#holders[index] = null;
    this.#held--;
    (slot as Slot<T>).revoke();
    const status = this.#abi.zc_ring_release(this.#handle, index);
    if (status !== STATUS.ok) throw statusError(status, `Releasing ring slot ${index}`);
  }

  /** The number of slots. */
  get slots(): number {
    return this.#holders.length;
  }

  /** Elements per slot. */
  get slotLength(): number {
    return this.#slotLength;
  }

  /** Slots Deno holds now: handed out and not yet released. */
  get held(): number {
    return this.#held;
  }

  /** The element type of the slots. */
  get type(): T {
    return this.#type;
  }

  /** Whether the ring was disposed; never throws. */
  get disposed(): boolean {
    return this.#memory === null;
  }

  /**
   * Detaches every view of the ring at once, revokes every slot still held,
   * and frees the memory exactly once; calling it again does nothing.
   */
  [Symbol.dispose](): void {
    if (this.#memory === null) return;
    this.#memory = null;
    this.#whole = null;
    for (const slot of this.#holders) slot?.revoke();
    this.#holders.fill(null);
    this.#fullViews.fill(undefined);
    this.#held = 0;
    this.#buffer[Symbol.dispose]();
  }

  /** Shows the slots and how many are held, without reading a disposed ring. */
  [customInspect](): string {
    return this.#memory === null
      ? `Ring<${this.#type}> { disposed }`
      : `Ring<${this.#type}> { slots: ${this.slots}, slotLength: ${this.#slotLength}, held: ${this.#held} }`;
  }

  /** Wraps the slot Zig just marked held, `length` elements long, in a handle. */
  #hold(length: number): RingSlot<T> {
    const halves = this.#halves;
    const index = halves[SliceField.slot];
    const bytes = ELEMENT_INFO[this.#type].bytes;
    const offset = wordAt(halves, SliceField.offset);
    const first = offset / bytes;
    const whole = this.#whole!;
    if (
      index >= this.#holders.length || this.#holders[index] !== null || offset % bytes !== 0 ||
      length > this.#slotLength || first + length > whole.length
    ) {
      // A slot Deno holds stays held; any other goes back before the error.
      if (index < this.#holders.length && this.#holders[index] === null) this.#giveBackAcquired();
      if (this.#memory?.detached) {
        throw new ZeroCopyError(
          "MOVED",
          `Cannot hold a slot of a Ring<${this.#type}> whose ArrayBuffer was moved away (transfer(), a transfer list): its slots are no longer viewable here; keep a ring's views in place and copy what must travel`,
        );
      }
      throw outside(this.#type, first, length, `the Zig function (slot ${index})`);
    }
    let view: TypedArrayOf[T];
    if (length === this.#slotLength) {
      view = this.#fullViews[index] ??= whole.subarray(first, first + length) as TypedArrayOf[T];
    } else {
      view = whole.subarray(first, first + length) as TypedArrayOf[T];
    }
    const slot = new Slot<T>(index, view, this.#release);
    this.#holders[index] = slot;
    this.#held++;
    return slot;
  }

  /** Returns a slot the Zig function acquired before it failed, so it is not lost. */
  #giveBackAcquired(): void {
    if (this.#halves[SliceField.elementType] === 0) return;
    this.#abi.zc_ring_release(this.#handle, this.#halves[SliceField.slot]);
  }

  #live(): void {
    if (this.#memory === null) {
      throw new ZeroCopyError(
        "DISPOSED",
        `Cannot use a disposed Ring<${this.#type}>: its views are detached and its memory freed; keep the ring alive until you are done with it`,
      );
    }
  }
}
