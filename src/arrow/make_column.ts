/**
 * An apache-arrow `Data` over buffers already checked to hold what a column
 * of each supported type needs: the importers of handed-over batches
 * (import.ts) and of foreign arrays view their memory through it. Offsets
 * are checked from their first to their last (within the characters, or the
 * child's rows): apache-arrow reads within them, and JavaScript bounds every
 * other read.
 *
 * @module
 */

import { type Data, type DataType, type Dictionary, makeData, makeVector, Type } from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import { offsetWidthOf, widthOf } from "./c_data.ts";

/** What every column has: where its rows are, its nulls. */
export interface Common {
  /** The physical index of row 0 in its buffers (offsets, bitmaps). */
  readonly offset: number;
  readonly length: number;
  readonly nullCount: number;
  readonly nullBitmap: Uint8Array;
}

/** Buffer `i` of the column, `bytes` long at least and aligned to `alignment`, checked by the caller's rules. */
export type BufferOf = (i: number, bytes: number, alignment: number, what: string) => Uint8Array<ArrayBuffer>;

function invalid(where: string, what: string): ZeroCopyError {
  return new ZeroCopyError("ARROW_INVALID", `Invalid Arrow batch: ${where} ${what}`);
}

type TypedArrayConstructor = {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): ArrayBufferView & ArrayLike<number | bigint>;
  readonly BYTES_PER_ELEMENT: number;
};

/** A column's data: `children` are its children's (a struct's fields, a list's items), `dictionary` its values. */
export function makeColumn(
  type: DataType,
  common: Common,
  buffer: BufferOf,
  children: Data[],
  dictionary: Data | undefined,
  where: string,
): Data {
  const { offset: start, length: rows } = common;
  const end = start + rows;
  switch (type.typeId) {
    case Type.Struct:
      return makeData({ ...common, type, children } as never);
    case Type.FixedSizeList:
      return makeData({ ...common, type, child: children[0] } as never);
    case Type.Bool:
      return makeData({ ...common, type, data: buffer(1, Math.ceil(end / 8), 1, "the values of") } as never);
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary: {
      const offsets = offsetsOf(type, buffer, start, rows, where);
      const last = Number(offsets[rows]);
      const data = buffer(2, last, 1, "the characters of");
      return makeData({ ...common, type, valueOffsets: offsets, data } as never);
    }
    case Type.List:
    case Type.LargeList: {
      const offsets = offsetsOf(type, buffer, start, rows, where);
      const last = Number(offsets[rows]);
      if (last > children[0].length) {
        throw invalid(where, `has offsets up to ${last}, past the ${children[0].length} rows of its child`);
      }
      return makeData({ ...common, type, valueOffsets: offsets, child: children[0] } as never);
    }
    case Type.Dictionary: {
      if (dictionary === undefined) throw invalid(where, "is dictionary-encoded but has no dictionary");
      const indices = fixedWidth((type as Dictionary).indices, buffer, start, rows, where);
      return makeData({ ...common, type, data: indices, dictionary: makeVector(dictionary) } as never);
    }
    default:
      return makeData({ ...common, type, data: fixedWidth(type, buffer, start, rows, where) } as never);
  }
}

/** The values of a fixed-width column, from row 0: apache-arrow indexes them from the view's start. */
function fixedWidth(
  type: DataType,
  buffer: BufferOf,
  start: number,
  rows: number,
  where: string,
): ArrayBufferView {
  const width = widthOf(type);
  const ArrayType = (type as unknown as { ArrayType?: TypedArrayConstructor }).ArrayType;
  if (width === 0 || ArrayType === undefined) {
    throw invalid(where, `has type ${type}, which has no fixed width`);
  }
  const element = ArrayType.BYTES_PER_ELEMENT;
  const all = buffer(1, (start + rows) * width, element, "the values of");
  return new ArrayType(all.buffer, all.byteOffset + start * width, (rows * width) / element);
}

/** A string, bytes or list column's offsets from row 0: the first from 0 or more, the last not below it. */
function offsetsOf(
  type: DataType,
  buffer: BufferOf,
  start: number,
  rows: number,
  where: string,
): Int32Array | BigInt64Array {
  const width = offsetWidthOf(type);
  const all = buffer(1, (start + rows + 1) * width, width, "the offsets of");
  const offsets = width === 4
    ? new Int32Array(all.buffer, all.byteOffset + start * 4, rows + 1)
    : new BigInt64Array(all.buffer, all.byteOffset + start * 8, rows + 1);
  const first = Number(offsets[0]);
  const last = Number(offsets[rows]);
  if (first < 0 || last < first || last > Number.MAX_SAFE_INTEGER) {
    throw invalid(where, `has offsets from ${first} to ${last}`);
  }
  return offsets;
}

/** Whether a format's children come before its type can be made (parameterized by them). */
export function childRowsOf(
  format: string,
  start: number,
  rows: number,
): { shift: number; rows?: number } | null {
  if (format === "+s") return { shift: start, rows };
  const size = /^\+w:([1-9][0-9]*)$/.exec(format);
  if (size) return { shift: start * Number(size[1]), rows: rows * Number(size[1]) };
  // A list's items: as many as the child has, its offsets checked against them.
  if (format === "+l" || format === "+L") return { shift: 0 };
  return null;
}
