/**
 * The gate between JavaScript objects and native pointers. Every conversion of
 * a JavaScript object into something a native call reads (a buffer's
 * descriptor, a pin's, a lent array) passes here, and passes only once it is
 * proved that the memory behind it is still owned by that object: a buffer's
 * `ArrayBuffer` not detached (moved away by `transfer()`, a transfer list, a
 * worker), a pin still held, a lent array of the element type the Zig function
 * reads. Nothing is trusted because it was live a moment ago.
 *
 * @module
 */

import {
  type Descriptor,
  DESCRIPTOR_WORDS,
  type KeptWords,
  newDescriptor,
  RELEASE_WORD,
} from "./descriptor.ts";
import { DESCRIPTOR_BYTES } from "../abi/layout.ts";
import type { ElementType } from "../abi/element_types.ts";
import { ZeroCopyError } from "../errors.ts";
import type { Mapping } from "./mapping.ts";
import type { CallFrame } from "./call_frame.ts";
import type { Releaser } from "./safety_net.ts";

/**
 * Where a buffer is in its life. Only `live` can be read:
 *
 * - `live`: its views read and write the memory.
 * - `draining`: disposed while a nonblocking call pinned it: views detached,
 *   the memory freed when the last pin goes.
 * - `disposed`: views detached and the memory freed.
 * - `consumed`: given back to Zig or transferred to a worker, which owns the memory now.
 * - `moved`: its `ArrayBuffer` was detached or moved away by someone else
 *   (`transfer()`, `transferToFixedLength()`, a transfer list, a worker): the
 *   memory belongs to whoever holds that `ArrayBuffer` now (under the
 *   pointer-view mapping it is left allocated, counted in `abandonedBuffers`),
 *   and every use throws `MOVED`.
 *
 * @example Read a buffer's state
 * ```ts
 * import { type BufferState, openDemo } from "@zerocopy/zerocopy";
 *
 * const demo = await openDemo();
 * const buffer = demo.generate("u8", 16);
 * const before: BufferState = buffer.state;
 * buffer[Symbol.dispose]();
 * console.log(before, buffer.state); // "live" "disposed"
 * ```
 */
export type BufferState = "live" | "draining" | "disposed" | "consumed" | "moved";

/** The library a buffer goes back to: it frees the memory and is named in transfers. */
export interface BufferOwner extends Releaser {
  /** The path the library was opened from. */
  readonly path: string;
  /** How the library maps memory, which decides who frees it. */
  readonly mapping: Mapping;
  /** Hands a descriptor to the library to keep for another worker; returns the handle that claims it back. */
  park(descriptor: Descriptor): bigint;
}

/**
 * A ZeroCopyBuffer as the gate sees it: opened only through `bufferInternals`,
 * which the class fills. Naming the class here would make the buffer and the
 * gate import each other.
 */
export interface GatedBuffer<T extends ElementType = ElementType> {
  /** Its element type. */
  readonly type: T;
}

/** What the library, the demo, regions and rings need of a buffer beyond its public face. */
export interface BufferInternals {
  /**
   * Wraps memory a library handed over and mapped; the buffer frees it through
   * `owner`. Its descriptor is `words`, or kept in the slab `words` at byte offset `at`.
   */
  create<T extends ElementType>(
    words: KeptWords,
    owner: BufferOwner,
    type: T,
    memory: ArrayBuffer,
    at?: number,
  ): GatedBuffer<T>;
  /** Whether `value` is a ZeroCopyBuffer (a forged object has none of its private fields). */
  isBuffer(value: unknown): value is GatedBuffer;
  /**
   * The descriptor of a live buffer whose memory is still its own, for native
   * calls that read it; throws `MOVED`, `DISPOSED` or `CONSUMED` otherwise.
   */
  descriptorOf(buffer: GatedBuffer): Descriptor;
  /** The library the buffer goes back to. */
  ownerOf(buffer: GatedBuffer): BufferOwner;
  /** Whether the memory a pin of `buffer` holds still belongs to it (not moved away). */
  intact(buffer: GatedBuffer): boolean;
  /** Ends the buffer's ownership without freeing; the caller passes the descriptor on. */
  consume(buffer: GatedBuffer, purpose: string): Descriptor;
  /** `buffer.pin()`, holding its memory through `frame` instead (see {@linkcode makePin}). */
  pin(buffer: GatedBuffer, frame: CallFrame | undefined): BufferPin;
}

/** Filled by ZeroCopyBuffer's static block: the only code that may reach its private fields. */
export const bufferInternals = {} as BufferInternals;

/**
 * Whether `memory` is still the memory a buffer mapped. The private field that
 * holds it cannot be swapped, and an external `ArrayBuffer` is never
 * resizable, so its length changes only by being detached: by zerocopy, or by
 * anyone who moved it (after which V8 may free the memory, or hand it to
 * another owner).
 */
export function stillOwned(memory: ArrayBuffer): boolean {
  return !memory.detached;
}

/** The error for any use of a buffer whose `ArrayBuffer` was moved away behind zerocopy's back. */
export function movedError(type: ElementType, purpose = "use"): ZeroCopyError {
  return new ZeroCopyError(
    "MOVED",
    `Cannot ${purpose} a ZeroCopyBuffer<${type}> whose ArrayBuffer was moved away (transfer(), transferToFixedLength(), a transfer list, a worker): its memory belongs to whoever holds that ArrayBuffer now; move buffers with buffer.transfer() instead`,
  );
}

/** The error for any use of a buffer that is no longer `live`. */
export function goneError(state: BufferState, type: ElementType, purpose = "use"): ZeroCopyError {
  if (state === "moved") return movedError(type, purpose);
  return state === "consumed"
    ? new ZeroCopyError(
      "CONSUMED",
      `Cannot ${purpose} a ZeroCopyBuffer<${type}> that was given back or transferred: its memory belongs to its new owner`,
    )
    : new ZeroCopyError(
      "DISPOSED",
      `Cannot ${purpose} a disposed ZeroCopyBuffer<${type}>: keep the buffer alive until you are done with it`,
    );
}

/**
 * A copy of `descriptor` that describes the same memory but owns none of it
 * (no release): a native call may read it, and a Zig function that claims it
 * takes nothing, so no call can free a buffer's memory behind its back.
 */
export function borrowed(descriptor: Descriptor): Descriptor {
  const copy = newDescriptor();
  copy.set(descriptor);
  copy[RELEASE_WORD] = 0n;
  return copy;
}

/**
 * The descriptor to pass to a Zig function that reads one (`*const
 * zerocopy.Descriptor`): a fresh copy that owns nothing (so the function may
 * read the memory but cannot free it), made from the words zerocopy keeps for
 * a ZeroCopyBuffer or a pin, never from words the caller could have written.
 * A descriptor a pin handed out is taken as that pin; any other descriptor is
 * refused, since nothing can tell what memory its words describe. A buffer or
 * pin whose memory is no longer its own is refused before the call.
 * Generated bindings call it for every descriptor parameter.
 *
 * @param value A ZeroCopyBuffer, a BufferPin or the descriptor of one.
 * @param call The function called, for the message.
 * @param name The parameter's name, for the message.
 * @returns The descriptor to pass as the `"buffer"` parameter.
 * @throws {ZeroCopyError} `MOVED` for a buffer whose `ArrayBuffer` was moved
 * away, `DISPOSED` or `CONSUMED` for one that is gone or a disposed pin;
 * `INVALID_ARGUMENT` for anything else, a descriptor made by hand included.
 *
 * @example Hash a buffer in Zig
 * ```ts
 * import { openDemo, passDescriptor } from "@zerocopy/zerocopy";
 *
 * const demo = await openDemo();
 * using bytes = demo.generate("u8", 16);
 * console.log(demo.library.symbols.zc_checksum(passDescriptor(bytes, "zc_checksum", "descriptor")));
 * ```
 */
export function passDescriptor(value: unknown, call: string, name: string): Descriptor {
  if (bufferInternals.isBuffer(value)) return borrowed(bufferInternals.descriptorOf(value));
  // A pin, or the descriptor it handed out: by identity, never by what its words say now.
  const record = typeof value === "object" && value !== null
    ? pinOf(value) ?? pins.get(value as Descriptor)
    : undefined;
  if (record !== undefined) {
    checkPin(record);
    return record.words.slice() as Descriptor;
  }
  throw new ZeroCopyError(
    "INVALID_ARGUMENT",
    `Argument "${name}" of ${call} is ${what(value)}, not a ZeroCopyBuffer or a BufferPin${
      value instanceof BigUint64Array && value.length === DESCRIPTOR_WORDS
        ? " (a descriptor made by hand cannot be checked: pass the buffer, or its pin)"
        : ""
    }`,
  );
}

/**
 * Keeps a buffer's memory allocated while a native call uses it; dispose it when the call settles.
 *
 * @example Keep a buffer's memory through a call
 * ```ts
 * import { type BufferPin, openDemo } from "@zerocopy/zerocopy";
 *
 * const demo = await openDemo();
 * using buffer = demo.generate("f64", 4);
 * const pin: BufferPin = buffer.pin();
 * try {
 *   // pass pin.descriptor to a nonblocking call here; a dispose meanwhile waits for the pin
 *   buffer[Symbol.dispose]();
 *   console.log(buffer.state); // "draining"
 * } finally {
 *   pin[Symbol.dispose]();
 * }
 * console.log(buffer.state); // "disposed"
 * ```
 */
export interface BufferPin extends Disposable {
  /**
   * The descriptor to pass to the native call: it describes the memory and owns
   * none of it.
   *
   * @throws {ZeroCopyError} `DISPOSED` once the pin is disposed; `MOVED` once
   * the buffer's `ArrayBuffer` was moved away.
   */
  readonly descriptor: Descriptor;
}

interface PinRecord {
  held: boolean;
  readonly buffer: GatedBuffer;
  readonly type: ElementType;
  /** The borrowed words as made, which no caller can reach or write. */
  readonly words: Descriptor;
}

// By the pin's descriptor, so a descriptor read from a pin is recognized when
// it is passed back; each entry also keeps the buffer (and with it its own
// descriptor, which the draining net watches) reachable while the pin's is.
const pins = new WeakMap<Descriptor, PinRecord>();

// A pin of its own dropped undisposed still holds its address under the
// Node-API mapping: give the hold back once its descriptor is garbage, as no
// call can read it then.
const holdNet = new FinalizationRegistry<CallFrame>((frame) => frame.close());

function checkPin(pin: PinRecord): void {
  if (!pin.held) {
    throw new ZeroCopyError(
      "DISPOSED",
      `Cannot use the descriptor of a disposed pin of a ZeroCopyBuffer<${pin.type}>: take a new pin for each call`,
    );
  }
  if (!bufferInternals.intact(pin.buffer)) throw movedError(pin.type, "pass");
}

// By the pin itself, so a pin passed where a descriptor goes is recognized.
const pinRecords = new WeakMap<object, PinRecord>();

function pinOf(value: object): PinRecord | undefined {
  return pinRecords.get(value);
}

/**
 * Makes a pin over a live buffer's memory: it holds the memory (under the
 * Node-API mapping, in Zig, so that even a user who moves the `ArrayBuffer`
 * away and drops it cannot free it during the call) and hands out a borrowed
 * descriptor. `unpinned` runs once, when the pin is disposed. A pin of its
 * own passes a descriptor in a frame of its own: a nonblocking call it is
 * passed to keeps the frame, and so the hold, until the call returns, even
 * when the isolate dies first (call_frame.ts). With a `frame` the call's frame
 * holds the memory instead. Something native always holds it: a Node-API
 * nonblocking call keeps the objects it is passed, not their memory.
 */
export function makePin(
  buffer: GatedBuffer,
  type: ElementType,
  descriptor: Descriptor,
  mapping: Mapping,
  unpinned: () => void,
  frame?: CallFrame,
): BufferPin {
  const words = borrowed(descriptor);
  const ownFrame = frame === undefined ? mapping.openFrame(DESCRIPTOR_BYTES) : undefined;
  // What the caller sees: written back from `words` at each reading, so what
  // a caller wrote into it never reaches Zig through the pin.
  const own = ownFrame === undefined
    ? words.slice() as Descriptor
    : new BigUint64Array(ownFrame.bytes.buffer, 0, DESCRIPTOR_WORDS) as Descriptor;
  const record: PinRecord = { held: true, buffer, type, words };
  try {
    (frame ?? ownFrame)?.hold(words);
  } catch (error) {
    ownFrame?.close();
    throw error;
  }
  if (ownFrame !== undefined) holdNet.register(own, ownFrame, record);
  pins.set(own, record);
  const pin: BufferPin = Object.freeze({
    get descriptor(): Descriptor {
      checkPin(record);
      if (own.length === 0) {
        throw new ZeroCopyError(
          "DETACHED",
          `The descriptor of this pin of a ZeroCopyBuffer<${type}> was moved away (its ArrayBuffer transferred): take a new pin`,
        );
      }
      own.set(words);
      return own;
    },
    [Symbol.dispose]: () => {
      if (!record.held) return;
      record.held = false;
      if (ownFrame !== undefined) {
        holdNet.unregister(record);
        ownFrame.close();
      }
      unpinned();
    },
  });
  pinRecords.set(pin, record);
  return pin;
}

/** A short description of an argument for an error message. */
export function what(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an Array";
  if (typeof value === "object" || typeof value === "function") {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "Object" ? `a ${name}` : `an ${typeof value}`;
  }
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}
