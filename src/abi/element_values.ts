/**
 * Which values an element type holds, so that a write of any other is refused
 * rather than wrapped: a TypedArray or DataView store takes `-1` into a u32 as
 * 4294967295, `1.5` into a u8 as 1, `300` as 44, and a string as NaN or 0.
 * Floats take any number; 64-bit integers take bigints in their range.
 *
 * @module
 */

import type { ElementType } from "./element_types.ts";
import { ZeroCopyError } from "../errors.ts";

const RANGES: { readonly [T in ElementType]?: readonly [number | bigint, number | bigint] } = {
  i8: [-128, 127],
  u8: [0, 255],
  i16: [-32768, 32767],
  u16: [0, 65535],
  i32: [-2147483648, 2147483647],
  u32: [0, 4294967295],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
  u64: [0n, 2n ** 64n - 1n],
};

const TYPES = new Map<unknown, ElementType>([
  [Int8Array, "i8"],
  [Uint8Array, "u8"],
  [Int16Array, "i16"],
  [Uint16Array, "u16"],
  [Int32Array, "i32"],
  [Uint32Array, "u32"],
  [BigInt64Array, "i64"],
  [BigUint64Array, "u64"],
  [Float32Array, "f32"],
  [Float64Array, "f64"],
]);

/** The element type of a TypedArray zerocopy made, from its constructor. */
export function elementTypeOf(view: ArrayBufferView): ElementType | undefined {
  return TYPES.get(view.constructor);
}

/**
 * Whether `value` is one `type` stores as it is. A comparison or two: this
 * runs on every record field and strided element written.
 */
export function fitsElement(type: ElementType, value: unknown): boolean {
  if (type === "i64" || type === "u64") {
    return typeof value === "bigint" && value >= RANGES[type]![0] && value <= RANGES[type]![1];
  }
  if (typeof value !== "number") return false;
  const range = RANGES[type];
  return range === undefined || (Number.isInteger(value) && value >= range[0] && value <= range[1]);
}

/**
 * The typed error for a value `type` would not store as it is.
 *
 * @param type The element type.
 * @param value The value refused.
 * @param what What was written, such as `Field "x"`.
 * @returns `INVALID_ARGUMENT` naming the value, the type's range and the fix.
 */
export function elementValueError(type: ElementType, value: unknown, what: string): ZeroCopyError {
  const range = RANGES[type];
  const wide = type === "i64" || type === "u64";
  const holds = range === undefined
    ? "any number"
    : `${wide ? "bigints" : "integers"} from ${range[0]}${wide ? "n" : ""} to ${range[1]}${wide ? "n" : ""}`;
  const fix = wide
    ? "pass a bigint in that range (BigInt(value))"
    : range === undefined
    ? "pass a number"
    : "check the value, or convert it yourself (Math.round, clamp)";
  return new ZeroCopyError(
    "INVALID_ARGUMENT",
    `${what} is ${type}, which holds ${holds}: ${shown(value)} would be stored as another value; ${fix}`,
  );
}

function shown(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}
