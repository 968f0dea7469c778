/**
 * What an ADBC connection lends a driver besides a stream of batches
 * (src/arrow/lend_stream.ts): a query's parameters as a one-row batch.
 *
 * @module
 */

import { Bool, Float64, Int64, type RecordBatch, Table, Utf8, vectorFromArray } from "apache-arrow";
import { ZeroCopyError } from "../../errors.ts";
import { what } from "../../buffer/gate.ts";
import type { StreamSource } from "../../arrow/lend_stream.ts";

/**
 * A value bound to a query parameter: numbers as float64, bigints as int64.
 *
 * @example Parameters of a query
 * ```ts
 * import type { SqlParam } from "@zerocopy/zerocopy/sql";
 *
 * const params: SqlParam[] = [1.5, 7n, "label", true];
 * console.log(params.length); // 4
 * ```
 */
export type SqlParam = number | bigint | string | boolean;

/**
 * What `ingest` loads: one batch, a table, or an (async) iterable of batches
 * (the sources `lendStream` lends).
 *
 * @example A table to ingest
 * ```ts
 * import type { IngestSource } from "@zerocopy/zerocopy/sql";
 * import { Int32, Table, vectorFromArray } from "apache-arrow";
 *
 * const source: IngestSource = new Table({ n: vectorFromArray([1, 2, 3], new Int32()) });
 * console.log((source as Table).numRows); // 3
 * ```
 */
export type IngestSource = StreamSource;

/** `params` as a batch of one row, a column per parameter. */
export function paramsBatch(params: readonly SqlParam[]): RecordBatch {
  if (!Array.isArray(params) || params.length === 0) {
    throw new ZeroCopyError("INVALID_ARGUMENT", "query: params is a non-empty array of values");
  }
  const columns = Object.fromEntries(params.map((value, i) => {
    const type = typeof value === "number"
      ? new Float64()
      : typeof value === "bigint"
      ? new Int64()
      : typeof value === "string"
      ? new Utf8()
      : typeof value === "boolean"
      ? new Bool()
      : null;
    if (type === null) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `query: parameter ${i + 1} is ${
          what(value)
        }; bind numbers, bigints, strings or booleans (write NULL in the SQL)`,
      );
    }
    return [`p${i + 1}`, vectorFromArray([value] as never[], type as never)];
  }));
  return new Table(columns).batches[0];
}
