/**
 * The C Data Interface structs as TypeScript writes them, and the directory
 * of a handed-over batch as it reads it: offsets and sizes from the generated
 * `abiLayout` (zig/zerocopy/arrow/c_data.zig, zig/zerocopy/arrow/directory.zig),
 * and the format strings this module supports, both ways.
 *
 * @module
 */

import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  Duration,
  type Field,
  FixedSizeBinary,
  FixedSizeList,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  IntervalDayTime,
  IntervalMonthDayNano,
  IntervalYearMonth,
  LargeBinary,
  LargeList,
  LargeUtf8,
  List,
  Map_,
  Struct,
  TimeMicrosecond,
  TimeMillisecond,
  TimeNanosecond,
  TimeSecond,
  Timestamp,
  TimeUnit,
  Type,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
} from "apache-arrow";
import { abiLayout } from "../abi/symbols.ts";
import { ZeroCopyError } from "../errors.ts";

/** Byte offsets of `ArrowSchema`'s fields. */
export const SchemaOffset: typeof abiLayout.structs.ArrowSchema.fields = abiLayout.structs.ArrowSchema.fields;
/** Byte offsets of `ArrowArray`'s fields. */
export const ArrayOffset: typeof abiLayout.structs.ArrowArray.fields = abiLayout.structs.ArrowArray.fields;
/** Bytes of an `ArrowSchema`. */
export const SCHEMA_BYTES: number = abiLayout.structs.ArrowSchema.size;
/** Bytes of an `ArrowArray`. */
export const ARRAY_BYTES: number = abiLayout.structs.ArrowArray.size;
/** Byte offsets of the fields of the directory's header at the start of a handed-over batch. */
export const HeaderOffset: typeof abiLayout.structs.BatchHeader.fields = abiLayout.structs.BatchHeader.fields;
/** Bytes of the directory's header. */
export const HEADER_BYTES: number = abiLayout.structs.BatchHeader.size;
/** Byte offsets of the fields of one directory node. */
export const NodeOffset: typeof abiLayout.structs.BatchNode.fields = abiLayout.structs.BatchNode.fields;
/** Bytes of one directory node. */
export const NODE_BYTES: number = abiLayout.structs.BatchNode.size;
/** `ARROW_FLAG_NULLABLE`. */
export const FLAG_NULLABLE = 2n;

const UNITS = {
  s: TimeUnit.SECOND,
  m: TimeUnit.MILLISECOND,
  u: TimeUnit.MICROSECOND,
  n: TimeUnit.NANOSECOND,
};
const UNIT_LETTERS = ["s", "m", "u", "n"];

/** The formats supported besides the parameterized ones (timestamp, duration, decimal, lists, struct, ...). */
const PRIMITIVES: Record<string, () => DataType> = {
  c: () => new Int8(),
  C: () => new Uint8(),
  s: () => new Int16(),
  S: () => new Uint16(),
  i: () => new Int32(),
  I: () => new Uint32(),
  l: () => new Int64(),
  L: () => new Uint64(),
  f: () => new Float32(),
  g: () => new Float64(),
  b: () => new Bool(),
  u: () => new Utf8(),
  U: () => new LargeUtf8(),
  z: () => new Binary(),
  Z: () => new LargeBinary(),
  tdD: () => new DateDay(),
  tdm: () => new DateMillisecond(),
  tts: () => new TimeSecond(),
  ttm: () => new TimeMillisecond(),
  ttu: () => new TimeMicrosecond(),
  ttn: () => new TimeNanosecond(),
  tiM: () => new IntervalYearMonth(),
  tiD: () => new IntervalDayTime(),
  tin: () => new IntervalMonthDayNano(),
};

/**
 * The list of supported formats, for error messages.
 *
 * @example List what the import reads
 * ```ts
 * import { SUPPORTED_FORMATS } from "@zerocopy/zerocopy/arrow";
 *
 * console.log(SUPPORTED_FORMATS.length > 0); // true
 * ```
 */
export const SUPPORTED_FORMATS = `${
  Object.keys(PRIMITIVES).join(" ")
} ts{s,m,u,n}:<tz> tD{s,m,u,n} d:<precision>,<scale>[,128|256] w:<n> +l +L +w:<n> +s, and dictionaries of them`;

/** The number of buffers the C Data Interface gives a type. */
export function bufferCount(type: DataType): number {
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary:
      return 3;
    case Type.Struct:
    case Type.FixedSizeList:
      return 1;
    default:
      return 2;
  }
}

/** Bytes per value of the fixed-width formats that take no parameter. */
const FIXED_WIDTHS: Record<string, number> = {
  c: 1,
  C: 1,
  s: 2,
  S: 2,
  i: 4,
  I: 4,
  f: 4,
  tdD: 4,
  tts: 4,
  ttm: 4,
  tiM: 4,
  l: 8,
  L: 8,
  g: 8,
  tdm: 8,
  ttu: 8,
  ttn: 8,
  tiD: 8,
  tin: 16,
};

/**
 * Bytes per value of a fixed-width format (numbers, times, decimals,
 * intervals, fixed-size binary), or 0. Taken from the format string, not the
 * type, so that what a lent struct says and what was checked cannot differ.
 */
export function widthOfFormat(format: string): number {
  const fixed = FIXED_WIDTHS[format];
  if (fixed !== undefined) return fixed;
  if (/^ts[smun]:/.test(format) || /^tD[smun]$/.test(format)) return 8;
  const decimal = decimalOf(format);
  if (decimal) return decimal.bitWidth / 8;
  const binary = /^w:([1-9][0-9]*)$/.exec(format);
  return binary ? Number(binary[1]) : 0;
}

/** Bytes per offset of a format whose rows are ranges (strings, bytes, lists, maps), or 0. */
export function offsetWidthOfFormat(format: string): number {
  switch (format) {
    case "u":
    case "z":
    case "+l":
    case "+m":
      return 4;
    case "U":
    case "Z":
    case "+L":
      return 8;
    default:
      return 0;
  }
}

/** Bytes per value of a supported fixed-width type, or 0. */
export function widthOf(type: DataType): number {
  return widthOfFormat(formatOfType(type, "a column"));
}

/** Bytes per offset of a supported type whose rows are ranges (strings, bytes, lists), or 0. */
export function offsetWidthOf(type: DataType): number {
  return offsetWidthOfFormat(formatOfType(type, "a column"));
}

/** The decimal a format names ("d:P,S" or "d:P,S,W"), or undefined when it names none this reads. */
function decimalOf(format: string): Decimal | undefined {
  const match = /^d:([0-9]+),(-?[0-9]+)(?:,(128|256))?$/.exec(format);
  if (!match) return undefined;
  const [precision, scale, bits] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 128)];
  return precision >= 1 && precision <= (bits === 128 ? 38 : 76)
    ? new Decimal(scale, precision, bits)
    : undefined;
}

/** The apache-arrow type of a format string, or a typed error naming it. */
export function typeOfFormat(format: string, children: Field[], where: string): DataType {
  const primitive = PRIMITIVES[format];
  if (primitive !== undefined) return primitive();
  const timestamp = /^ts([smun]):(.*)$/.exec(format);
  if (timestamp) return new Timestamp(UNITS[timestamp[1] as keyof typeof UNITS], timestamp[2] || null);
  const duration = /^tD([smun])$/.exec(format);
  if (duration) return new Duration(UNITS[duration[1] as keyof typeof UNITS]);
  const decimal = decimalOf(format);
  if (decimal) return decimal;
  const binary = /^w:([1-9][0-9]*)$/.exec(format);
  if (binary && Number(binary[1]) <= 0x7fffffff) return new FixedSizeBinary(Number(binary[1]));
  const list = /^\+w:([1-9][0-9]*)$/.exec(format);
  if (list && children.length === 1) return new FixedSizeList(Number(list[1]), children[0]);
  if (format === "+l" && children.length === 1) return new List(children[0]);
  if (format === "+L" && children.length === 1) return new LargeList(children[0]);
  if (format === "+s") return new Struct(children);
  throw new ZeroCopyError(
    "ARROW_UNSUPPORTED",
    `Arrow format "${format}" of ${where} is not supported (supported: ${SUPPORTED_FORMATS}): ` +
      "cast the column to a supported type before handing it over",
  );
}

let probes: [string, DataType][] | undefined;

/** One instance of each primitive type, made once: every lent column is compared with them. */
function primitiveProbes(): [string, DataType][] {
  return probes ??= Object.entries(PRIMITIVES).map(([format, make]) => [format, make()]);
}

/** The format string of an apache-arrow type, or a typed error naming it. */
export function formatOfType(type: DataType, where: string): string {
  for (const [format, probe] of primitiveProbes()) {
    if (
      probe.typeId === type.typeId &&
      (probe as { bitWidth?: number }).bitWidth === (type as { bitWidth?: number }).bitWidth &&
      (probe as { isSigned?: boolean }).isSigned === (type as { isSigned?: boolean }).isSigned &&
      (probe as { precision?: number }).precision === (type as { precision?: number }).precision &&
      (probe as { unit?: number }).unit === (type as { unit?: number }).unit
    ) return format;
  }
  if (type instanceof Timestamp) return `ts${UNIT_LETTERS[type.unit]}:${type.timezone ?? ""}`;
  if (type instanceof Duration) return `tD${UNIT_LETTERS[type.unit]}`;
  if (type instanceof Decimal) {
    const bits = type.bitWidth;
    if (bits === 128 || bits === 256) return `d:${type.precision},${type.scale}${bits === 256 ? ",256" : ""}`;
  }
  if (type instanceof FixedSizeBinary) return `w:${type.byteWidth}`;
  if (type instanceof FixedSizeList) return `+w:${type.listSize}`;
  if (type instanceof List) return "+l";
  if (type instanceof LargeList) return "+L";
  // Lent as a list of its entries; only the registered scan reads it (every other reader refuses it).
  if (type instanceof Map_) return "+m";
  if (type instanceof Struct) return "+s";
  if (type instanceof Dictionary) {
    // Read once, and never a dictionary again: a type that is its own indices would recurse without end.
    const indices: DataType = type.indices;
    if (!(indices instanceof Dictionary)) return formatOfType(indices, `the indices of ${where}`);
    // Not printed: apache-arrow prints a dictionary with its indices, without end here too.
    throw new ZeroCopyError(
      "ARROW_UNSUPPORTED",
      `The dictionary type of ${where} is not supported: its indices are a dictionary, not integers`,
    );
  }
  throw new ZeroCopyError(
    "ARROW_UNSUPPORTED",
    `Arrow type ${type} of ${where} is not supported (supported formats: ${SUPPORTED_FORMATS})`,
  );
}
