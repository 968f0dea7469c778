/**
 * `AdbcConnection`: SQL through an ADBC driver Zig loaded
 * (zig/zerocopy/sql/adbc_*.zig). The driver's database, connection and
 * statements live in Zig's memory behind one handle; each query runs off the
 * event loop and returns the driver's `ArrowArrayStream`, read in place
 * (src/arrow/stream.ts). Batches to ingest or bind are lent as C Data structs
 * for the call, and Zig hands the driver copies of the structs it wrote.
 *
 * @module
 */

import type { RecordBatch } from "apache-arrow";
import { ZeroCopyError } from "../../errors.ts";
import { STATUS } from "../../abi/layout.ts";
import { abiLayout } from "../../abi/symbols.ts";
import type { ZeroCopyBuffer } from "../../buffer/zero_copy_buffer.ts";
import type { ZeroCopyLibrary } from "../../library/library.ts";
import type { ForeignLibraryInterface } from "../../runtime/ffi_types.ts";
import { lendStructs, type LentStructs } from "../../arrow/lend.ts";
import { ArrowStream, nextParts, type StreamSymbols, streamSymbolsOf } from "../../arrow/stream.ts";
import { QueryResult } from "../query_result.ts";
import { type IngestSource, paramsBatch, type SqlParam } from "./sources.ts";
import { lendAsStream } from "../../arrow/lend_stream.ts";

const STREAM_OUT_BYTES = abiLayout.structs.StreamOut.size;
const HANDLE_AT = abiLayout.structs.StreamOut.fields.handle;
const MESSAGE_BYTES = 4096;
const encoder = new TextEncoder();
const utf8 = new TextDecoder();

/** The libzerocopy exports an ADBC connection calls. */
interface AdbcSymbols extends StreamSymbols {
  zc_adbc_connect(
    path: BufferSource,
    pathLength: bigint,
    entrypoint: BufferSource,
    entrypointLength: bigint,
    options: BufferSource | null,
    optionsLength: bigint,
    message: BufferSource,
    messageLength: bigint,
    out: BufferSource,
  ): Promise<number>;
  zc_adbc_query(
    connection: bigint,
    sql: BufferSource,
    sqlLength: bigint,
    schema: BufferSource | null,
    array: BufferSource | null,
    message: BufferSource,
    messageLength: bigint,
    out: BufferSource,
  ): Promise<number>;
  zc_adbc_ingest(
    connection: bigint,
    table: BufferSource,
    tableLength: bigint,
    mode: number,
    lent: bigint,
    message: BufferSource,
    messageLength: bigint,
    rows: BufferSource,
  ): Promise<number>;
  zc_adbc_close(connection: bigint): void;
}

/**
 * How {@linkcode AdbcConnection.prototype.ingest} treats an existing table.
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
const MODES: Record<IngestMode, number> = { create: 0, append: 1, replace: 2, create_append: 3 };

function cString(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${text}\0`);
}

function messageOf(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return utf8.decode(bytes.subarray(0, end < 0 ? bytes.length : end)) || "no message";
}

// A connection never closed is closed once collected.
const connectionNet = new FinalizationRegistry<{ symbols: AdbcSymbols; handle: bigint }>((
  { symbols, handle },
) => symbols.zc_adbc_close(handle));

/** Loads the driver and connects; what `connect({ driver })` calls. */
export async function connectAdbc(
  lib: ZeroCopyLibrary<ForeignLibraryInterface>,
  driver: { path: string; entrypoint: string },
  options: Readonly<Record<string, string>>,
): Promise<AdbcConnection> {
  const symbols = streamSymbolsOf(lib, "connect") as AdbcSymbols;
  if (typeof symbols.zc_adbc_connect !== "function") {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `connect: the library "${lib.path}" has no zc_adbc_* exports`,
    );
  }
  const path = cString(driver.path);
  const entrypoint = cString(driver.entrypoint);
  const pairs = Object.entries(options).flatMap(([key, value]) => [key, value]);
  for (const text of pairs) {
    if (typeof text !== "string" || text.includes("\0")) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        "connect: driver options are strings without NUL characters",
      );
    }
  }
  const packed = pairs.length === 0 ? null : encoder.encode(pairs.map((text) => `${text}\0`).join(""));
  const message = new Uint8Array(MESSAGE_BYTES);
  const out = new Uint8Array(STREAM_OUT_BYTES);
  const status = await symbols.zc_adbc_connect(
    path,
    BigInt(path.length),
    entrypoint,
    BigInt(entrypoint.length),
    packed,
    BigInt(packed?.length ?? 0),
    message,
    BigInt(message.length),
    out,
  );
  if (status !== STATUS.ok) {
    throw new ZeroCopyError(
      "SQL_ERROR",
      `Cannot connect through the ADBC driver "${driver.path}": ${messageOf(message)}`,
    );
  }
  return new AdbcConnection(lib, symbols, new DataView(out.buffer).getBigUint64(HANDLE_AT, true));
}

/**
 * A connection through an ADBC driver (SQLite, PostgreSQL, DuckDB's, or any
 * other driver library): made by `connect({ driver })`. Queries run one at a
 * time, in the order asked, each off the event loop. Results outlive the
 * connection: the driver's objects are released once the last result stream
 * over them is.
 *
 * @example SQLite through its ADBC driver
 * ```ts ignore
 * import { connect } from "@zerocopy/zerocopy/sql";
 *
 * await using conn = await connect({ driver: "sqlite" });
 * using result = await conn.query("select 6 * 7 as answer");
 * console.log(result.table.getChild("answer")?.get(0)); // 42n
 * ```
 */
export class AdbcConnection implements Disposable, AsyncDisposable {
  readonly #lib: ZeroCopyLibrary<ForeignLibraryInterface>;
  readonly #symbols: AdbcSymbols;
  readonly #handle: bigint;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** @internal Use `connect({ driver })`. */
  constructor(lib: ZeroCopyLibrary<ForeignLibraryInterface>, symbols: AdbcSymbols, handle: bigint) {
    this.#lib = lib;
    this.#symbols = symbols;
    this.#handle = handle;
    connectionNet.register(this, { symbols, handle }, this);
  }

  /** Whether the connection was closed; never throws. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Runs `sql` and reads its whole result as Arrow, in place.
   *
   * @param sql One SQL statement.
   * @param params Values bound to its parameters (`?` for SQLite, `$1` for
   * PostgreSQL): numbers as float64, bigints as int64, strings, booleans.
   * @returns The result; dispose it to give its memory back to the driver.
   * @throws {ZeroCopyError} `SQL_ERROR` with the driver's message; `DISPOSED`
   * once the connection is closed; `ARROW_UNSUPPORTED` for a result column of
   * a type not read yet (cast it); `INVALID_ARGUMENT` for a parameter of
   * another type.
   */
  query(sql: string, params?: readonly SqlParam[]): Promise<QueryResult> {
    return this.#enqueue(async () => {
      const lent = params === undefined ? null : lendStructs(this.#lib, paramsBatch(params), "query", true);
      try {
        const stream = await this.#execute(sql, lent);
        const batches: RecordBatch[] = [];
        const buffers: ZeroCopyBuffer<"u8">[] = [];
        try {
          for (let parts = await nextParts(stream); parts !== null; parts = await nextParts(stream)) {
            batches.push(parts.batch);
            buffers.push(...parts.buffers);
          }
        } catch (error) {
          for (const buffer of buffers) buffer[Symbol.dispose]();
          throw sqlError(error);
        } finally {
          stream[Symbol.dispose]();
        }
        return new QueryResult(batches, buffers);
      } finally {
        lent?.release();
      }
    });
  }

  /**
   * Runs `sql` and returns its result as a stream of batches read as the
   * driver produces them: for results too large to hold at once. The stream
   * holds the statement; PostgreSQL's driver refuses another query on the
   * connection until it is read to its end or disposed.
   *
   * @param sql One SQL statement.
   * @returns The stream (dispose it, or read it to its end).
   * @throws {ZeroCopyError} what {@linkcode AdbcConnection.prototype.query} throws.
   */
  queryStream(sql: string): Promise<ArrowStream> {
    return this.#enqueue(() => this.#execute(sql, null));
  }

  /**
   * Loads `source` into the table `table` through ADBC bulk ingest, in one
   * statement: its batches are lent to the driver as one `ArrowArrayStream`
   * whose callbacks are Zig's (no copy on this side).
   *
   * @param table The table's name.
   * @param source An apache-arrow `Table` or `RecordBatch`, an `ArrowBatch`,
   * or an (async) iterable of batches.
   * @param mode `create` (default: the table must not exist), `append`,
   * `replace` or `create_append`.
   * @returns The rows the driver reports loaded (-1 when it does not say).
   * @throws {ZeroCopyError} `SQL_ERROR` with the driver's message;
   * `ARROW_UNSUPPORTED` for a column of a type not lent; `DISPOSED` once closed.
   */
  ingest(table: string, source: IngestSource, mode: IngestMode = "create"): Promise<number> {
    if (typeof table !== "string" || table.includes("\0")) {
      return Promise.reject(new ZeroCopyError("INVALID_ARGUMENT", "ingest takes a table name as a string"));
    }
    if (!Object.hasOwn(MODES, mode)) {
      return Promise.reject(
        new ZeroCopyError(
          "INVALID_ARGUMENT",
          `ingest: mode ${JSON.stringify(mode)} is not one of ${Object.keys(MODES).join(", ")}`,
        ),
      );
    }
    return this.#enqueue(async () => {
      const name = cString(table);
      const loan = await lendAsStream(this.#lib, source, "ingest", true);
      const message = new Uint8Array(MESSAGE_BYTES);
      const rows = new BigInt64Array(1);
      try {
        if (this.#closed) throw closedError();
        const status = await this.#symbols.zc_adbc_ingest(
          this.#handle,
          name,
          BigInt(name.length),
          MODES[mode],
          loan.handle,
          message,
          BigInt(message.length),
          rows,
        );
        this.#check(status, message, "ingest");
      } finally {
        loan.end();
      }
      return Number(rows[0]);
    });
  }

  /**
   * Refused: an ADBC driver copies what it is given, so no source can be
   * queried in place through it. Load it with {@linkcode AdbcConnection.prototype.ingest}.
   *
   * @throws {ZeroCopyError} `SQL_UNSUPPORTED`, always.
   */
  register(_name: string, _source: unknown): never {
    throw new ZeroCopyError(
      "SQL_UNSUPPORTED",
      "register: an engine reached through an ADBC driver cannot scan Arrow memory in place; load the data with conn.ingest(table, source), or register it on the embedded DuckDB (connect())",
    );
  }

  /** Refused, as {@linkcode AdbcConnection.prototype.register} is. @throws {ZeroCopyError} `SQL_UNSUPPORTED`. */
  unregister(_name: string): never {
    return this.register(_name, undefined);
  }

  /** Closes the connection once the running call is done; later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    connectionNet.unregister(this);
    void this.#queue.then(() => this.#symbols.zc_adbc_close(this.#handle));
  }

  /** {@linkcode AdbcConnection.prototype.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Closes, then waits for the running call. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.#queue;
  }

  #enqueue<R>(run: () => Promise<R>): Promise<R> {
    if (this.#closed) return Promise.reject(closedError());
    const result = this.#queue.then(() => {
      if (this.#closed) throw closedError();
      return run();
    });
    this.#queue = result.then(() => {}, () => {});
    return result;
  }

  async #execute(sql: string, lent: LentStructs | null): Promise<ArrowStream> {
    if (typeof sql !== "string") {
      throw new ZeroCopyError("INVALID_ARGUMENT", `query takes SQL as a string, not ${typeof sql}`);
    }
    const text = cString(sql);
    const message = new Uint8Array(MESSAGE_BYTES);
    const out = new Uint8Array(STREAM_OUT_BYTES);
    const status = await this.#symbols.zc_adbc_query(
      this.#handle,
      text,
      BigInt(text.length),
      lent?.schema ?? null,
      lent?.array ?? null,
      message,
      BigInt(message.length),
      out,
    );
    this.#check(status, message, "query");
    return streamOf(this.#lib, this.#symbols, new DataView(out.buffer).getBigUint64(HANDLE_AT, true));
  }

  #check(status: number, message: Uint8Array, what: string): void {
    if (status === STATUS.ok) return;
    if (status === STATUS.stale_handle) throw closedError();
    throw new ZeroCopyError("SQL_ERROR", `The ADBC driver refused the ${what}: ${messageOf(message)}`);
  }
}

function streamOf(
  lib: ZeroCopyLibrary<ForeignLibraryInterface>,
  symbols: StreamSymbols,
  handle: bigint,
): ArrowStream {
  return new ArrowStream(lib, symbols, handle);
}

/** A stream's producer failure is the driver's refusal of the query. */
function sqlError(error: unknown): unknown {
  if (error instanceof ZeroCopyError && error.code === "STREAM_FAILED") {
    return new ZeroCopyError(
      "SQL_ERROR",
      error.message.replace(
        "The Arrow stream's producer failed",
        "The ADBC driver failed while reading the result",
      ),
      { cause: error },
    );
  }
  return error;
}

function closedError(): ZeroCopyError {
  return new ZeroCopyError("DISPOSED", "Cannot use a closed ADBC connection: connect() again");
}
