/**
 * `connect()` and `Connection`: DuckDB, embedded and in memory, queried with
 * results read as Arrow in place (query_result.ts, foreign_batch.ts).
 *
 * @module
 */

import { checkLibraryArguments } from "../library/library_arguments.ts";
import { RecordBatch, Table } from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import { openLibrary } from "../library/open.ts";
import type { ZeroCopyLibrary } from "../library/library.ts";
// Loading the module is what lets a library wrap the buffers it adopts (gate.ts `bufferInternals`).
import "../buffer/zero_copy_buffer.ts";
import { what } from "../buffer/gate.ts";
import { ArrowBatch } from "../arrow/batch.ts";
import { openDuckDBEngine } from "./duckdb_engine.ts";
import type { SqlEngine, SqlValue } from "./engine.ts";
import type { QueryResult } from "./query_result.ts";
import type { SourcePart } from "./register_source.ts";
import type { AdbcConnection } from "./adbc/connection.ts";
import { connectDriver } from "./adbc/connect.ts";

/**
 * Options of {@linkcode connect}.
 *
 * @example Connect with the library of your choice
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 * import { connect, type ConnectOptions } from "@zerocopy/zerocopy/sql";
 *
 * const options: ConnectOptions = { library: await openLibrary() };
 * using conn = await connect(options);
 * console.log(conn.closed); // false
 * ```
 */
export interface ConnectOptions {
  /** The libzerocopy that adopts results (default: `openLibrary()`). */
  readonly library?: ZeroCopyLibrary;
  /**
   * An ADBC driver to connect through instead of the embedded DuckDB:
   * `"sqlite"`, `"postgresql"` (the pinned drivers tools/adbc_drivers.sh
   * installs), `"duckdb"` (libduckdb's own ADBC driver) or the absolute path
   * of a driver library. docs/sql.md says more.
   */
  readonly driver?: string;
  /** The database the driver opens: a file or `:memory:` for SQLite, `postgresql://...` for PostgreSQL. */
  readonly uri?: string;
  /** More database options for the driver, by their ADBC names. */
  readonly options?: Readonly<Record<string, string>>;
  /** The driver's init function when not `AdbcDriverInit`. */
  readonly entrypoint?: string;
}

/**
 * Opens an in-memory DuckDB database and a connection to it. libduckdb comes
 * from the npm package `@duckdb/node-bindings-linux-x64` (pinned), through
 * Deno's npm cache.
 *
 * @param options The libzerocopy to use.
 * @returns The connection; close it (`using`, or `close()`).
 * @throws {ZeroCopyError} `UNSUPPORTED_PLATFORM` off linux x86_64,
 * `LIBRARY_NOT_FOUND` when libduckdb cannot be located or loaded; Deno's own
 * `PermissionDenied`/`NotCapable` without `--allow-ffi`.
 *
 * @example Query DuckDB in memory
 * ```ts
 * import { connect } from "@zerocopy/zerocopy/sql";
 *
 * using conn = await connect();
 * using result = await conn.query("select 42 as answer");
 * console.log(result.table.getChild("answer")?.get(0)); // 42
 * ```
 */
export async function connect(
  options?: ConnectOptions & { readonly driver?: undefined },
): Promise<Connection>;
/**
 * Loads the ADBC driver `options.driver` names (`"sqlite"`, `"postgresql"`,
 * `"duckdb"` or an absolute path) and connects to the database `options.uri`
 * names (docs/sql.md, "Drivers").
 *
 * @param options The driver, its `uri` and other database options, the libzerocopy to use.
 * @returns The connection; close it (`using`, or `close()`).
 * @throws {ZeroCopyError} `UNTRUSTED_PATH` for a relative driver path,
 * `LIBRARY_NOT_FOUND` for a driver not installed, `SQL_ERROR` with the
 * driver's message when it cannot be loaded or refuses to connect; Deno's own
 * `NotCapable` when the driver's path is outside the `--allow-ffi` grant.
 *
 * @example SQLite in memory through its ADBC driver
 * ```ts ignore
 * import { connect } from "@zerocopy/zerocopy/sql";
 *
 * await using conn = await connect({ driver: "sqlite", uri: ":memory:" });
 * using result = await conn.query("select 6 * 7 as answer");
 * console.log(result.table.getChild("answer")?.get(0)); // 42n
 * ```
 */
export async function connect(options: ConnectOptions & { readonly driver: string }): Promise<AdbcConnection>;
/**
 * {@linkcode connect} with options whose `driver` is known only at run time:
 * the embedded DuckDB's `Connection` without one, an `AdbcConnection` with one.
 *
 * @param options The libzerocopy to use, and the driver if any.
 * @returns The connection; close it (`using`, or `close()`).
 * @throws {ZeroCopyError} what either form throws.
 *
 * @example Connect with options built elsewhere
 * ```ts
 * import { connect, type ConnectOptions } from "@zerocopy/zerocopy/sql";
 *
 * const options: ConnectOptions = {};
 * using conn = await connect(options);
 * console.log(conn.closed); // false
 * ```
 */
export async function connect(options?: ConnectOptions): Promise<Connection | AdbcConnection>;
export async function connect(options: ConnectOptions = {}): Promise<Connection | AdbcConnection> {
  if (options.driver !== undefined) return await connectDriver(options);
  const library = options.library ?? await openLibrary();
  // An opened libzerocopy, not an object with its shape: it drives DuckDB.
  checkLibraryArguments(library, undefined, "connect");
  if (typeof (library.symbols as Record<string, unknown>).zc_sql_duckdb_open !== "function") {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `connect's library "${library.path}" was opened without zc_sql_duckdb_open: pass libzerocopy (openLibrary()), or leave "library" out`,
    );
  }
  return new Connection(await openDuckDBEngine(library));
}

/**
 * What {@linkcode Connection.prototype.register} makes queryable: an
 * `ArrowBatch` Zig handed over (scanned in place), or an apache-arrow `Table`
 * or `RecordBatch`.
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
export type RegisterSource = ArrowBatch | Table | RecordBatch;

/**
 * A connection to an embedded DuckDB database. Queries run one at a time, in
 * the order they were asked, each off the event loop; closing waits for the
 * one running. Results outlive the connection: each record batch owns its
 * memory until it is given back.
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
export class Connection implements Disposable {
  readonly #engine: SqlEngine;
  #closed = false;

  /** @internal Use {@linkcode connect}. */
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
   * @param sql SQL statements; with `parameters`, one statement.
   * @param parameters Values for the statement's `?` or `$1, $2, ...`, in order.
   * @returns The result; dispose it to give its memory back to the engine.
   * @throws {ZeroCopyError} `SQL_ERROR` with the engine's message for a
   * statement it refuses (parameters of the wrong number included);
   * `DISPOSED` once the connection is closed; `ARROW_UNSUPPORTED` for a result
   * column of a type not read yet (cast it); `INVALID_ARGUMENT` for a `sql`
   * that is not a string or a parameter that cannot be bound.
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
  query(sql: string, parameters?: readonly SqlValue[]): Promise<QueryResult> {
    try {
      this.#checkSql(sql, "query");
      if (parameters !== undefined && !Array.isArray(parameters)) {
        throw new ZeroCopyError(
          "INVALID_ARGUMENT",
          `Connection.query takes its parameters as an array, not ${what(parameters)}`,
        );
      }
      return this.#engine.query(sql, parameters);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs one statement and yields its result a batch at a time, as the
   * engine produces them: a result larger than memory can be read through.
   * Each batch is a {@linkcode QueryResult} of its own, to dispose (or leave to
   * the garbage collector) when done; the engine's result is given back once,
   * when the loop ends, breaks or throws. The connection runs nothing else
   * meanwhile: statements asked during the stream wait for its end.
   *
   * @param sql One SQL statement.
   * @returns The batches, in order.
   * @throws {ZeroCopyError} what {@linkcode Connection.prototype.query} throws, while iterating.
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
   */
  queryStream(sql: string): AsyncIterableIterator<QueryResult> {
    this.#checkSql(sql, "queryStream");
    return this.#engine.queryStream(sql);
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
   * the rows.
   *
   * @param name The view's name.
   * @param source The batches: an `ArrowBatch`, an apache-arrow `Table` or `RecordBatch`.
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` for a name taken or not a
   * non-empty string, a source of another kind, a table of no batch;
   * `ARROW_UNSUPPORTED`/`ARROW_INVALID` for a column that cannot be lent
   * (docs/arrow.md); `SQL_ERROR` when the engine refuses the view (a table of
   * that name exists); `DISPOSED` after close.
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
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` for a name not registered; `DISPOSED` after close.
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
    this.#engine.close();
  }

  /** {@linkcode Connection.prototype.close}. */
  [Symbol.dispose](): void {
    this.close();
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

/** The record batches of a source, or `INVALID_ARGUMENT`. */
function batchesOf(source: unknown): SourcePart[] {
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
  throw new ZeroCopyError(
    "INVALID_ARGUMENT",
    `Connection.register takes an ArrowBatch, an apache-arrow Table or RecordBatch, not ${what(source)}`,
  );
}

function closedError(): ZeroCopyError {
  return new ZeroCopyError("DISPOSED", "Cannot use a closed Connection: connect() again");
}
