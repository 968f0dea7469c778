/**
 * Lending: Deno's own TypedArrays passed to Zig for the length of a call.
 *
 * @module
 */

import {
  checkElementType,
  type ElementType,
  type LentArrayOf,
  type TypedArrayOf,
} from "../abi/element_types.ts";
import { what } from "./gate.ts";
import { gateLent } from "./gate_memory.ts";
import { elementCount } from "./_memory_of.ts";
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
  gateLent(array, undefined);
  // Deno's FFI passes any view's memory, a SharedArrayBuffer's too; its
  // `BufferSource` type names only ArrayBuffer-backed ones.
  return array as A & ArrayBufferView<ArrayBuffer>;
}

/**
 * {@linkcode lend} for a Zig function that reads elements of `type`
 * (`[*]const T`): also checks that `array` is a TypedArray of exactly that
 * element type, so that its `length` is the number of elements Zig may read.
 * Generated bindings call it for every lent parameter.
 *
 * @typeParam T The element type the Zig function reads.
 * @param array The array to lend: any TypedArray of that element type.
 * @param type The element type the Zig function reads.
 * @param call The function called, for the message.
 * @param name The parameter's name, for the message.
 * @returns `array` itself, typed for Deno's FFI.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything but a TypedArray;
 * `INVALID_ELEMENT_TYPE` for a TypedArray of another element type or a
 * DataView; `DETACHED` when its memory is gone.
 *
 * @example Lend a Float64Array to a function that reads f64
 * ```ts
 * import { lendAs, openLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * const values = new Float64Array([1, 2, 3.5]);
 * console.log(lib.symbols.zc_sum_f64(lendAs(values, "f64", "zc_sum_f64", "values"), values.length)); // 6.5
 * ```
 */
export function lendAs<T extends ElementType>(
  array: LentArrayOf[T],
  type: T,
  call: string,
  name: string,
): TypedArrayOf[T] {
  checkElementType(type);
  return gateLent(array, type, call, name);
}

/**
 * The element count of a lent TypedArray, as the engine keeps it. Generated
 * bindings pass it for a hidden length: a subclass's `length` getter could
 * claim more elements than the memory Zig then reads holds.
 *
 * @param array A TypedArray `lendAs` accepted.
 * @returns Its length.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything but a TypedArray.
 *
 * @example The length a wrapper passes
 * ```ts
 * import { lentLength } from "@zerocopy/zerocopy";
 *
 * class Liar extends Float64Array {
 *   override get length(): number {
 *     return 1_000_000;
 *   }
 * }
 * console.log(new Liar(3).length, lentLength(new Liar(3))); // 1000000 3
 * ```
 */
export function lentLength(array: ArrayBufferView): number {
  const length = elementCount(array);
  if (length === undefined) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Cannot count the elements of ${what(array)}: lend a TypedArray`,
    );
  }
  return length;
}
