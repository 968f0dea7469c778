/**
 * Lending: Deno's own TypedArrays passed to Zig for the length of a call.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";

/**
 * Checks that `array` can be lent to a Zig function (passed as a `"buffer"`
 * parameter, which Deno does without a copy) and returns it. Zig sees its
 * memory only during the call; for a nonblocking call, keep `array` alive and
 * unmodified until the promise settles.
 *
 * @typeParam A The TypedArray type.
 * @param array The array to lend.
 * @returns `array` itself, typed as what a `"buffer"` parameter takes: any
 * TypedArray type-checks, a `SharedArrayBuffer`- or resizable-backed one included.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything but a TypedArray or
 * DataView (an Array, a `ZeroCopyBuffer`); `DETACHED` when its memory is gone (a disposed
 * `ZeroCopyBuffer`'s view, a transferred `ArrayBuffer`): Zig would see no data.
 *
 * @example Sum a Float64Array in Zig
 * ```ts
 * import { lend, openLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * const values = new Float64Array([1, 2, 3.5]);
 * console.log(lib.symbols.zc_sum_f64(lend(values), values.length)); // 6.5
 * ```
 */
export function lend<A extends ArrayBufferView>(array: A): A & ArrayBufferView<ArrayBuffer> {
  if (!ArrayBuffer.isView(array)) {
    const value: unknown = array;
    const what = (value as { constructor?: { name?: string } } | null)?.constructor?.name === "ZeroCopyBuffer"
      ? "a ZeroCopyBuffer: lend its view (buffer.view), or pass buffer.pin().descriptor to a function that takes a descriptor"
      : `${
        value === null ? "null" : Array.isArray(value) ? "an Array" : typeof value
      }: lend a TypedArray or DataView (new Float64Array([1, 2, 3]))`;
    throw new ZeroCopyError("INVALID_ARGUMENT", `Cannot lend ${what}`);
  }
  if ((array.buffer as ArrayBuffer).detached) {
    throw new ZeroCopyError(
      "DETACHED",
      `Cannot lend a ${array.constructor.name} whose memory was detached (its buffer was disposed or transferred): lend a live array`,
    );
  }
  // Deno's FFI passes any view's memory, a SharedArrayBuffer's too; its
  // `BufferSource` type names only ArrayBuffer-backed ones.
  return array as A & ArrayBufferView<ArrayBuffer>;
}
