/**
 * Statuses Zig functions return (zig/zerocopy/abi.zig `Status`), turned into errors.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { STATUS } from "./layout.ts";

/** Turns a non-ok status from the library into the error the caller sees. */
export function statusError(status: number, what: string): ZeroCopyError {
  switch (status) {
    case STATUS.out_of_memory:
      return new ZeroCopyError(
        "OUT_OF_MEMORY",
        `${what} failed: the native allocator is out of memory; free buffers or ask for less`,
      );
    case STATUS.size_overflow:
      return new ZeroCopyError(
        "SIZE_OVERFLOW",
        `${what} failed: the byte size overflows the native address space; ask for less`,
      );
    case STATUS.full:
      return new ZeroCopyError(
        "FULL",
        `${what} failed: no room left; release ring slots you are done with, reset the region, or make it larger`,
      );
    case STATUS.stale_handle:
      return new ZeroCopyError(
        "STALE_HANDLE",
        `${what} failed: the library no longer knows that region, ring or transferred buffer (released, received already, or never its own: a region or ring is filled only by functions of the library that created it); nothing was touched`,
      );
    case STATUS.handed_over_already:
      return new ZeroCopyError(
        "INVALID_ARGUMENT",
        `${what} failed: the out-parameter already holds what an earlier call handed over into it; call the Zig function once per adopt() or next()`,
      );
    case STATUS.invalid_element_type:
      return new ZeroCopyError(
        "INVALID_ELEMENT_TYPE",
        `${what} failed: the native side does not know that element type`,
      );
    case STATUS.cancelled:
      return new ZeroCopyError(
        "CANCELLED",
        `${what} stopped early: its job's cancel flag was set; pass an AbortSignal to the wrapper instead of setting it by hand`,
      );
    default:
      return new ZeroCopyError(
        "INVALID_ARGUMENT",
        `${what} failed with native status ${status}; check its arguments`,
      );
  }
}

/**
 * Throws the `ZeroCopyError` for a non-ok `zerocopy.Status` a Zig function
 * returned; generated bindings call it for every status result.
 *
 * @param status The status the Zig function returned.
 * @param what What was called, for the message.
 * @throws {ZeroCopyError} `OUT_OF_MEMORY`, `SIZE_OVERFLOW`, `INVALID_ELEMENT_TYPE`, `FULL`,
 * `CANCELLED`, `STALE_HANDLE` or `INVALID_ARGUMENT`.
 *
 * @example Check a status
 * ```ts
 * import { checkStatus } from "@zerocopy/zerocopy";
 *
 * checkStatus(0, "resize_image"); // ok: returns
 * ```
 */
export function checkStatus(status: number, what: string): void {
  if (status !== STATUS.ok) throw statusError(status, what);
}
