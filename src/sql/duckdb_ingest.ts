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

/**
 * How many rows a group holds before it is loaded: an (async) iterable is
 * read a group at a time, so an ingest holds one group's batches, not the
 * whole source. Tests lower it to make groups of a few batches.
 */
export const INGEST_GROUP = { rows: 1 << 20 };

/**
 * The batches of `source` in groups of about {@linkcode INGEST_GROUP} rows,
 * read as they are asked for; a table, a batch is one group.
 *
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for a source of another kind, or
 * an item that is no batch; `STREAM_FAILED` wrapping what the iterable threw.
 */
export async function* ingestGroups(source: IngestSource): AsyncGenerator<SourcePart[], void, undefined> {
  if (source instanceof Table) {
    if (source.batches.length > 0) yield source.batches;
    return;
  }
  if (source instanceof RecordBatch || source instanceof ArrowBatch) {
    yield [source];
    return;
  }
  if (
    typeof source !== "object" || source === null ||
    !(Symbol.asyncIterator in source || Symbol.iterator in source)
  ) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Connection.ingest loads a Table, a RecordBatch, an ArrowBatch or an iterable of batches, not ${
        what(source)
      }`,
    );
  }
  const items = Symbol.asyncIterator in source
    ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
    : (source as Iterable<unknown>)[Symbol.iterator]();
  let group: SourcePart[] = [];
  let rows = 0;
  let read = 0;
  let ended = false;
  try {
    for (;;) {
      let step: IteratorResult<unknown>;
      try {
        step = await items.next();
      } catch (error) {
        ended = true; // a source that threw is done: no `return()` for it
        if (error instanceof ZeroCopyError) throw error;
        throw new ZeroCopyError(
          "STREAM_FAILED",
          `Connection.ingest: the source failed after ${read} batches: ${
            error instanceof Error ? error.message : String(error)
          }`,
          { cause: error },
        );
      }
      if (step.done) {
        ended = true;
        break;
      }
      const item = await step.value;
      read++;
      if (!(item instanceof ArrowBatch || item instanceof RecordBatch)) {
        throw new ZeroCopyError(
          "INVALID_ARGUMENT",
          `Connection.ingest loads apache-arrow RecordBatches or ArrowBatches, not ${what(item)}`,
        );
      }
      group.push(item);
      rows += item.numRows;
      if (rows >= INGEST_GROUP.rows) {
        yield group;
        group = [];
        rows = 0;
      }
    }
  } finally {
    // Ended early (a refused item, a failed load): the source is told, as `for await` would.
    if (!ended) await items.return?.();
  }
  if (group.length > 0) yield group;
}

/** What {@linkcode loadGroups} runs on the engine, while the connection is the ingest's. */
export interface GroupLoader {
  /** Runs a statement of no parameter; the number its one cell holds (the rows it reports), or -1. */
  run(sql: string): Promise<number>;
  /** Loads one group as `mode` says; the rows loaded, or -1. */
  load(parts: SourcePart[], mode: IngestMode): Promise<number>;
}

/**
 * Whether `source` is loaded by one statement, all or nothing on its own: a
 * table or a batch is one group, which every mode but `create_append` (two
 * statements) loads at once.
 */
export function oneStatement(source: IngestSource, mode: IngestMode): boolean {
  return mode !== "create_append" &&
    (source instanceof Table || source instanceof RecordBatch || source instanceof ArrowBatch);
}

/**
 * Loads every group, the first as `mode` says and the others appended, in one
 * transaction (or the caller's, when one is open already): all or nothing. A
 * source of {@linkcode oneStatement} needs none of its own.
 *
 * @returns The rows loaded (-1 when the engine does not say).
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for a source of no batch; what a
 * group's load or the source throws, once the transaction is rolled back.
 */
export async function loadGroups(
  groups: AsyncGenerator<SourcePart[], void, undefined>,
  mode: IngestMode,
  loader: GroupLoader,
  single = false,
): Promise<number> {
  let own = false;
  try {
    let group = await groups.next();
    if (group.done) {
      throw new ZeroCopyError("INVALID_ARGUMENT", "Connection.ingest: the source has no batch to load");
    }
    // One statement is all or nothing by itself. In a transaction the caller opened (two statements
    // see one transaction id), the ingest is part of it: a BEGIN there would fail, and abort it.
    const begin = !single &&
      await loader.run("select txid_current()") !== await loader.run("select txid_current()");
    if (begin) {
      await loader.run("begin transaction");
      own = true;
    }
    let total = 0;
    for (let first = true; !group.done; first = false) {
      const rows = await loader.load(group.value, first ? mode : "append");
      total = total < 0 || rows < 0 ? -1 : total + rows;
      group = await groups.next();
    }
    if (own) await loader.run("commit");
    own = false;
    return total;
  } catch (error) {
    if (own) await loader.run("rollback").catch(() => {});
    await groups.return(undefined).catch(() => {});
    throw error;
  }
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
