/**
 * Integer arguments checked before an FFI call, which generated bindings call
 * for every integer parameter: Deno's FFI would wrap an 8- or 16-bit value
 * silently and refuse a bad 32- or 64-bit one with an untyped error.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";

/**
 * A Zig integer type of 32 bits or fewer, as Deno's FFI names it.
 *
 * @example The integer types a number holds exactly
 * ```ts
 * import type { SmallIntegerType } from "@zerocopy/zerocopy";
 *
 * const narrow: SmallIntegerType[] = ["u8", "i32"];
 * console.log(narrow.length); // 2
 * ```
 */
export type SmallIntegerType = "u8" | "i8" | "u16" | "i16" | "u32" | "i32";

/** The range of each integer type of 32 bits or fewer. */
const INTEGER_RANGES: Readonly<Record<SmallIntegerType, readonly [number, number]>> = {
  u8: [0, 255],
  i8: [-128, 127],
  u16: [0, 65535],
  i16: [-32768, 32767],
  u32: [0, 4294967295],
  i32: [-2147483648, 2147483647],
};

/**
 * Checks an argument for a float or bool parameter, which Deno's FFI would
 * refuse with an untyped error.
 *
 * @param value The argument.
 * @param type The parameter's FFI type.
 * @param call The function called, for the message.
 * @param name The parameter's name, for the message.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything but a number (`f32`, `f64`) or a boolean (`bool`).
 *
 * @example Check an f64 argument
 * ```ts
 * import { checkScalar } from "@zerocopy/zerocopy";
 *
 * checkScalar(0.5, "f64", "scale", "factor"); // ok; "0.5" would throw INVALID_ARGUMENT
 * ```
 */
export function checkScalar(
  value: number | boolean,
  type: "f32" | "f64" | "bool",
  call: string,
  name: string,
): void {
  if (type === "bool" ? typeof value !== "boolean" : typeof value !== "number") {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Argument "${name}" of ${call} is ${shown(value)}, not a ${
        type === "bool" ? "boolean" : "number"
      } (${type})`,
    );
  }
}

/**
 * A Zig integer type of 64 bits, as Deno's FFI names it.
 *
 * @example The integer types passed as bigint
 * ```ts
 * import type { WideIntegerType } from "@zerocopy/zerocopy";
 *
 * const wide: WideIntegerType = "u64";
 * console.log(wide); // "u64"
 * ```
 */
export type WideIntegerType = "u64" | "i64" | "usize" | "isize";

/**
 * Checks an argument for an integer parameter of 32 bits or fewer.
 *
 * @param value The argument.
 * @param type The parameter's Zig type.
 * @param call The function called, for the message.
 * @param name The parameter's name, for the message.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for a non-integer or a value outside the type.
 *
 * @example Check a u8 argument
 * ```ts
 * import { checkInteger } from "@zerocopy/zerocopy";
 *
 * checkInteger(255, "u8", "fill", "value"); // ok; 256 would throw INVALID_ARGUMENT
 * ```
 */
export function checkInteger(value: number, type: SmallIntegerType, call: string, name: string): void {
  const range = Object.hasOwn(INTEGER_RANGES, type) ? INTEGER_RANGES[type] : undefined;
  if (range === undefined) throw unknownIntegerType(type, Object.keys(INTEGER_RANGES));
  const [min, max] = range;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Argument "${name}" of ${call} is ${shown(value)}, not an integer from ${min} to ${max} (${type})`,
    );
  }
}

/** An argument as a message shows it: strings quoted, so `"7"` is not read as 7. */
function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "an Array" : "an object";
  return String(value);
}

/**
 * Converts an argument for a 64-bit integer parameter to the bigint Deno's FFI
 * takes: a number must be a safe integer (a bigint carries larger values
 * exactly), and either must fit the Zig type.
 *
 * @param value The argument.
 * @param type The parameter's Zig type.
 * @param call The function called, for the message.
 * @param name The parameter's name, for the message.
 * @returns The argument as a bigint.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything but a number or a
 * bigint (a string, even `"7"`, a boolean, null), beyond 2^53 as a number, or outside the type.
 *
 * @example Pass a length as a number
 * ```ts
 * import { toFfiInteger } from "@zerocopy/zerocopy";
 *
 * console.log(toFfiInteger(1024, "usize", "make", "len")); // 1024n
 * ```
 */
export function toFfiInteger(
  value: number | bigint,
  type: WideIntegerType,
  call: string,
  name: string,
): bigint {
  if (typeof value !== "number" && typeof value !== "bigint") {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Argument "${name}" of ${call} is ${
        shown(value)
      }, not a number or a bigint: convert it yourself (Number(text)), so that nothing is guessed`,
    );
  }
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Argument "${name}" of ${call} is ${value}, not a safe integer; pass integers beyond 2^53 as a bigint`,
    );
  }
  if (type !== "u64" && type !== "i64" && type !== "usize" && type !== "isize") {
    throw unknownIntegerType(type, ["u64", "i64", "usize", "isize"]);
  }
  const integer = BigInt(value);
  const signed = type.startsWith("i");
  const min = signed ? -(2n ** 63n) : 0n;
  const max = signed ? 2n ** 63n - 1n : 2n ** 64n - 1n;
  if (integer < min || integer > max) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Argument "${name}" of ${call} is ${integer}, outside ${type}'s range ${min} to ${max}`,
    );
  }
  return integer;
}

function unknownIntegerType(type: unknown, known: readonly string[]): ZeroCopyError {
  return new ZeroCopyError(
    "INVALID_ELEMENT_TYPE",
    `Unknown integer type ${shown(type)}: use one of ${known.map((name) => `"${name}"`).join(", ")}`,
  );
}
