// Shared by the Arrow tests: the values zig/demo/demo_arrow.zig writes, computed
// again from the row number, and the checksum zerocopy.arrow.checksum computes,
// written again over what apache-arrow reads.

import { type Data, type RecordBatch, Type } from "apache-arrow";
import { widthOf } from "../src/arrow/c_data.ts";

/** The demo batch's columns, in order. */
export const DEMO_COLUMNS = [
  "i8",
  "i16",
  "i32",
  "i64",
  "u8",
  "u16",
  "u32",
  "u64",
  "f32",
  "f64",
  "bool",
  "utf8",
  "ts",
  "vec",
  "point",
] as const;

const WIDTHS: Record<string, [bits: number, signed: boolean]> = {
  i8: [8, true],
  i16: [16, true],
  i32: [32, true],
  i64: [64, true],
  u8: [8, false],
  u16: [16, false],
  u32: [32, false],
  u64: [64, false],
};

/** What apache-arrow's `get(row)` returns for the demo batch's physical row `p`. */
export function expectedValue(column: string, p: number, nulls: boolean): unknown {
  if (nulls && p % 4 === 1) return null;
  const integer = BigInt(p) * 37n + 1n;
  const width = WIDTHS[column];
  if (width) {
    const [bits, signed] = width;
    const value = signed ? BigInt.asIntN(bits, integer) : BigInt.asUintN(bits, integer);
    return bits === 64 ? value : Number(value);
  }
  switch (column) {
    case "f32":
      return Math.fround(p * 0.25);
    case "f64":
      return p * 0.5 - 3;
    case "bool":
      return p % 3 === 0;
    case "utf8":
      return p % 5 === 4 ? "" : `r${p}`;
    case "ts": // apache-arrow reads microseconds as milliseconds
      return 1_700_000_000_000 + p;
    case "vec":
      return [0, 1, 2, 3].map((k) => {
        const q = p * 4 + k;
        return nulls && q % 11 === 3 ? null : q * 0.5;
      });
    case "point":
      return { x: nulls && p % 5 === 2 ? null : p % (1 << 30), y: `s${p % 7}` };
  }
  throw new Error(`no column ${column}`);
}

/** A value as apache-arrow gives it, in the form `expectedValue` uses. */
export function plain(column: string, value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (column === "vec") return [...(value as Iterable<number | null>)];
  if (column === "point") return (value as { toJSON(): unknown }).toJSON();
  return value;
}

const PRIME = 0x100000001b3n;
const MASK = (1n << 64n) - 1n;

// deno-lint-ignore no-explicit-any
type AnyData = Data<any>;

/** FNV-1a over a batch's logical values, as zig/zerocopy/arrow/reader.zig `checksum` defines it, for every type lent. */
export function checksumBatch(batch: RecordBatch): bigint {
  let state = 0xcbf29ce484222325n;
  const bytes = (data: ArrayLike<number>) => {
    for (let i = 0; i < data.length; i++) state = ((state ^ BigInt(data[i])) * PRIME) & MASK;
  };
  const u32 = (n: number) => bytes(new Uint8Array(new Uint32Array([n]).buffer));
  const value = (data: AnyData, row: number): void => {
    if (!data.getValid(row)) return bytes([0]);
    if (data.type.typeId === Type.Dictionary) {
      return value(data.dictionary!.data[0], Number(data.values[row]));
    }
    bytes([1]);
    switch (data.type.typeId) {
      case Type.Bool: {
        const at = data.offset + row;
        return bytes([(data.values[at >> 3] >> (at & 7)) & 1]);
      }
      case Type.Utf8:
      case Type.LargeUtf8:
      case Type.Binary:
      case Type.LargeBinary: {
        const from = Number(data.valueOffsets[row]);
        const to = Number(data.valueOffsets[row + 1]);
        u32(to - from);
        return bytes((data.values as Uint8Array).subarray(from, to));
      }
      case Type.List:
      case Type.LargeList: {
        const from = Number(data.valueOffsets[row]);
        const to = Number(data.valueOffsets[row + 1]);
        u32(to - from);
        for (let k = from; k < to; k++) value(data.children[0], k);
        return;
      }
      case Type.FixedSizeList: {
        const size = data.type.listSize;
        for (let k = 0; k < size; k++) value(data.children[0], row * size + k);
        return;
      }
      case Type.Struct:
        for (const child of data.children) value(child, row);
        return;
      default: {
        const values = data.values as ArrayBufferView;
        const width = widthOf(data.type);
        return bytes(new Uint8Array(values.buffer, values.byteOffset + row * width, width));
      }
    }
  };
  for (const child of batch.data.children) {
    for (let row = 0; row < batch.numRows; row++) value(child, row);
  }
  return state;
}
