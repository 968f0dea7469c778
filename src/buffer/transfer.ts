/**
 * Moving ownership of a buffer to another worker. Under the Node-API mapping
 * the message carries the memory itself, an `ArrayBuffer` whose finalizer
 * frees it, moved by the transfer list: a message never received frees its
 * memory when it dies. Under the pointer-view mapping the library keeps the
 * descriptor (zig/zerocopy/transfer.zig) and only a handle travels, so every
 * copy of the message is one claim that exactly one receiver wins, and a
 * forged or replayed message names nothing Zig would free or map.
 *
 * @module
 */

import { type Descriptor, newDescriptor } from "./descriptor.ts";
import { ZeroCopyError } from "../errors.ts";
import { STATUS } from "../abi/layout.ts";
import { statusError } from "../abi/status.ts";

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
   * Under the pointer-view mapping, the handle under which the library keeps
   * the descriptor until a receiver claims it: the first receiver gets the
   * memory, any other copy of the message is refused. 0n under the Node-API mapping.
   */
  readonly handle: bigint;
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
 * A message for `postMessage`: the handle of a descriptor the library keeps
 * (pointer-view mapping), or the memory itself when an `ArrayBuffer` owns it
 * (Node-API mapping, `handle` 0n).
 */
export function pack(handle: bigint, path: string, memory: ArrayBuffer | null): TransferredBuffer {
  return { path, handle, memory, transferList: memory === null ? [] : [memory] };
}

/** Checks that `value` is what `pack` made, before anything is claimed. */
export function checkTransferred(value: unknown): asserts value is TransferredBuffer {
  const transferred = value as Partial<TransferredBuffer> | null | undefined;
  if (
    typeof transferred?.handle !== "bigint" || transferred.handle < 0n || transferred.handle >= 1n << 64n ||
    typeof transferred.path !== "string" ||
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
  let claimed: boolean;
  try {
    claimed = detachInto(transferred.memory, descriptor);
  } catch (cause) {
    // An ArrayBuffer that cannot be detached (a WebAssembly memory's, say) was never a transfer()'s.
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      "Cannot receive a message whose memory is not what transfer() produced: post the transfer() result unchanged",
      { cause },
    );
  }
  if (!claimed) {
    descriptor.fill(0n);
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      "Cannot receive a transferred buffer whose memory was copied: post it with its transfer list, postMessage(transferred, transferred.transferList)",
    );
  }
  return descriptor;
}

/**
 * Claims the descriptor the library keeps under `transferred.handle`: only the
 * first receiver gets it, even if the message reached several workers. The
 * library checks the handle in its own table, so a message received already,
 * copied or forged takes nothing.
 */
export function claim(
  transferred: TransferredBuffer,
  receive: (handle: bigint, into: Descriptor) => number,
): Descriptor {
  const descriptor = newDescriptor();
  const status = receive(transferred.handle, descriptor);
  if (status === STATUS.ok) return descriptor;
  descriptor.fill(0n);
  if (status === STATUS.stale_handle) throw receivedAlready();
  throw statusError(status, "Receiving a transferred buffer");
}

function receivedAlready(): ZeroCopyError {
  return new ZeroCopyError(
    "CONSUMED",
    "Cannot receive a transferred buffer twice: another receive() already owns its memory (or the message was never a transfer() of this library)",
  );
}
