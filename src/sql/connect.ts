/**
 * `connect()`: the embedded DuckDB, or the ADBC driver the options name,
 * behind one {@linkcode Connection}.
 *
 * @module
 */

import { checkLibraryArguments } from "../library/library_arguments.ts";
import { ZeroCopyError } from "../errors.ts";
import { openLibrary } from "../library/open.ts";
import type { ZeroCopyLibrary } from "../library/library.ts";
// Loading the module is what lets a library wrap the buffers it adopts (gate.ts `bufferInternals`).
import "../buffer/zero_copy_buffer.ts";
import { openDuckDBEngine } from "./duckdb_engine.ts";
import { Connection } from "./connection.ts";
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
   * `"sqlite"`, `"postgresql"` (the drivers of the PyPI wheels pinned at
   * `ADBC_DRIVERS_VERSION`: downloaded once, hash-checked and
   * cached, or those tools/adbc_drivers.sh installs beside a checkout),
   * `"duckdb"` (libduckdb's own ADBC driver) or the absolute path of a
   * driver library. docs/sql.md says more.
   */
  readonly driver?: string;
  /** The database the driver opens: a file or `:memory:` for SQLite, `postgresql://...` for PostgreSQL. */
  readonly uri?: string;
  /** More database options for the driver, by their ADBC names. */
  readonly options?: Readonly<Record<string, string>>;
  /** The driver's init function when not `AdbcDriverInit`. */
  readonly entrypoint?: string;
  /**
   * Where `"sqlite"` and `"postgresql"` are cached once downloaded, as
   * `openLibrary`'s `cacheDir`: `<Deno's cache directory>/zerocopy` by default.
   */
  readonly cacheDir?: string;
}

/**
 * Opens a connection: without `options.driver`, to an in-memory DuckDB
 * database embedded in the process (libduckdb from the npm package
 * `@duckdb/node-bindings-linux-x64`, pinned: Deno fetches it into its npm
 * cache, the other runtimes find it installed beside this package); with
 * it, through the ADBC driver it names (`"sqlite"`, `"postgresql"`,
 * `"duckdb"` or an absolute path) to the database `options.uri` names
 * (docs/sql.md, "Drivers"). Either way the same {@linkcode Connection}.
 *
 * @param options The driver and its `uri` and database options, if any; the libzerocopy to use.
 * @returns The connection; close it (`using`, `await using`, or `close()`).
 * @throws {ZeroCopyError} `UNSUPPORTED_PLATFORM` off linux x86_64, or for a
 * named driver with no wheel for this platform; `LIBRARY_NOT_FOUND` when
 * libduckdb or the driver cannot be located or loaded, or libduckdb's package
 * is installed at another version than the pinned one; `HASH_MISMATCH` for a
 * downloaded or cached driver wheel, or the driver in it, with another hash
 * than the pinned one; `DOWNLOAD_FAILED` when the wheel cannot be downloaded;
 * `UNTRUSTED_PATH` for a relative driver path or a cache directory others can
 * write to; `INVALID_ARGUMENT` for a `cacheDir` that is not a path;
 * `SQL_ERROR` with the driver's message when it refuses to connect; Deno's
 * own `PermissionDenied`/`NotCapable` without `--allow-ffi` (for the
 * driver's path), or, to download a named driver, `--allow-net=files.pythonhosted.org`
 * and read and write access to the cache directory.
 *
 * @example Query DuckDB in memory
 * ```ts
 * import { connect } from "@zerocopy/zerocopy/sql";
 *
 * using conn = await connect();
 * using result = await conn.query("select 42 as answer");
 * console.log(result.table.getChild("answer")?.get(0)); // 42
 * ```
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
export async function connect(options: ConnectOptions = {}): Promise<Connection> {
  if (options.driver !== undefined) return new Connection(await connectDriver(options));
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
