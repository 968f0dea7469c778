/**
 * Moving ownership of a buffer to another worker: the descriptor travels in a
 * `SharedArrayBuffer`, so every copy of the message is one claim, and exactly
 * one receiver wins it.
 *
 * @module
 */

import { type Descriptor, DESCRIPTOR_WORDS, newDescriptor, RELEASE_WORD } from "./descriptor.ts";
import { ZeroCopyError } from "./errors.ts";

/**
 * A buffer on its way to another worker: post it with `postMessage` and turn
 * it back into a buffer with `ZeroCopyLibrary.receive()`. Its descriptor lives
 * in a SharedArrayBuffer, so every copy of the message shares it and exactly
 * one `receive()` can claim the memory, however many workers it reaches.
 */
export interface TransferredBuffer {
  /** Path of the library that handed the memory over: the receiver must open the same one. */
  readonly path: string;
  /** The descriptor's words, shared by every copy of the message; the first receiver claims them. */
  readonly descriptor: BigUint64Array<SharedArrayBuffer>;
}

/** Packs a descriptor whose owner let go of it into a message for `postMessage`. */
export function pack(descriptor: Descriptor, path: string): TransferredBuffer {
  // A copy of its own, because posting a slab's view would clone the whole slab.
  const shared = new BigUint64Array(new SharedArrayBuffer(DESCRIPTOR_WORDS * 8));
  shared.set(descriptor);
  return { path, descriptor: shared };
}

/** Checks that `value` is what `pack` made, before anything is claimed. */
export function checkTransferred(value: unknown): asserts value is TransferredBuffer {
  const transferred = value as Partial<TransferredBuffer> | null | undefined;
  const words = transferred?.descriptor;
  if (
    !(words instanceof BigUint64Array) || !(words.buffer instanceof SharedArrayBuffer) ||
    words.length !== DESCRIPTOR_WORDS || typeof transferred?.path !== "string"
  ) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      "Cannot receive a value that ZeroCopyBuffer.transfer() did not produce: post the transfer() result unchanged",
    );
  }
}

/**
 * Claims the memory: only the receiver that swaps the release function out of
 * the shared words owns it, even if the message reached several workers.
 */
export function claim(transferred: TransferredBuffer): Descriptor {
  const words = transferred.descriptor;
  const descriptor = newDescriptor();
  descriptor.set(words);
  const release = descriptor[RELEASE_WORD];
  if (release === 0n || Atomics.compareExchange(words, RELEASE_WORD, release, 0n) !== release) {
    descriptor.fill(0n);
    throw new ZeroCopyError(
      "CONSUMED",
      "Cannot receive a transferred buffer twice: another receive() already owns its memory",
    );
  }
  return descriptor;
}
