/**
 * Query parameters encoded for Zig (zig/zerocopy/sql/duckdb.zig
 * `ParameterTag`): a tag byte per value, then its bytes, little-endian.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { what } from "../buffer/gate.ts";
import type { SqlValue } from "./engine.ts";

const Tag = { null: 0, bool: 1, int64: 2, float64: 3, text: 4 } as const;
const encoder = new TextEncoder();

/**
 * Throws `INVALID_ARGUMENT` unless `values` is an array of `SqlValue`s every
 * engine can bind: the check a `Connection` makes before any engine runs.
 */
export function checkParameters(values: unknown, method: string): asserts values is readonly SqlValue[] {
  if (!Array.isArray(values)) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Connection.${method} takes its parameters as an array, not ${what(values)}`,
    );
  }
  values.forEach(checkOne);
}

function checkOne(value: unknown, index: number): void {
  if (
    value === null || typeof value === "boolean" || typeof value === "string" || typeof value === "number"
  ) {
    return;
  }
  if (typeof value === "bigint") {
    if (value >= -(2n ** 63n) && value < 2n ** 63n) return;
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Query parameter ${index + 1} (${value}) does not fit a 64-bit integer`,
    );
  }
  throw new ZeroCopyError(
    "INVALID_ARGUMENT",
    `Query parameter ${index + 1} is ${
      what(value)
    }: bind null, a boolean, a number, a bigint or a string (a Date as its ISO string, cast in SQL)`,
  );
}

/** The bytes of `values` (each a `SqlValue`), or throws `INVALID_ARGUMENT` naming the first that cannot be bound. */
export function encodeParameters(values: readonly unknown[]): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  values.forEach((value, i) => parts.push(encodeOne(value, i)));
  const bytes = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

function encodeOne(value: unknown, index: number): Uint8Array {
  checkOne(value, index);
  if (value === null) return Uint8Array.of(Tag.null);
  if (typeof value === "boolean") return Uint8Array.of(Tag.bool, value ? 1 : 0);
  if (typeof value === "string") {
    const text = encoder.encode(value);
    const bytes = new Uint8Array(5 + text.length);
    bytes[0] = Tag.text;
    new DataView(bytes.buffer).setUint32(1, text.length, true);
    bytes.set(text, 5);
    return bytes;
  }
  const bytes = new Uint8Array(9);
  const view = new DataView(bytes.buffer);
  if (typeof value === "bigint") {
    bytes[0] = Tag.int64;
    view.setBigInt64(1, value, true);
    return bytes;
  }
  if (Number.isSafeInteger(value)) {
    bytes[0] = Tag.int64;
    view.setBigInt64(1, BigInt(value as number), true);
  } else {
    bytes[0] = Tag.float64;
    view.setFloat64(1, value as number, true);
  }
  return bytes;
}
