/**
 * Call frames: the memory a nonblocking call takes views of, and the holds it
 * keeps, valid until the call has returned even when the isolate that made
 * the call dies first (a worker terminated meanwhile).
 *
 * Under the Node-API mapping a frame is Zig memory behind an external
 * `ArrayBuffer` (zig/zerocopy/napi_frame.zig). Deno keeps the memory of every
 * argument of a nonblocking call until the call returns, so a frame passed to
 * one outlives it; if its isolate dies meanwhile, the frame's finalizer runs
 * after the call, gives its holds back and releases what the call handed over
 * into its out slot. Otherwise it is a `SharedArrayBuffer` whose holds are the
 * mapping's own, given back at `close`: what a worker terminated during the
 * call held or was handed then stays allocated, as the pointer-view mapping
 * leaves every buffer of a terminated worker.
 *
 * @module
 */

import type { Descriptor } from "./descriptor.ts";

/** One call's frame; {@linkcode Mapping.openFrame} makes it. */
export interface CallFrame {
  /** The frame's bytes, zeroed: the call's arguments are carved from them. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Holds the memory at `descriptor`'s address for the call (see `Mapping.hold`). */
  hold(descriptor: Descriptor): void;
  /** After the call returned: gives the holds back; the memory goes once nothing refers to it. Runs once. */
  close(): void;
}

/** The frame functions of a library's Node-API entry (zig/zerocopy/napi_frame.zig). */
export interface FrameEntry {
  /** `bytes` zeroed bytes of Zig memory with a descriptor slot at `outOffset` ({@linkcode NO_OUT_SLOT} for none). */
  openFrame(bytes: number, outOffset: number): ArrayBuffer;
  /** Holds the memory at the descriptor's address until the frame is closed or finalized. */
  frameHold(frame: ArrayBuffer, descriptor: Descriptor): boolean;
  /** Gives the frame's holds back and detaches it. */
  closeFrame(frame: ArrayBuffer): void;
}

/** The `outOffset` of a frame without an out slot. */
export const NO_OUT_SLOT = 2 ** 32 - 1;

/** A frame of Zig memory from a library's Node-API entry. */
export function nodeApiFrame(entry: FrameEntry, bytes: number, outOffset: number): CallFrame {
  const memory = entry.openFrame(bytes, outOffset);
  let closed = false;
  return {
    bytes: new Uint8Array(memory),
    hold: (descriptor) => void entry.frameHold(memory, descriptor),
    close() {
      if (closed) return;
      closed = true;
      // Moved away by whoever held a view of it: its finalizer gives the holds back once that dies.
      if (!memory.detached) entry.closeFrame(memory);
    },
  };
}

/** A frame in a `SharedArrayBuffer`, holding through `hold` and giving back through `unhold` at close. */
export function sharedFrame(
  bytes: number,
  hold: (descriptor: Descriptor) => boolean,
  unhold: (descriptor: Descriptor) => void,
): CallFrame {
  const held: Descriptor[] = [];
  let closed = false;
  return {
    // Deno's FFI passes a SharedArrayBuffer's memory too; its BufferSource type names only ArrayBuffers.
    bytes: new Uint8Array(new SharedArrayBuffer(bytes)) as unknown as Uint8Array<ArrayBuffer>,
    hold(descriptor) {
      if (hold(descriptor)) held.push(descriptor.slice() as Descriptor);
    },
    close() {
      if (closed) return;
      closed = true;
      for (const descriptor of held) unhold(descriptor);
    },
  };
}
