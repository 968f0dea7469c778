/**
 * What a SQL engine behind a `Connection` does: the connection checks its
 * arguments; the engine runs them, one call at a time in the order asked.
 * DuckDB embedded (duckdb_engine.ts) and any ADBC driver (adbc/engine.ts)
 * implement it.
 *
 * @module
 */

import type { StreamSource } from "../arrow/lend_stream.ts";
import type { SourcePart } from "./register_source.ts";
import type { StreamSupply } from "./register_stream.ts";
import type { QueryResult } from "./query_result.ts";
import type { QueryStream } from "./query_stream.ts";

/**
 * A value bound to a `?` (or `$1, $2, ...`) of a query, the same on every
 * engine: `null`, a boolean, a number (bound as a 64-bit integer when it is a
 * safe integer, a double otherwise), a bigint (64-bit integer) or a string.
 *
 * @example Parameters of a query
 * ```ts
 * import { connect, type SqlValue } from "@zerocopy/zerocopy/sql";
 *
 * using conn = await connect();
 * const parameters: SqlValue[] = [2, "x"];
 * using result = await conn.query("select ?::integer * 21 as n, ? as s", parameters);
 * console.log(result.table.getChild("n")?.get(0)); // 42
 * ```
 */
export type SqlValue = null | boolean | number | bigint | string;

/**
 * What `Connection.ingest` loads: one batch, a table, or an (async) iterable
 * of batches (apache-arrow `RecordBatch`es or `ArrowBatch`es).
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

/**
 * How `Connection.ingest` treats an existing table: `create` (the table must
 * not exist), `append` (it must), `replace` or `create_append`.
 *
 * @example Append to a table
 * ```ts
 * import type { IngestMode } from "@zerocopy/zerocopy/sql";
 *
 * const mode: IngestMode = "append";
 * console.log(mode); // append
 * ```
 */
export type IngestMode = "create" | "append" | "replace" | "create_append";

/** The modes, in the order of ADBC's ingest modes (zig/zerocopy/sql/adbc_*.zig). */
export const INGEST_MODES: readonly IngestMode[] = ["create", "append", "replace", "create_append"];

/** An engine a `Connection` drives; every method is called after the connection checked its arguments. */
export interface SqlEngine {
  /** Runs `sql` to the end and reads its result. */
  query(sql: string, parameters: readonly SqlValue[]): Promise<QueryResult>;
  /** Runs one statement and reads its result a batch at a time, holding the engine until the stream ends. */
  queryStream(sql: string, parameters: readonly SqlValue[]): QueryStream;
  /**
   * Makes `batches` (one schema, at least one batch; a stream read to its end
   * first) queryable as `name` until unregistered.
   */
  register(name: string, batches: readonly SourcePart[] | StreamSupply): Promise<void>;
  /** Ends a registration. */
  unregister(name: string): Promise<void>;
  /** Loads `source` into `table`; the rows loaded, or -1 when the engine does not say. */
  ingest(table: string, source: IngestSource, mode: IngestMode): Promise<number>;
  /** Ends everything once what runs is done; settles then. */
  close(): Promise<void>;
}
