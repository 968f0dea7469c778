/**
 * The C Data Interface structs as TypeScript writes them, and the directory
 * of a handed-over batch as it reads it: offsets and sizes from the generated
 * `abiLayout` (zig/zerocopy/arrow/c_data.zig, zig/zerocopy/arrow/directory.zig),
 * and the format strings this module supports, both ways.
 *
 * @module
 */

import {
  Bool,
  type DataType,
  type Field,
  FixedSizeList,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  Struct,
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

/** The formats supported besides the parameterized ones (timestamp, fixed-size list, struct). */
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
export const SUPPORTED_FORMATS = `${Object.keys(PRIMITIVES).join(" ")} ts{s,m,u,n}:<tz> +w:<n> +s`;

/** The number of buffers the C Data Interface gives a type. */
export function bufferCount(type: DataType): number {
  if (type.typeId === Type.Utf8) return 3;
  if (type.typeId === Type.Struct || type.typeId === Type.FixedSizeList) return 1;
  return 2;
}

/** The apache-arrow type of a format string, or a typed error naming it. */
export function typeOfFormat(format: string, children: Field[], where: string): DataType {
  const primitive = PRIMITIVES[format];
  if (primitive !== undefined) return primitive();
  const timestamp = /^ts([smun]):(.*)$/.exec(format);
  if (timestamp) return new Timestamp(UNITS[timestamp[1] as keyof typeof UNITS], timestamp[2] || null);
  const list = /^\+w:([1-9][0-9]*)$/.exec(format);
  if (list && children.length === 1) return new FixedSizeList(Number(list[1]), children[0]);
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
      (probe as { precision?: number }).precision === (type as { precision?: number }).precision
    ) return format;
  }
  if (type instanceof Timestamp) return `ts${UNIT_LETTERS[type.unit]}:${type.timezone ?? ""}`;
  if (type instanceof FixedSizeList) return `+w:${type.listSize}`;
  if (type instanceof Struct) return "+s";
  throw new ZeroCopyError(
    "ARROW_UNSUPPORTED",
    `Arrow type ${type} of ${where} is not supported (supported formats: ${SUPPORTED_FORMATS})`,
  );
}
