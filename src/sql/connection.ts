/**
 * `Connection`: one SQL API over any engine (engine.ts): it checks every
 * argument, so that the same misuse gets the same error on every engine, and
 * the engine runs.
 *
 * @module
 */

import { RecordBatch, Table } from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import { what } from "../buffer/gate.ts";
import { ArrowBatch } from "../arrow/batch.ts";
import { INGEST_MODES, type IngestMode, type IngestSource, type SqlEngine, type SqlValue } from "./engine.ts";
import type { QueryResult } from "./query_result.ts";
import { QueryStream } from "./query_stream.ts";
import type { SourcePart } from "./register_source.ts";
import { type StreamSupply, supplyOf } from "./register_stream.ts";
import type { ArrowStream } from "../arrow/stream.ts";
import { checkParameters } from "./parameters.ts";

/**
 * What {@linkcode Connection.prototype.register} makes queryable: an
 * `ArrowBatch` Zig handed over (scanned in place), an apache-arrow `Table` or
 * `RecordBatch`, or a stream read to its end at registration: an
 * `ArrowStream` (`adoptStream`, `importStream`), a `QueryStream` of another
 * query, or any (async) iterable of `ArrowBatch`es, `RecordBatch`es or
 * `QueryResult`s.
 *
 * @example Register a record batch
 * ```ts
 * import { connect, type RegisterSource } from "@zerocopy/zerocopy/sql";
 * import { tableFromArrays } from "apache-arrow";
 *
 * using conn = await connect();
 * const source: RegisterSource = tableFromArrays({ id: new Int32Array([7, 8]) }).batches[0];
 * await conn.register("ids", source);
 * using result = await conn.query("select max(id) as top from ids");
 * console.log(result.table.getChild("top")?.get(0)); // 8
 * ```
 */
export type RegisterSource =
  | ArrowBatch
  | Table
  | RecordBatch
  | ArrowStream
  | QueryStream
  | AsyncIterable<ArrowBatch | RecordBatch | QueryResult>
  | Iterable<ArrowBatch | RecordBatch | QueryResult>;

/**
 * A connection to a SQL engine, the same whatever the engine: the embedded
 * DuckDB (`connect()`) or a database reached through an ADBC driver
 * (`connect({ driver })`). Statements run one at a time, in the order they
 * were asked, each off the event loop; closing waits for the one running.
 * Results outlive the connection: each record batch owns its memory until it
 * is given back. Where engines differ, the method says so
 * ({@linkcode Connection.prototype.register} needs an engine that scans Arrow in place).
 *
 * @example Several queries on one connection
 * ```ts
 * import { connect } from "@zerocopy/zerocopy/sql";
 *
 * using conn = await connect();
 * await (await conn.query("create table t as select range::integer as i from range(10)"))[Symbol.dispose]();
 * using result = await conn.query("select count(*)::integer as n from t where i % 2 = 0");
 * console.log(result.table.getChild("n")?.get(0)); // 5
 * ```
 */
export class Connection implements Disposable, AsyncDisposable {
  readonly #engine: SqlEngine;
  #closed = false;
  #closing: Promise<void> = Promise.resolve();

  /** @internal Use `connect()`. */
  constructor(engine: SqlEngine) {
    this.#engine = engine;
  }

  /** Whether the connection was closed; never throws. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Runs `sql` and reads its result as Arrow, in place.
   *
   * @param sql SQL statements (DuckDB runs several, answering the last); with `parameters`, one statement.
   * @param parameters Values for the statement's `?` (`$1, $2, ...` for
   * PostgreSQL), in order; an empty array binds nothing.
   * @returns The result; dispose it to give its memory back to the engine.
   * @throws {ZeroCopyError} `SQL_ERROR` with the engine's message for a
   * statement it refuses (parameters of the wrong number included);
   * `DISPOSED` once the connection is closed; `ARROW_UNSUPPORTED` for a result
   * column of a type not read yet (cast it); `INVALID_ARGUMENT` for a `sql`
   * that is not a string or a parameter that is not a {@linkcode SqlValue}.
   *
   * @example A query with nulls
   * ```ts
   * import { connect } from "@zerocopy/zerocopy/sql";
   *
   * using conn = await connect();
   * using result = await conn.query("select * from (values (1, 'a'), (null, 'b')) t(n, s)");
   * console.log(result.table.getChild("n")?.toArray().length, result.table.getChild("n")?.get(1)); // 2 null
   * ```
   */
  query(sql: string, parameters: readonly SqlValue[] = []): Promise<QueryResult> {
    try {
      this.#checkSql(sql, "query");
      checkParameters(parameters, "query");
      return this.#engine.query(sql, parameters);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs one statement and reads its result a batch at a time, as the engine
   * produces them: a result larger than memory can be read through. Each
   * batch is a {@linkcode QueryResult} of its own, to dispose (or leave to the
   * garbage collector) when done; the engine's result is given back exactly
   * once, when the stream ends, a loop over it breaks or throws, or it is
   * disposed. The connection runs nothing else meanwhile: statements asked
   * during the stream wait for its end, so read it to its end or dispose it
   * before awaiting another. A stream asked before `close()` stays readable.
   *
   * @param sql One SQL statement.
   * @param parameters Values for the statement's `?` (`$1, $2, ...` for
   * PostgreSQL), bound as {@linkcode Connection.prototype.query} binds them.
   * @returns The batches, in order.
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` for a `sql` that is not a
   * string or a parameter that is not a {@linkcode SqlValue}, `DISPOSED` once
   * closed; while iterating, what {@linkcode Connection.prototype.query} throws.
   *
   * @example Sum a column a batch at a time
   * ```ts
   * import { connect } from "@zerocopy/zerocopy/sql";
   *
   * using conn = await connect();
   * let total = 0n;
   * for await (using batch of conn.queryStream("select range as i from range(10000)")) {
   *   for (const i of batch.table.getChild("i")!) total += i;
   * }
   * console.log(total); // 49995000n
   * ```
   *
   * @example A stream with parameters
   * ```ts
   * import { connect } from "@zerocopy/zerocopy/sql";
   *
   * using conn = await connect();
   * let rows = 0;
   * for await (using batch of conn.queryStream("select range from range(?) where range % ? = 0", [10000, 7])) {
   *   rows += batch.numRows;
   * }
   * console.log(rows); // 1429
   * ```
   */
  queryStream(sql: string, parameters: readonly SqlValue[] = []): QueryStream {
    this.#checkSql(sql, "queryStream");
    checkParameters(parameters, "queryStream");
    return this.#engine.queryStream(sql, parameters);
  }

  /**
   * Loads `source` into the table `table`, the same way on every engine
   * (ADBC bulk ingest through a driver: its batches are lent to the driver
   * as one `ArrowArrayStream` whose callbacks are Zig's; on the embedded
   * DuckDB, registered under a private name and copied by one statement; an
   * (async) iterable there is read a group of about a million rows at a time,
   * each group loaded before the next is asked for, all in one transaction,
   * or in the caller's when one is open). Unlike
   * {@linkcode Connection.prototype.register}, the rows are copied into the
   * engine: the source can go once this settles.
   *
   * @param table The table's name, taken as one identifier (never SQL).
   * @param source An apache-arrow `Table` or `RecordBatch`, an `ArrowBatch`,
   * or an (async) iterable of batches of one schema.
   * @param mode `create` (default: the table must not exist), `append`,
   * `replace` or `create_append`.
   * @returns The rows the engine reports loaded (-1 when it does not say).
   * @throws {ZeroCopyError} `SQL_ERROR` with the engine's message (a table
   * that exists for `create`, none for `append`); `ARROW_UNSUPPORTED` for a
   * column of a type not lent; `INVALID_ARGUMENT` for a name, source or mode
   * of another kind, a source of no batch; `STREAM_FAILED` for a source that
   * throws (its error as `cause`; on the embedded DuckDB nothing is loaded);
   * `DISPOSED` once closed.
   *
   * @example Load a table built in JavaScript, then query it
   * ```ts
   * import { connect } from "@zerocopy/zerocopy/sql";
   * import { tableFromArrays } from "apache-arrow";
   *
   * using conn = await connect();
   * console.log(await conn.ingest("points", tableFromArrays({ x: new Float64Array([1, 2, 3]) }))); // 3
   * using result = await conn.query("select sum(x) as s from points");
   * console.log(result.table.getChild("s")?.get(0)); // 6
   * ```
   */
  ingest(table: string, source: IngestSource, mode: IngestMode = "create"): Promise<number> {
    try {
      this.#checkName(table, "ingest");
      if ((source as unknown) instanceof QueryStream) {
        // Its batches are QueryResults, and a stream of this connection would hold the turn the ingest waits for.
        throw new ZeroCopyError(
          "INVALID_ARGUMENT",
          "Connection.ingest loads batches, not a QueryStream: register the stream (conn.register), then ingest with SQL",
        );
      }
      if (!INGEST_MODES.includes(mode)) {
        throw new ZeroCopyError(
          "INVALID_ARGUMENT",
          `Connection.ingest: mode ${JSON.stringify(mode)} is not one of ${INGEST_MODES.join(", ")}`,
        );
      }
      return this.#engine.ingest(table, source, mode);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Makes `source` queryable as the view `name`, with no copy of its rows
   * where its memory was handed over by Zig (an {@linkcode ArrowBatch}, or a
   * table over one): the engine scans the columns a query names, in place, on
   * its own threads, for every query until {@linkcode Connection.prototype.unregister}
   * or close. Memory JavaScript owns (a table built in JavaScript) is copied
   * once, into memory JavaScript cannot free under a running scan. The source
   * stays held until then: disposing it meanwhile frees its memory only at
   * unregister. Registration costs a few microseconds per column, whatever
   * the rows. A stream (an `ArrowStream`, a `QueryStream`, any (async)
   * iterable of batches) is read to its end first, each batch added as it
   * arrives: the view scans all of them; the batches of an `ArrowStream` or
   * a `QueryStream` are pinned, not copied, and released once the
   * registration ends. Only the embedded DuckDB scans Arrow memory in place: through
   * an ADBC driver, register is refused with `SQL_UNSUPPORTED` (load the
   * source with {@linkcode Connection.prototype.ingest} instead).
   *
   * @param name The view's name.
   * @param source The batches: an `ArrowBatch`, an apache-arrow `Table` or
   * `RecordBatch`, or a stream of them ({@linkcode RegisterSource}).
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` for a name taken or not a
   * non-empty string, a source of another kind, a table or a stream of no
   * batch (a stream read already), an item that is no batch;
   * `ARROW_UNSUPPORTED`/`ARROW_INVALID` for a column that cannot be lent
   * (docs/arrow.md), batches whose columns change; `STREAM_FAILED` for a
   * stream that fails (its error as `cause`), `DISPOSED` for one disposed
   * before it ended, registering nothing; `SQL_ERROR` when the engine refuses the view (a table of
   * that name exists); `SQL_UNSUPPORTED` through an ADBC driver; `DISPOSED` after close.
   *
   * @example Query a table built in JavaScript
   * ```ts
   * import { connect } from "@zerocopy/zerocopy/sql";
   * import { tableFromArrays } from "apache-arrow";
   *
   * using conn = await connect();
   * await conn.register("t", tableFromArrays({ x: new Int32Array([1, 2, 3]) }));
   * using result = await conn.query("select sum(x)::integer as s from t");
   * console.log(result.table.getChild("s")?.get(0)); // 6
   * ```
   *
   * @example Register the batches an async generator yields
   * ```ts
   * import { connect } from "@zerocopy/zerocopy/sql";
   * import { tableFromArrays } from "apache-arrow";
   *
   * using conn = await connect();
   * async function* readings() {
   *   for (let hour = 0; hour < 24; hour++) {
   *     yield tableFromArrays({ hour: new Int32Array([hour]), kwh: new Float64Array([hour / 2]) }).batches[0];
   *   }
   * }
   * await conn.register("readings", readings());
   * using result = await conn.query("select count(*)::integer as n, sum(kwh) as total from readings");
   * console.log(result.table.get(0)?.toJSON()); // { n: 24, total: 138 }
   * ```
   */
  register(name: string, source: RegisterSource): Promise<void> {
    try {
      this.#checkName(name, "register");
      return this.#engine.register(name, batchesOf(source));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Ends a registration: the view is dropped and the source let go (a source
   * disposed meanwhile is freed now). Runs after the statements asked before it.
   *
   * @param name A name given to {@linkcode Connection.prototype.register}.
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` for a name not registered;
   * `SQL_UNSUPPORTED` through an ADBC driver; `DISPOSED` after close.
   *
   * @example Register, query, unregister
   * ```ts
   * import { connect } from "@zerocopy/zerocopy/sql";
   * import { tableFromArrays } from "apache-arrow";
   *
   * using conn = await connect();
   * await conn.register("t", tableFromArrays({ x: new Float64Array([0.5, 1.5]) }));
   * await conn.unregister("t");
   * await conn.query("select * from t").catch((error) => console.log(error.code)); // SQL_ERROR
   * ```
   */
  unregister(name: string): Promise<void> {
    try {
      this.#checkName(name, "unregister");
      return this.#engine.unregister(name);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Closes the connection once the statements asked before are done (a
   * stream, once it ends): registrations end, then the database closes.
   * Results read before stay valid. Later calls do nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing = this.#engine.close();
  }

  /** {@linkcode Connection.prototype.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * {@linkcode Connection.prototype.close}, settling once the engine is
   * closed: after the streams asked before have ended, so dispose those
   * first (a stream declared with `using` after the connection is).
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.#closing;
  }

  #checkSql(sql: unknown, method: string): void {
    if (typeof sql !== "string") {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Connection.${method} takes SQL as a string, not ${what(sql)}`,
      );
    }
    if (sql.includes("\0")) {
      throw new ZeroCopyError("INVALID_ARGUMENT", `Connection.${method}: the SQL holds a NUL character`);
    }
    if (this.#closed) throw closedError();
  }

  #checkName(name: unknown, method: string): void {
    if (typeof name !== "string" || name === "" || name.includes("\0")) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Connection.${method} takes a name as a non-empty string without NUL, not ${what(name)}`,
      );
    }
    if (this.#closed) throw closedError();
  }
}

/** The record batches of a source, the stream it reads, or `INVALID_ARGUMENT`. */
function batchesOf(source: unknown): SourcePart[] | StreamSupply {
  if (source instanceof ArrowBatch) return [source];
  if (source instanceof RecordBatch) return [source];
  if (source instanceof Table) {
    if (source.batches.length === 0) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        "Connection.register: the table has no batch, so no columns",
      );
    }
    return source.batches;
  }
  const supply = supplyOf(source);
  if (supply !== null) return supply;
  throw new ZeroCopyError(
    "INVALID_ARGUMENT",
    `Connection.register takes an ArrowBatch, an apache-arrow Table or RecordBatch, a stream or an iterable of batches, not ${
      what(source)
    }`,
  );
}

function closedError(): ZeroCopyError {
  return new ZeroCopyError("DISPOSED", "Cannot use a closed Connection: connect() again");
}
