/**
 * The element types a buffer can hold: Zig type, ABI tag and TypedArray constructor.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { ELEMENT_SIZES, ELEMENT_TAGS } from "./layout.ts";
import type { abiLayout } from "./symbols.ts";

/**
 * The Zig element type of a buffer, which names the TypedArray that views it (zig/zerocopy/abi.zig `ElementType`).
 *
 * @example A function over any element type
 * ```ts
 * import { type ElementType, openDemo } from "@zerocopy/zerocopy";
 *
 * const demo = await openDemo();
 * function lengthOf(type: ElementType): number {
 *   using buffer = demo.generate(type, 3);
 *   return buffer.view.length;
 * }
 * console.log(lengthOf("i16"), lengthOf("f64")); // 3 3
 * ```
 */
export type ElementType = keyof typeof abiLayout.element_types;

/**
 * The TypedArray that views each element type, backed by a plain `ArrayBuffer`.
 *
 * @example The view of each element type
 * ```ts
 * import type { TypedArrayOf } from "@zerocopy/zerocopy";
 *
 * const values: TypedArrayOf["f32"] = new Float32Array(2);
 * const big: TypedArrayOf["u64"] = new BigUint64Array(1);
 * console.log(values.length, big.length); // 2 1
 * ```
 */
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

/**
 * The TypedArray a generated wrapper lends to Zig for each element type: any
 * backing memory Deno's FFI passes without a copy, a `SharedArrayBuffer` or a
 * resizable `ArrayBuffer` included, so a plain `Float64Array` type-checks.
 *
 * @example A user's own array type-checks as a lent parameter
 * ```ts
 * import type { LentArrayOf } from "@zerocopy/zerocopy";
 *
 * const values: Float64Array = new Float64Array([1, 2, 3]);
 * const lent: LentArrayOf["f64"] = values;
 * console.log(lent.length); // 3
 * ```
 */
export interface LentArrayOf {
  /** `[*]const i8` */
  i8: Int8Array<ArrayBufferLike>;
  /** `[*]const u8`: a `Uint8ClampedArray` has the same bytes. */
  u8: Uint8Array<ArrayBufferLike> | Uint8ClampedArray<ArrayBufferLike>;
  /** `[*]const i16` */
  i16: Int16Array<ArrayBufferLike>;
  /** `[*]const u16` */
  u16: Uint16Array<ArrayBufferLike>;
  /** `[*]const i32` */
  i32: Int32Array<ArrayBufferLike>;
  /** `[*]const u32` */
  u32: Uint32Array<ArrayBufferLike>;
  /** `[*]const i64` */
  i64: BigInt64Array<ArrayBufferLike>;
  /** `[*]const u64` */
  u64: BigUint64Array<ArrayBufferLike>;
  /** `[*]const f32` */
  f32: Float32Array<ArrayBufferLike>;
  /** `[*]const f64` */
  f64: Float64Array<ArrayBufferLike>;
}

/** Any TypedArray that can view a zerocopy buffer. */
export type AnyTypedArray = TypedArrayOf[ElementType];

// The one line TypeScript needs per element type beyond the generated manifest:
// `satisfies` fails to compile when Zig adds a type this table lacks.
const TYPED_ARRAYS = {
  i8: Int8Array,
  u8: Uint8Array,
  i16: Int16Array,
  u16: Uint16Array,
  i32: Int32Array,
  u32: Uint32Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
  f32: Float32Array,
  f64: Float64Array,
} as const satisfies Record<ElementType, { readonly BYTES_PER_ELEMENT: number }>;

// And this fails when the TypedArrayOf interface lacks one.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _everyTypeHasAnArray: Exact<keyof TypedArrayOf, ElementType> = true;

interface ElementInfo {
  /** The `ElementType` tag in zig/zerocopy/abi.zig. */
  readonly tag: number;
  /** Bytes per element, as Zig's `@sizeOf` reports it. */
  readonly bytes: number;
  readonly view: (buffer: ArrayBuffer, offset?: number, length?: number) => AnyTypedArray;
  /** `view(buffer)`, without the two undefined arguments, which send JavaScriptCore down a slower constructor path. */
  readonly whole: (buffer: ArrayBuffer) => AnyTypedArray;
}

/** One row per element type, built from the generated manifest. */
export const ELEMENT_INFO: Readonly<Record<ElementType, ElementInfo>> = Object.fromEntries(
  (Object.keys(ELEMENT_TAGS) as ElementType[]).map((type) => {
    const TypedArray = TYPED_ARRAYS[type] as unknown as new (
      b: ArrayBuffer,
      o?: number,
      l?: number,
    ) => AnyTypedArray;
    const info: ElementInfo = {
      tag: ELEMENT_TAGS[type],
      bytes: ELEMENT_SIZES[type],
      view: (buffer, offset, length) => new TypedArray(buffer, offset, length),
      whole: (buffer) => new TypedArray(buffer),
    };
    return [type, info];
  }),
) as Record<ElementType, ElementInfo>;

/** The TypedArray constructor of each element type, e.g. to check its size against Zig's. */
export function typedArrayOf(
  type: ElementType,
): { readonly BYTES_PER_ELEMENT: number; readonly name: string } {
  return TYPED_ARRAYS[type];
}

/**
 * Every element type, in ABI tag order.
 *
 * @example Every element type
 * ```ts
 * import { ELEMENT_TYPES } from "@zerocopy/zerocopy";
 *
 * console.log(ELEMENT_TYPES.includes("f32"), ELEMENT_TYPES.includes("u64")); // true true
 * ```
 */
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

// The last type checkElementType accepted: a handover loop asks about one type
// again and again, and Object.hasOwn costs Node 50 ns, a fortieth of a handover.
let lastChecked: unknown;

/** Checks that `type` names an element type, for callers without type checking. */
export function checkElementType(type: unknown): asserts type is ElementType {
  if (type === lastChecked) return;
  if (typeof type !== "string" || !Object.hasOwn(ELEMENT_INFO, type)) {
    throw new ZeroCopyError(
      "INVALID_ELEMENT_TYPE",
      `Unknown element type ${JSON.stringify(type)}: use one of ${ELEMENT_TYPES.join(", ")}`,
    );
  }
  lastChecked = type;
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
