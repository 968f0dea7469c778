/**
 * What `adoptAsync` does around a nonblocking call that hands a buffer over:
 * the call writes into a slot of a call frame, whose finalizer releases what
 * is left there if the isolate dies before the call returns (a worker
 * terminated meanwhile; see call_frame.ts).
 *
 * @module
 */

import { type Descriptor, DESCRIPTOR_WORDS } from "../buffer/descriptor.ts";
import type { Mapping } from "../buffer/mapping.ts";
import type { Releaser } from "../buffer/safety_net.ts";
import { DESCRIPTOR_BYTES, STATUS } from "../abi/layout.ts";
import { ZeroCopyError } from "../errors.ts";
import { what } from "../buffer/gate.ts";

/**
 * Calls `call` with a slot of a new frame, then `wrap`s what it handed over
 * there; releases it instead when `call` throws or resolves to anything but a
 * status. Closes the frame either way.
 */
export async function adoptInFrame<B>(
  mapping: Mapping,
  owner: Releaser,
  call: (descriptor: Descriptor) => Promise<number | void>,
  wrap: (slot: Descriptor, status: number) => B,
): Promise<B> {
  const frame = mapping.openFrame(DESCRIPTOR_BYTES, 0);
  const slot = new BigUint64Array(frame.bytes.buffer, 0, DESCRIPTOR_WORDS) as Descriptor;
  try {
    let status: unknown;
    try {
      status = (await call(slot)) ?? STATUS.ok;
    } catch (error) {
      if (slot.length === 0) throw movedSlot();
      owner.release(slot); // the Zig call may have handed over before `call` threw
      throw error;
    }
    if (slot.length === 0) throw movedSlot();
    if (typeof status !== "number") {
      owner.release(slot);
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `adoptAsync's callback resolved to ${
          what(status)
        }: resolve to the Zig function's Status (a number) or nothing`,
      );
    }
    return wrap(slot, status);
  } finally {
    frame.close();
  }
}

/** A slot moved away during the call: what the call handed over goes when that memory dies. */
function movedSlot(): ZeroCopyError {
  return new ZeroCopyError(
    "DETACHED",
    "adoptAsync's descriptor was moved away (its ArrayBuffer transferred) during the call: do not transfer it; what the call handed over is released when that memory dies",
  );
}
