// Lending single-column batches to Zig's checksum kernel, for the tests of lends that lie.

import { Field, makeData, RecordBatch, Schema, Struct } from "apache-arrow";
import { ZeroCopyError } from "../mod.ts";
import { lendBatch } from "../arrow.ts";
import { lib } from "./_helpers.ts";

// deno-lint-ignore no-explicit-any
export type AnyData = any;

/** A batch of one column, whatever that column claims. */
export function batchOf(column: AnyData, name = "x"): RecordBatch {
  const field = new Field(name, column.type, true);
  const root = makeData({
    type: new Struct([field]),
    length: column.length,
    nullCount: 0,
    children: [column],
  });
  return new RecordBatch(new Schema([field]), root);
}

/** Lends `batch` to the checksum kernel; returns its status, or the refusal. */
export function checksum(batch: RecordBatch): number | ZeroCopyError {
  const out = new BigUint64Array(1);
  try {
    return lendBatch(lib, batch, (schema, array) => lib.symbols.zc_arrow_checksum(schema, array, out));
  } catch (error) {
    if (error instanceof ZeroCopyError) return error;
    throw error;
  }
}
