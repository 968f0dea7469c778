/**
 * What regions and rings share about their out-parameters: making one, and
 * the refusals of a count or of what Zig wrote into one.
 *
 * @module
 */

import { type ElementType, elementTypeOfTag } from "../abi/element_types.ts";
import { ZeroCopyError } from "../errors.ts";
import type { ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";

/** @internal An out-parameter whose `owner` names `owner`, and its 32-bit halves. */
export function newTarget(words: number, owner: bigint): [BigUint64Array<ArrayBuffer>, Uint32Array] {
  const target = new BigUint64Array(words);
  target[0] = owner; // `owner` is the first field of both layouts
  return [target, new Uint32Array(target.buffer)];
}

/** @internal Refuses a count that is not an integer from 1 to `max` (any size when absent). */
export function checkCount(value: unknown, what: string, max?: number): number {
  if (
    typeof value !== "number" || !Number.isInteger(value) || value < 1 || (max !== undefined && value > max)
  ) {
    throw new ZeroCopyError(
      "INVALID_LENGTH",
      `Invalid ${what} ${
        typeof value === "number" ? value : JSON.stringify(String(value))
      }: pass an integer from 1${max === undefined ? " up" : ` to ${max}`}`,
    );
  }
  return value;
}

/** @internal The error for an out-parameter Zig filled with another element type than expected. */
export function wrongType(expected: ElementType, tag: number, what: string): ZeroCopyError {
  const actual = elementTypeOfTag(tag);
  return tag === 0
    ? new ZeroCopyError(
      "INVALID_ARGUMENT",
      `${what} returned ok but handed nothing over: the Zig function must carve or acquire before returning ok`,
    )
    : new ZeroCopyError(
      "INVALID_ELEMENT_TYPE",
      `Expected ${expected} but ${what} handed over ${
        actual ?? `unknown tag ${tag}`
      }: fix the element type the Zig function or its caller declares`,
    );
}

/** @internal The error for a slice that does not lie inside the mapped memory. */
export function outside(type: ElementType, first: number, length: number, what: string): ZeroCopyError {
  return new ZeroCopyError(
    "INVALID_POINTER",
    `${what} handed over ${length} ${type} at element ${first}, outside the mapped memory: fix the Zig function`,
  );
}

/**
 * The error for a nonblocking symbol's Promise where a region or ring takes a
 * synchronous call. Zig may still be carving from `memory` and writing into
 * it, so the memory stays pinned (a dispose meanwhile waits) until the call settles.
 */
export function nonblockingRefused(
  status: PromiseLike<unknown>,
  memory: ZeroCopyBuffer,
  what: string,
): ZeroCopyError {
  const pin = memory.pin();
  const letGo = () => pin[Symbol.dispose]();
  status.then(letGo, letGo);
  return new ZeroCopyError(
    "INVALID_ARGUMENT",
    `${what} takes a synchronous call, and this one returned a Promise (a nonblocking symbol): declare the symbol without nonblocking`,
  );
}
