/**
 * `ingest` on the embedded DuckDB: the source is registered under a private
 * name (scanned in place, as `register` does) and copied into the table by
 * one statement, which is what ADBC bulk ingest does in a driver.
 *
 * @module
 */

import { RecordBatch, Table } from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import { what } from "../buffer/gate.ts";
import { ArrowBatch } from "../arrow/batch.ts";
import type { IngestMode, IngestSource } from "./engine.ts";
import type { QueryResult } from "./query_result.ts";
import type { SourcePart } from "./register_source.ts";

/** The batches of `source`, in order (an iterable read to its end), or `INVALID_ARGUMENT`. */
export async function ingestParts(source: IngestSource): Promise<SourcePart[]> {
  const parts: SourcePart[] = [];
  const add = (item: unknown) => {
    if (!(item instanceof ArrowBatch || item instanceof RecordBatch)) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Connection.ingest loads apache-arrow RecordBatches or ArrowBatches, not ${what(item)}`,
      );
    }
    parts.push(item);
  };
  if (source instanceof Table) {
    parts.push(...source.batches);
  } else if (source instanceof RecordBatch || source instanceof ArrowBatch) {
    parts.push(source);
  } else if (typeof source === "object" && source !== null && Symbol.asyncIterator in source) {
    for await (const item of source) add(item);
  } else if (typeof source === "object" && source !== null && Symbol.iterator in source) {
    for (const item of source) add(item);
  } else {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Connection.ingest loads a Table, a RecordBatch, an ArrowBatch or an iterable of batches, not ${
        what(source)
      }`,
    );
  }
  if (parts.length === 0) {
    throw new ZeroCopyError("INVALID_ARGUMENT", "Connection.ingest: the source has no batch to load");
  }
  return parts;
}

/** `name` as one SQL identifier, whatever it holds: a table name, never SQL. */
function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The statement that loads the view `view` into `table` as `mode` says; it answers the rows loaded. */
export function ingestStatement(table: string, view: string, mode: IngestMode): string {
  const into = quoted(table);
  const from = quoted(view);
  switch (mode) {
    case "create":
      return `create table ${into} as select * from ${from}`;
    case "replace":
      return `create or replace table ${into} as select * from ${from}`;
    case "append":
      return `insert into ${into} by name select * from ${from}`;
    case "create_append":
      return `create table if not exists ${into} as select * from ${from} limit 0; insert into ${into} by name select * from ${from}`;
  }
}

/** The row count a `create table as` or `insert` answers, or -1. */
export function rowsLoaded(result: QueryResult): number {
  const count = result.numRows === 1 ? result.table.getChildAt(0)?.get(0) : undefined;
  return typeof count === "bigint" || typeof count === "number" ? Number(count) : -1;
}
