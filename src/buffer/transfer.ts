/**
 * Moving ownership of a buffer to another worker. Under the Node-API mapping
 * the message carries the memory itself, an `ArrayBuffer` whose finalizer
 * frees it, moved by the transfer list: a message never received frees its
 * memory when it dies. Under the pointer-view mapping only the descriptor
 * travels, in a `SharedArrayBuffer`, so every copy of the message is one claim
 * and exactly one receiver wins it.
 *
 * @module
 */

import { type Descriptor, DESCRIPTOR_WORDS, newDescriptor, RELEASE_WORD } from "./descriptor.ts";
import { ZeroCopyError } from "../errors.ts";

/**
 * A buffer on its way to another worker: post it with its transfer list,
 * `worker.postMessage(transferred, transferred.transferList)`, and turn it back
 * into a buffer with `ZeroCopyLibrary.receive()`.
 *
 * @example Send a buffer to a worker, which receives it
 * ```ts ignore
 * const transferred = lib.adopt("f32", (out) => lib.symbols.zc_generate_f32(1024n, out)).transfer();
 * worker.postMessage(transferred, transferred.transferList);
 * // in the worker, with the same library opened there:
 * self.onmessage = (event) => {
 *   using frame = lib.receive(event.data, "f32");
 * };
 * ```
 */
export interface TransferredBuffer {
  /** Path of the library that handed the memory over: the receiver must open the same one. */
  readonly path: string;
  /**
   * The descriptor's words. Under the pointer-view mapping they own the memory
   * and are shared by every copy of the message: the first receiver claims them.
   */
  readonly descriptor: BigUint64Array<SharedArrayBuffer>;
  /**
   * Under the Node-API mapping, the memory itself: its finalizer frees it
   * wherever it dies, received or not. Null under the pointer-view mapping.
   */
  readonly memory: ArrayBuffer | null;
  /**
   * What `postMessage` must move rather than copy: `[memory]`, or nothing under
   * the pointer-view mapping. Posted without it, the memory is copied and
   * `receive()` refuses the copy.
   */
  readonly transferList: ArrayBuffer[];
}

/**
 * Packs a descriptor whose owner let go of it into a message for `postMessage`,
 * with the memory itself when an `ArrayBuffer` owns it (Node-API mapping).
 */
export function pack(descriptor: Descriptor, path: string, memory: ArrayBuffer | null): TransferredBuffer {
  // A copy of its own, because posting a slab's view would clone the whole slab.
  const shared = new BigUint64Array(new SharedArrayBuffer(DESCRIPTOR_WORDS * 8));
  shared.set(descriptor);
  return { path, descriptor: shared, memory, transferList: memory === null ? [] : [memory] };
}

/** Checks that `value` is what `pack` made, before anything is claimed. */
export function checkTransferred(value: unknown): asserts value is TransferredBuffer {
  const transferred = value as Partial<TransferredBuffer> | null | undefined;
  const words = transferred?.descriptor;
  if (
    !(words instanceof BigUint64Array) || !(words.buffer instanceof SharedArrayBuffer) ||
    words.length !== DESCRIPTOR_WORDS || typeof transferred?.path !== "string" ||
    !(transferred.memory === null || transferred.memory instanceof ArrayBuffer)
  ) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      "Cannot receive a value that ZeroCopyBuffer.transfer() did not produce: post the transfer() result unchanged",
    );
  }
}

/**
 * Takes the memory a Node-API message carries: detaches the message's
 * `ArrayBuffer` and moves the ownership its finalizer held into a descriptor.
 * Refuses a message received already, or one whose memory was copied (posted
 * without its transfer list): the copy is plain JavaScript memory, and the
 * original is freed where it dies.
 */
export function claimMemory(
  transferred: TransferredBuffer & { memory: ArrayBuffer },
  detachInto: (memory: ArrayBuffer, descriptor: Descriptor) => boolean,
): Descriptor {
  if (transferred.memory.detached) throw receivedAlready();
  const descriptor = newDescriptor();
  descriptor.set(transferred.descriptor);
  if (!detachInto(transferred.memory, descriptor)) {
    descriptor.fill(0n);
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      "Cannot receive a transferred buffer whose memory was copied: post it with its transfer list, postMessage(transferred, transferred.transferList)",
    );
  }
  return descriptor;
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
    throw receivedAlready();
  }
  return descriptor;
}

function receivedAlready(): ZeroCopyError {
  return new ZeroCopyError(
    "CONSUMED",
    "Cannot receive a transferred buffer twice: another receive() already owns its memory",
  );
}
