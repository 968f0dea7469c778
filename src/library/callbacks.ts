/**
 * Checks of what callers hand a library's methods, and the one warning a
 * user's own move can cause.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { what } from "../buffer/gate.ts";

export function checkCallback(call: unknown, method: string, name: string): void {
  if (typeof call !== "function") {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Argument "${name}" of ${method} is ${
        what(call)
      }, not a function: pass a function that calls the Zig function with the descriptor`,
    );
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

let warnedAbandoned = false;

/** A leak the user caused but cannot see otherwise: said once per process, counted in `stats()`. */
export function warnAbandonedOnce(): void {
  if (warnedAbandoned) return;
  warnedAbandoned = true;
  console.warn(
    "zerocopy: a buffer's ArrayBuffer was transferred away under the pointer-view mapping, so its memory is left allocated rather than freed under the view that now holds it (counted in lib.stats().abandonedBuffers). Use the node-api mapping to move view.buffer, or buffer.transfer() to send it to a worker.",
  );
}
