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
 * - a `SharedArrayBuffer` (not growable): it can be neither detached nor moved,
 *   and is kept referenced;
 * - anything else (a plain `ArrayBuffer`) is lent through a shadow: a
 *   `SharedArrayBuffer` copy made before the call and copied back after it,
 *   unless the original was moved meanwhile, which rejects the call.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { what as describeValue } from "./gate.ts";
import { checkLentMemory } from "./gate_memory.ts";
import { bytesOf, memoryOf } from "./_memory_of.ts";
import type { BufferPin, ZeroCopyBuffer } from "./zero_copy_buffer.ts";

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

/**
 * Holds `views` for a nonblocking call (see the module doc): pins `owner`
 * once for the views of its memory, shadows other plain memory. A refusal
 * leaves nothing held.
 *
 * @throws {ZeroCopyError} `DETACHED` for memory already gone, `INVALID_ARGUMENT`
 * for resizable memory or anything but a view; what a pin throws for a buffer
 * that is gone.
 */
export function holdForNonblocking(
  views: readonly unknown[],
  what: string,
  owner?: ZeroCopyBuffer,
): HeldViews {
  const pins: BufferPin[] = [];
  const ownMemory = owner === undefined ? undefined : bytesOf(owner.view).buffer;
  const held: (ArrayBufferView | null)[] = [];
  const shadows: { original: ArrayBufferView; shadow: Uint8Array }[] = [];
  try {
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
      if (ownMemory !== undefined && bytesOf(view).buffer === ownMemory) {
        if (pins.length === 0) pins.push(owner!.pin());
        held.push(view);
      } else if (memory.shared) {
        held.push(view);
      } else {
        const shadow = shadowOf(view, memory.byteLength);
        shadows.push({ original: view, shadow: bytesOf(shadow) });
        held.push(shadow);
      }
    }
  } catch (error) {
    for (const pin of pins) pin[Symbol.dispose]();
    throw error;
  }
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

/**
 * A copy of `view` over a SharedArrayBuffer of its own, of the same type and
 * of the `byteLength` the engine keeps (a subclass's getters could claim more).
 */
function shadowOf(view: ArrayBufferView, byteLength: number): ArrayBufferView {
  const memory = new SharedArrayBuffer(byteLength);
  new Uint8Array(memory).set(bytesOf(view).subarray(0, byteLength));
  const constructor = VIEW_TYPES.find((type) => view instanceof type);
  if (constructor === undefined) {
    return view instanceof DataView ? new DataView(memory) : new Uint8Array(memory);
  }
  const perElement = (constructor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return new constructor(memory, 0, byteLength / perElement);
}
