/**
 * A query's parameters as the one-row batch an ADBC driver binds, typed as
 * the embedded DuckDB binds them (src/sql/parameters.ts).
 *
 * @module
 */

import { Bool, Float64, Int64, type RecordBatch, Table, Utf8, vectorFromArray } from "apache-arrow";
import type { SqlValue } from "../engine.ts";

/** `params` (checked `SqlValue`s, at least one) as a batch of one row, a column per parameter. */
export function paramsBatch(params: readonly SqlValue[]): RecordBatch {
  const columns = Object.fromEntries(params.map((value, i) => {
    const type = typeof value === "number"
      ? Number.isSafeInteger(value) ? new Int64() : new Float64()
      : typeof value === "bigint"
      ? new Int64()
      : typeof value === "boolean"
      ? new Bool()
      : new Utf8(); // a string, or null: a null of any type binds NULL
    const cell = typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : value;
    return [`p${i + 1}`, vectorFromArray([cell] as never[], type as never)];
  }));
  return new Table(columns).batches[0];
}
