/**
 * What a SQL engine behind a `Connection` does: the connection checks its
 * arguments and turns sources into record batches; the engine runs. DuckDB
 * embedded (duckdb_engine.ts) is the one built so far.
 *
 * @module
 */

import type { SourcePart } from "./register_source.ts";
import type { QueryResult } from "./query_result.ts";

/**
 * A value bound to a `?` or `$n` of a query: `null`, a boolean, a number
 * (bound as BIGINT when it is a safe integer, DOUBLE otherwise), a bigint
 * (BIGINT) or a string (VARCHAR).
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

/** An engine a `Connection` drives; every method is called after the connection checked its arguments. */
export interface SqlEngine {
  /** Runs `sql` to the end and reads its result. */
  query(sql: string, parameters: readonly SqlValue[] | undefined): Promise<QueryResult>;
  /** Runs one statement and reads its result a batch at a time. */
  queryStream(sql: string): AsyncIterableIterator<QueryResult>;
  /** Makes `batches` (one schema, at least one batch) queryable as `name` until unregistered. */
  register(name: string, batches: readonly SourcePart[]): Promise<void>;
  /** Ends a registration. */
  unregister(name: string): Promise<void>;
  /** Ends everything once what runs is done. */
  close(): void;
}
