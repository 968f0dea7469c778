/**
 * The gate for memory lent to a nonblocking call. Zig reads it on another
 * thread while JavaScript runs on, and JavaScript can free an `ArrayBuffer`'s
 * memory at any moment by moving it (`transfer(n)`, a transfer list) or
 * resizing it. So a nonblocking call reads only memory nobody can free before
 * it settles:
 *
 * - the memory of a ZeroCopyBuffer the caller names (an `ArrowBatch`'s, for
 *   its columns): the buffer is pinned, so disposing or moving it meanwhile
 *   frees nothing until the call settles;
 * - a `SharedArrayBuffer` (not growable) passed as an argument: it can be
 *   neither detached nor moved, and is kept referenced;
 * - anything else (a plain `ArrayBuffer`) is lent through a shadow: a
 *   `SharedArrayBuffer` copy made before the call and copied back after it,
 *   unless the original was moved meanwhile, which rejects the call.
 *
 * Deno keeps the memory of a nonblocking call's arguments until the call
 * returns, even when the isolate dies first (a worker terminated meanwhile),
 * but not memory the call reaches through pointers inside an argument (an
 * Arrow batch's structs). For those, pass the frame the structs live in: the
 * owner's memory is then held through the frame, and everything else, shared
 * memory included, is shadowed into the frame itself (call_frame.ts).
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { bufferInternals, what as describeValue } from "./gate.ts";
import { checkLentMemory } from "./gate_memory.ts";
import { bytesOf, memoryOf } from "./_memory_of.ts";
import type { BufferPin, ZeroCopyBuffer } from "./zero_copy_buffer.ts";
import type { CallFrame } from "./call_frame.ts";
import type { Mapping } from "./mapping.ts";

type ViewConstructor = new (buffer: SharedArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;

// The built-in constructors: a shadow is never made by a subclass's own constructor.
const VIEW_TYPES: readonly ViewConstructor[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

/** What a nonblocking call reads instead of the views it was given, until it settles. */
export interface HeldViews {
  /** The views to pass to the native call, in the order given: the originals, their shadows, or null. */
  readonly views: readonly (ArrayBufferView | null)[];
  /**
   * Ends the hold once the native call returned: unpins and, when `copyBack`
   * (the call returned), copies shadows back, throwing `DETACHED` if an
   * original was moved or resized during the call. Runs once.
   */
  release(what: string, copyBack: boolean): void;
}

/** Where the views of a call that reaches them through structs go (see the module doc). */
export interface IndirectHold {
  /** The mapping whose frame the structs live in: only its buffers can be held through it. */
  readonly mapping: Mapping;
  /**
   * Opens that frame with room for `shadowBytes` bytes of shadows, returned
   * 16-byte aligned; called once, before anything is pinned.
   */
  open(shadowBytes: number): { frame: CallFrame; shadows: Uint8Array };
}

/**
 * Holds `views` for a nonblocking call (see the module doc): pins `owner`
 * once for the views of its memory, shadows other plain memory (and, with
 * `indirect`, shared memory and an owner of another library). A refusal
 * leaves nothing held.
 *
 * @throws {ZeroCopyError} `DETACHED` for memory already gone, `INVALID_ARGUMENT`
 * for resizable memory or anything but a view; what a pin throws for a buffer
 * that is gone.
 */
export function holdForNonblocking(
  views: readonly unknown[],
  what: string,
  owner?: ZeroCopyBuffer | readonly ZeroCopyBuffer[],
  indirect?: IndirectHold,
): HeldViews {
  const pins: BufferPin[] = [];
  // Each owner's memory, when it can be held for this call: a batch read from a stream has one per buffer.
  const ownMemory = new Map<ArrayBufferLike, ZeroCopyBuffer>();
  for (const one of owner === undefined ? [] : Array.isArray(owner) ? owner : [owner as ZeroCopyBuffer]) {
    if (indirect === undefined || bufferInternals.ownerOf(one).mapping === indirect.mapping) {
      ownMemory.set(bytesOf(one.view).buffer, one);
    }
  }
  const held: (ArrayBufferView | null)[] = [];
  const toShadow: number[] = [];
  const toPin = new Set<ZeroCopyBuffer>();
  for (const given of views) {
    // A null pointer, for an optional pointer parameter.
    if (given === null) {
      held.push(null);
      continue;
    }
    const memory = memoryOf(given);
    if (memory === undefined) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `${what}: a nonblocking call lends TypedArrays, DataViews and ArrayBuffers, not ${
          describeValue(given)
        }`,
      );
    }
    // A whole ArrayBuffer is lent as its bytes.
    const view = memory.view ? given as ArrayBufferView : new Uint8Array(given as ArrayBuffer);
    checkLentMemory(view, `to ${what}: `, true);
    const ownedBy = ownMemory.get(bytesOf(view).buffer);
    if (ownedBy !== undefined) {
      toPin.add(ownedBy);
    } else if (!memory.shared || indirect !== undefined) {
      toShadow.push(held.length);
    }
    held.push(view);
  }
  const lengths = toShadow.map((i) => memoryOf(held[i])!.byteLength);
  const room = indirect?.open(lengths.reduce((sum, n) => sum + align16(n), 0));
  // Reached through structs, the owner's memory is held through their frame; passed as an
  // argument, through a frame of the pin's own: a Node-API nonblocking call keeps the
  // view object, not its memory, which moving the ArrayBuffer away frees at once.
  try {
    for (const one of toPin) pins.push(bufferInternals.pin(one, room?.frame));
  } catch (error) {
    for (const pin of pins) pin[Symbol.dispose]();
    throw error;
  }
  const shadows = placeShadows(held, toShadow, lengths, room?.shadows);
  let released = false;
  return {
    views: held,
    release(what: string, copyBack: boolean): void {
      if (released) return;
      released = true;
      for (const pin of pins) pin[Symbol.dispose]();
      if (!copyBack) return;
      for (const { original, shadow } of shadows) {
        const now = memoryOf(original);
        if (now === undefined || now.detached || now.byteLength !== shadow.byteLength) {
          throw new ZeroCopyError(
            "DETACHED",
            `${what}: a lent ${original.constructor.name}'s ArrayBuffer was moved or resized during the call, so what Zig wrote to it was not copied back; do not transfer or resize what a pending call uses`,
          );
        }
        bytesOf(original).set(shadow);
      }
    },
  };
}

/** Replaces each view at `indexes` in `held` by its shadow: a SharedArrayBuffer of its own, or a part of `room`. */
function placeShadows(
  held: (ArrayBufferView | null)[],
  indexes: readonly number[],
  lengths: readonly number[],
  room: Uint8Array | undefined,
): { original: ArrayBufferView; shadow: Uint8Array }[] {
  let at = 0;
  return indexes.map((i, k) => {
    const original = held[i]!;
    const byteLength = lengths[k];
    const memory = room === undefined
      ? new Uint8Array(new SharedArrayBuffer(byteLength))
      : room.subarray(at, at + byteLength);
    at += align16(byteLength);
    memory.set(bytesOf(original).subarray(0, byteLength));
    held[i] = viewLike(original, memory);
    return { original, shadow: memory };
  });
}

function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}

/**
 * A view of `memory` of `view`'s type and of the `byteLength` the engine keeps
 * (a subclass's getters could claim more), made by a built-in constructor.
 */
function viewLike(view: ArrayBufferView, memory: Uint8Array): ArrayBufferView {
  const { buffer, byteOffset, byteLength } = memory;
  const constructor = VIEW_TYPES.find((type) => view instanceof type);
  if (constructor === undefined) {
    return view instanceof DataView ? new DataView(buffer, byteOffset, byteLength) : memory;
  }
  const perElement = (constructor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return new constructor(buffer as SharedArrayBuffer, byteOffset, byteLength / perElement);
}
