/**
 * What an ADBC connection lends a driver: the batches of a source to ingest,
 * and a query's parameters as a one-row batch.
 *
 * @module
 */

import { Bool, Float64, Int64, RecordBatch, Table, Utf8, vectorFromArray } from "apache-arrow";
import { ZeroCopyError } from "../../errors.ts";
import { what } from "../../buffer/gate.ts";
import { ArrowBatch } from "../../arrow/batch.ts";

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
 * What `ingest` loads: one batch, a table, or an (async) iterable of batches.
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
export type IngestSource =
  | Table
  | RecordBatch
  | ArrowBatch
  | Iterable<RecordBatch | ArrowBatch>
  | AsyncIterable<RecordBatch | ArrowBatch>;

function recordBatchOf(item: unknown): RecordBatch {
  if (item instanceof ArrowBatch) return item.recordBatch;
  if (item instanceof RecordBatch) return item;
  throw new ZeroCopyError(
    "INVALID_ARGUMENT",
    `ingest loads apache-arrow RecordBatches or ArrowBatches, not ${what(item)}`,
  );
}

/** The record batches of `source`, in order. */
export async function* batchesOf(source: IngestSource): AsyncGenerator<RecordBatch> {
  if (source instanceof Table) {
    yield* source.batches;
  } else if (source instanceof RecordBatch || source instanceof ArrowBatch) {
    yield recordBatchOf(source);
  } else if (typeof source === "object" && source !== null && Symbol.asyncIterator in source) {
    for await (const item of source) yield recordBatchOf(item);
  } else if (typeof source === "object" && source !== null && Symbol.iterator in source) {
    for (const item of source) yield recordBatchOf(item);
  } else {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `ingest loads a Table, a RecordBatch, an ArrowBatch or an iterable of batches, not ${what(source)}`,
    );
  }
}

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
