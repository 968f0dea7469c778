/**
 * `connect()` and `Connection`: DuckDB, embedded and in memory, queried with
 * results read as Arrow in place (query_result.ts, foreign_batch.ts).
 *
 * @module
 */

import { checkLibraryArguments } from "../library/library_arguments.ts";
import type { RecordBatch } from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import { openLibrary } from "../library/open.ts";
import type { ZeroCopyLibrary } from "../library/library.ts";
import type { ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";
// Loading the module is what lets a library wrap the buffers it adopts (gate.ts `bufferInternals`).
import "../buffer/zero_copy_buffer.ts";
import { addressOf } from "../buffer/gate_memory.ts";
import { ARRAY_BYTES, ArrayOffset, SCHEMA_BYTES } from "../arrow/c_data.ts";
import { type DuckDB, openDuckDB } from "./duckdb_library.ts";
import { engineMessage } from "./engine_message.ts";
import { adoptForeign } from "./foreign_batch.ts";
import { QueryResult } from "./query_result.ts";
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

const encoder = new TextEncoder();

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
  const duckdb = await openDuckDB();
  const library = options.library ?? await openLibrary();
  // An opened library, not an object with its shape: its own zc_address_of tells DuckDB where to write.
  checkLibraryArguments(library, undefined, "connect");
  if (typeof (library.symbols as Record<string, unknown>).zc_arrow_foreign_adopt !== "function") {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `connect's library "${library.path}" was opened without zc_arrow_foreign_adopt: pass libzerocopy (openLibrary()), or leave "library" out`,
    );
  }
  const database = new BigUint64Array(1);
  if (duckdb.symbols.duckdb_open(null, database) !== 0) {
    throw new ZeroCopyError("SQL_ERROR", "DuckDB could not open an in-memory database");
  }
  const connection = new BigUint64Array(1);
  if (duckdb.symbols.duckdb_connect(database[0], connection) !== 0) {
    duckdb.symbols.duckdb_close(database);
    throw new ZeroCopyError("SQL_ERROR", "DuckDB could not connect to its in-memory database");
  }
  return new Connection(duckdb, library, database, connection);
}

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
  readonly #duckdb: DuckDB;
  readonly #library: ZeroCopyLibrary;
  readonly #database: BigUint64Array<ArrayBuffer>;
  readonly #connection: BigUint64Array<ArrayBuffer>;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  /** @internal Use {@linkcode connect}. */
  constructor(
    duckdb: DuckDB,
    library: ZeroCopyLibrary,
    database: BigUint64Array<ArrayBuffer>,
    connection: BigUint64Array<ArrayBuffer>,
  ) {
    this.#duckdb = duckdb;
    this.#library = library;
    this.#database = database;
    this.#connection = connection;
  }

  /** Whether the connection was closed; never throws. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Runs `sql` and reads its result as Arrow, in place.
   *
   * @param sql One SQL statement.
   * @returns The result; dispose it to give its memory back to the engine.
   * @throws {ZeroCopyError} `SQL_ERROR` with the engine's message for a
   * statement it refuses; `DISPOSED` once the connection is closed;
   * `ARROW_UNSUPPORTED` for a result column of a type not read yet (cast it);
   * `INVALID_ARGUMENT` for a `sql` that is not a string.
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
  query(sql: string): Promise<QueryResult> {
    if (typeof sql !== "string") {
      return Promise.reject(
        new ZeroCopyError("INVALID_ARGUMENT", `Connection.query takes SQL as a string, not ${typeof sql}`),
      );
    }
    if (this.#closed) return Promise.reject(closedError());
    const run = this.#queue.then(() => this.#run(sql));
    // Settled with nothing: the queue must not keep the last result alive.
    this.#queue = run.then(() => {}, () => {});
    return run;
  }

  /** Closes the connection and its database once the running query is done; later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    void this.#queue.then(() => {
      this.#duckdb.symbols.duckdb_disconnect(this.#connection);
      this.#duckdb.symbols.duckdb_close(this.#database);
    });
  }

  /** {@linkcode Connection.prototype.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  async #run(sql: string): Promise<QueryResult> {
    if (this.#closed) throw closedError();
    const symbols = this.#duckdb.symbols;
    const handle = new BigUint64Array(1);
    const state = await symbols.duckdb_query_arrow(this.#connection[0], encoder.encode(`${sql}\0`), handle);
    try {
      if (state !== 0) {
        const message = handle[0] === 0n
          ? "no result"
          : engineMessage(symbols.duckdb_query_arrow_error(handle[0]), "no message");
        throw new ZeroCopyError("SQL_ERROR", `DuckDB refused the query: ${message}`);
      }
      return this.#read(handle[0]);
    } finally {
      symbols.duckdb_destroy_arrow(handle);
    }
  }

  /** Every chunk of a materialized result, adopted as it comes. */
  #read(result: bigint): QueryResult {
    const symbols = this.#duckdb.symbols;
    // The structs DuckDB fills, and the two pointers to them its Arrow API takes.
    const structs = new Uint8Array(SCHEMA_BYTES + ARRAY_BYTES);
    const schema = structs.subarray(0, SCHEMA_BYTES);
    const array = structs.subarray(SCHEMA_BYTES);
    const pointers = new BigUint64Array([addressOf(schema, this.#library), addressOf(array, this.#library)]);
    const library = this.#library as unknown as {
      symbols: { zc_arrow_foreign_release(schema: BufferSource | null, array: BufferSource | null): void };
    };
    if (symbols.duckdb_query_arrow_schema(result, pointers.subarray(0, 1)) !== 0) {
      throw new ZeroCopyError("SQL_ERROR", "DuckDB could not describe the result's Arrow schema");
    }
    const batches: RecordBatch[] = [];
    const buffers: ZeroCopyBuffer<"u8">[] = [];
    try {
      for (;;) {
        array.fill(0);
        if (symbols.duckdb_query_arrow_array(result, pointers.subarray(1, 2)) !== 0) {
          library.symbols.zc_arrow_foreign_release(null, array);
          throw new ZeroCopyError(
            "SQL_ERROR",
            `DuckDB could not fetch a result chunk: ${
              engineMessage(symbols.duckdb_query_arrow_error(result), "no message")
            }`,
          );
        }
        if (released(array)) break; // no chunk left
        const adopted = adoptForeign(this.#library, schema, array);
        batches.push(adopted.batch);
        buffers.push(...adopted.buffers);
      }
    } catch (error) {
      for (const buffer of buffers) buffer[Symbol.dispose]();
      throw error;
    } finally {
      library.symbols.zc_arrow_foreign_release(schema, null);
    }
    return new QueryResult(batches, buffers);
  }
}

/** Whether an `ArrowArray`'s `release` is null: never filled, or given away. */
function released(array: Uint8Array): boolean {
  const view = new DataView(array.buffer, array.byteOffset, array.byteLength);
  return view.getBigUint64(ArrayOffset.release, true) === 0n;
}

function closedError(): ZeroCopyError {
  return new ZeroCopyError("DISPOSED", "Cannot query a closed Connection: connect() again");
}
