/**
 * The element types a buffer can hold: Zig type, ABI tag and TypedArray constructor.
 *
 * @module
 */

import { ZeroCopyError } from "./errors.ts";
import { abiLayout } from "./symbols.ts";

/** The Zig element type of a buffer, which names the TypedArray that views it. */
export type ElementType =
  | "i8"
  | "u8"
  | "i16"
  | "u16"
  | "i32"
  | "u32"
  | "i64"
  | "u64"
  | "f32"
  | "f64";

/** The TypedArray that views each element type, backed by a plain `ArrayBuffer`. */
export interface TypedArrayOf {
  /** `[]i8` */
  i8: Int8Array<ArrayBuffer>;
  /** `[]u8` */
  u8: Uint8Array<ArrayBuffer>;
  /** `[]i16` */
  i16: Int16Array<ArrayBuffer>;
  /** `[]u16` */
  u16: Uint16Array<ArrayBuffer>;
  /** `[]i32` */
  i32: Int32Array<ArrayBuffer>;
  /** `[]u32` */
  u32: Uint32Array<ArrayBuffer>;
  /** `[]i64` */
  i64: BigInt64Array<ArrayBuffer>;
  /** `[]u64` */
  u64: BigUint64Array<ArrayBuffer>;
  /** `[]f32` */
  f32: Float32Array<ArrayBuffer>;
  /** `[]f64` */
  f64: Float64Array<ArrayBuffer>;
}

/** Any TypedArray that can view a zerocopy buffer. */
export type AnyTypedArray = TypedArrayOf[ElementType];

interface ElementInfo {
  /** The `ElementType` tag in zig/abi.zig, from the generated manifest. */
  readonly tag: number;
  readonly bytes: number;
  readonly view: (buffer: ArrayBuffer, offset?: number, length?: number) => AnyTypedArray;
}

/** One row per element type; the tags are checked against the library's layout manifest. */
export const ELEMENT_INFO: Readonly<Record<ElementType, ElementInfo>> = {
  i8: { tag: abiLayout.element_types.i8, bytes: 1, view: (b, o, l) => new Int8Array(b, o, l) },
  u8: { tag: abiLayout.element_types.u8, bytes: 1, view: (b, o, l) => new Uint8Array(b, o, l) },
  i16: { tag: abiLayout.element_types.i16, bytes: 2, view: (b, o, l) => new Int16Array(b, o, l) },
  u16: { tag: abiLayout.element_types.u16, bytes: 2, view: (b, o, l) => new Uint16Array(b, o, l) },
  i32: { tag: abiLayout.element_types.i32, bytes: 4, view: (b, o, l) => new Int32Array(b, o, l) },
  u32: { tag: abiLayout.element_types.u32, bytes: 4, view: (b, o, l) => new Uint32Array(b, o, l) },
  i64: { tag: abiLayout.element_types.i64, bytes: 8, view: (b, o, l) => new BigInt64Array(b, o, l) },
  u64: { tag: abiLayout.element_types.u64, bytes: 8, view: (b, o, l) => new BigUint64Array(b, o, l) },
  f32: { tag: abiLayout.element_types.f32, bytes: 4, view: (b, o, l) => new Float32Array(b, o, l) },
  f64: { tag: abiLayout.element_types.f64, bytes: 8, view: (b, o, l) => new Float64Array(b, o, l) },
};

/** Every element type, in ABI tag order. */
export const ELEMENT_TYPES: readonly ElementType[] = Object.keys(ELEMENT_INFO) as ElementType[];

const TYPE_BY_TAG: readonly (ElementType | undefined)[] = (() => {
  const byTag: (ElementType | undefined)[] = [];
  for (const type of ELEMENT_TYPES) byTag[ELEMENT_INFO[type].tag] = type;
  return byTag;
})();

/** The element type with ABI tag `tag`, or undefined for an unknown tag. */
export function elementTypeOfTag(tag: number): ElementType | undefined {
  return TYPE_BY_TAG[tag];
}

/** Checks that `type` names an element type, for callers without type checking. */
export function checkElementType(type: unknown): asserts type is ElementType {
  if (typeof type !== "string" || !Object.hasOwn(ELEMENT_INFO, type)) {
    throw new ZeroCopyError(
      "INVALID_ELEMENT_TYPE",
      `Unknown element type ${JSON.stringify(type)}: use one of ${ELEMENT_TYPES.join(", ")}`,
    );
  }
}

/**
 * The largest byte length one ArrayBuffer may have: lengths are JS numbers, so
 * anything beyond 2^53 - 1 bytes cannot be viewed exactly.
 */
export const MAX_BYTE_LENGTH: number = Number.MAX_SAFE_INTEGER;

/**
 * Checks `length` (an element count) before anything is allocated and returns its byte size.
 * Throws `INVALID_LENGTH` for anything but a non-negative integer and
 * `SIZE_OVERFLOW` when the byte size cannot be addressed.
 */
export function checkLength(length: unknown, type: ElementType): number {
  if (typeof length !== "number" || !Number.isInteger(length) || length < 0) {
    throw new ZeroCopyError(
      "INVALID_LENGTH",
      `Invalid length ${describe(length)}: pass a non-negative integer element count`,
    );
  }
  const bytes = length * ELEMENT_INFO[type].bytes;
  if (!Number.isSafeInteger(length) || bytes > MAX_BYTE_LENGTH) {
    throw new ZeroCopyError(
      "SIZE_OVERFLOW",
      `Length ${length} of ${type} is ${bytes} bytes, more than the ${MAX_BYTE_LENGTH} an ArrayBuffer can address: pass a smaller length`,
    );
  }
  return bytes;
}

function describe(value: unknown): string {
  return typeof value === "number" ? String(value) : `${typeof value} ${JSON.stringify(String(value))}`;
}
