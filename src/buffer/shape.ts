/**
 * Shape and strides over a buffer's elements, as DLPack describes tensors:
 * images are `[height, width, channels]`, matrices `[rows, cols]`.
 *
 * @module
 */

import type { ElementType, TypedArrayOf } from "../abi/element_types.ts";
import { ZeroCopyError } from "../errors.ts";
import { elementTypeOf, elementValueError, fitsElement } from "../abi/element_values.ts";

/**
 * What a strided view reads through: a buffer's live view, or any TypedArray.
 *
 * @example Anything with a view can be shaped
 * ```ts
 * import { type ElementSource, StridedView } from "@zerocopy/zerocopy";
 *
 * const source: ElementSource<"f64"> = { view: new Float64Array([1, 2, 3, 4, 5, 6]) };
 * const matrix = new StridedView(source, [2, 3]);
 * console.log(matrix.get(1, 2)); // 6
 * ```
 */
export interface ElementSource<T extends ElementType> {
  /** The elements; throws once a ZeroCopyBuffer is disposed. */
  readonly view: TypedArrayOf[T];
}

/**
 * An n-dimensional view of a buffer's elements: `shape` and `strides` (in
 * elements, row-major by default), checked against the buffer's length when
 * made. It reads through the buffer on every access, so it throws `DISPOSED`
 * once the buffer is gone instead of reading a detached view.
 *
 * @typeParam T The element type.
 *
 * @example A 2×3 matrix
 * ```ts
 * import { openDemo } from "@zerocopy/zerocopy";
 *
 * const demo = await openDemo();
 * using buffer = demo.generate("f64", 6);
 * const matrix = buffer.withShape([2, 3]);
 * console.log(matrix.get(1, 2), matrix.strides); // 2.5 [ 3, 1 ]
 * ```
 */
export class StridedView<T extends ElementType> {
  /** Elements along each dimension. */
  readonly shape: readonly number[];
  /** Elements to step over for +1 along each dimension. */
  readonly strides: readonly number[];
  readonly #source: ElementSource<T>;

  /**
   * Checks `shape` and `strides` against `source`'s length.
   *
   * @param source The buffer (or anything with a `view`) whose elements to index.
   * @param shape Elements along each dimension, at least one dimension.
   * @param strides Elements per step along each dimension; row-major when absent.
   * @throws {ZeroCopyError} `INVALID_SHAPE` for non-integer or negative sizes,
   * a row-major shape whose product is not the length, or strides that reach
   * past the end.
   */
  constructor(source: ElementSource<T>, shape: readonly number[], strides?: readonly number[]) {
    const view = (source as { view?: unknown } | null)?.view;
    if (!ArrayBuffer.isView(view) || view instanceof DataView) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        "A StridedView reads from a source with a TypedArray `view` (a ZeroCopyBuffer, or { view: array }); use buffer.withShape()",
      );
    }
    const length = source.view.length;
    if (
      !Array.isArray(shape) || shape.length === 0 ||
      !shape.every((size) => Number.isSafeInteger(size) && size >= 0)
    ) {
      throw shapeError(
        `Invalid shape ${listed(shape)}: pass an array of one non-negative integer per dimension`,
      );
    }
    if (strides === undefined) {
      const count = shape.reduce((a, b) => a * b, 1);
      if (count !== length) {
        throw shapeError(
          `Shape [${shape}] holds ${count} elements but the buffer has ${length}: make them agree`,
        );
      }
      strides = rowMajorStrides(shape);
    } else {
      if (
        !Array.isArray(strides) || strides.length !== shape.length ||
        !strides.every((step) => Number.isSafeInteger(step) && step >= 0)
      ) {
        throw shapeError(
          `Invalid strides ${
            listed(strides)
          } for shape [${shape}]: pass one non-negative integer per dimension, or none for row-major`,
        );
      }
      const empty = shape.includes(0);
      const last = shape.reduce((sum, size, i) => sum + (size - 1) * strides![i], 0);
      if (!empty && last >= length) {
        throw shapeError(
          `Shape [${shape}] with strides [${strides}] reaches element ${last} but the buffer has ${length}: fix the strides`,
        );
      }
    }
    this.#source = source;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze([...strides]);
  }

  /**
   * The flat element offset of `index`.
   *
   * @param index One integer per dimension, each within the shape.
   * @returns The offset into the buffer's view.
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` for an index outside the shape.
   */
  offset(...index: number[]): number {
    if (index.length !== this.shape.length) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Index [${index}] has ${index.length} dimensions; this view has ${this.shape.length}`,
      );
    }
    let offset = 0;
    for (let i = 0; i < index.length; i++) {
      const at = index[i];
      if (!Number.isInteger(at) || at < 0 || at >= this.shape[i]) {
        throw new ZeroCopyError("INVALID_ARGUMENT", `Index [${index}] is outside shape [${this.shape}]`);
      }
      offset += at * this.strides[i];
    }
    return offset;
  }

  /**
   * The element at `index`.
   *
   * @param index One integer per dimension.
   * @returns The element.
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` outside the shape; `DISPOSED` once the buffer is gone.
   */
  get(...index: number[]): TypedArrayOf[T][number] {
    return this.#source.view[this.offset(...index)];
  }

  /**
   * Writes the element at `index`.
   *
   * @param value The new element: for an integer type, an integer in its range (a bigint for 64 bits).
   * @param index One integer per dimension.
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` outside the shape, or for a value
   * the element type would not store as it is; `DISPOSED` once the buffer is gone.
   */
  set(value: TypedArrayOf[T][number], ...index: number[]): void {
    const view = this.#source.view;
    const type = elementTypeOf(view);
    if (type !== undefined && !fitsElement(type, value)) {
      throw elementValueError(type, value, "This view's element");
    }
    (view as unknown as Record<number, unknown>)[this.offset(...index)] = value;
  }

  /**
   * The contiguous innermost run at `index` (a row of a matrix, the channels of
   * a pixel), as a view over the same memory.
   *
   * @param index One integer per dimension but the last.
   * @returns A TypedArray over those elements, no copy.
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` when the last stride is not 1.
   */
  row(...index: number[]): TypedArrayOf[T] {
    if (this.strides[this.strides.length - 1] !== 1) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `The last stride is ${this.strides.at(-1)}, so rows are not contiguous`,
      );
    }
    const start = this.offset(...index, 0);
    return this.#source.view.subarray(start, start + this.shape[this.shape.length - 1]) as TypedArrayOf[T];
  }
}

/**
 * Row-major (C order) strides for `shape`, in elements.
 *
 * @example The strides of a 2 × 3 × 4 array
 * ```ts
 * import { rowMajorStrides } from "@zerocopy/zerocopy";
 *
 * console.log(rowMajorStrides([2, 3, 4])); // [ 12, 4, 1 ]
 * ```
 */
export function rowMajorStrides(shape: readonly number[]): number[] {
  if (!Array.isArray(shape) || !shape.every((size) => Number.isSafeInteger(size) && size >= 0)) {
    throw shapeError(`Invalid shape ${listed(shape)}: pass an array of non-negative integers`);
  }
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= shape[i];
  }
  return strides;
}

function shapeError(message: string): ZeroCopyError {
  return new ZeroCopyError("INVALID_SHAPE", message);
}

/** A shape or strides argument as a message shows it: `[2, 3]`, or what it was instead of an array. */
function listed(value: unknown): string {
  return Array.isArray(value)
    ? `[${value}]`
    : value === null
    ? "null"
    : `${typeof value} ${JSON.stringify(value)}`;
}
