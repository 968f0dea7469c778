/**
 * `QueryResult`: the Arrow record batches a SQL engine produced for one
 * query, read in place, and the owner that gives them back to the engine
 * exactly once.
 *
 * @module
 */

import { type RecordBatch, Table } from "apache-arrow";
import { markOwners, refuseReads } from "../arrow/batch.ts";
import { ZeroCopyError } from "../errors.ts";
import type { ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";

/**
 * A query's result as an apache-arrow `Table` whose columns view the Arrow
 * buffers the engine produced: nothing is copied on this side. Each record
 * batch (DuckDB makes one per 2,048 rows) is given back to the engine, through
 * its own `release`, once the result is disposed, or after garbage collection
 * once neither the result nor any apache-arrow object or view over its memory
 * is reachable.
 *
 * Disposing detaches that memory: the getters then throw `DISPOSED`, and so
 * does reading a value of a `Table` or vector kept from before.
 *
 * @example Sum a column DuckDB computed
 * ```ts
 * import { connect } from "@zerocopy/zerocopy/sql";
 *
 * using conn = await connect();
 * using result = await conn.query("select i::integer as i from range(5) t(i)");
 * let sum = 0;
 * for (const value of result.table.getChild("i")!) sum += value;
 * console.log(result.numRows, sum); // 5 10
 * ```
 */
export class QueryResult implements Disposable {
  #batches: RecordBatch[] | null;
  #buffers: ZeroCopyBuffer<"u8">[];
  #table: Table | null = null;

  /** @internal Made by `Connection.query`. */
  constructor(batches: RecordBatch[], buffers: ZeroCopyBuffer<"u8">[]) {
    this.#batches = batches;
    this.#buffers = buffers;
    // A table over the result lent to a nonblocking call (a registration) pins the engine's memory, not a
    // copy. A result of several batches is marked per batch by its engine (`markOwners`), so that lending
    // one batch weighs its own buffers only.
    if (batches.length === 1) markOwners(batches[0], buffers);
  }

  /** The result as one apache-arrow `Table` of its record batches, over the engine's memory. */
  get table(): Table {
    const batches = this.#live();
    return this.#table ??= new Table(batches);
  }

  /** The record batches, in the order the engine produced them. */
  get batches(): readonly RecordBatch[] {
    return this.#live();
  }

  /** Rows in all the batches. */
  get numRows(): number {
    return this.#live().reduce((rows, batch) => rows + batch.numRows, 0);
  }

  /** Whether the result was disposed; never throws. */
  get disposed(): boolean {
    return this.#batches === null;
  }

  /** Gives every batch back to the engine now; later calls do nothing. */
  [Symbol.dispose](): void {
    const batches = this.#batches;
    if (batches === null) return;
    for (const batch of batches) refuseReads(batch.data, disposedRead);
    this.#batches = null;
    this.#table = null;
    for (const buffer of this.#buffers) buffer[Symbol.dispose]();
    this.#buffers = [];
  }

  #live(): RecordBatch[] {
    if (this.#batches === null) {
      throw new ZeroCopyError(
        "DISPOSED",
        "Cannot use a disposed QueryResult: its memory went back to the engine; keep the result alive until you are done with its table",
      );
    }
    return this.#batches;
  }
}

function disposedRead(): never {
  throw new ZeroCopyError(
    "DISPOSED",
    "Cannot read a value of a Table whose QueryResult was disposed: its memory went back to the engine; keep the result alive until you are done with its table, or copy what you need first (table.toArray())",
  );
}
