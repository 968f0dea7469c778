/**
 * `AdbcEngine`: SQL through an ADBC driver Zig loaded
 * (zig/zerocopy/sql/adbc_*.zig). The driver's database, connection and
 * statements live in Zig's memory behind one handle; each query runs off the
 * event loop and returns the driver's `ArrowArrayStream`, read in place
 * (src/arrow/stream.ts). Batches to ingest or bind are lent as C Data structs
 * for the call, and Zig hands the driver copies of the structs it wrote.
 *
 * @module
 */

import type { RecordBatch } from "apache-arrow";
import type { IngestMode, IngestSource, SqlEngine, SqlValue } from "../engine.ts";
import { type QueryStream, queueStream, type StreamHold } from "../query_stream.ts";
import type { SourcePart } from "../register_source.ts";
import type { StreamSupply } from "../register_stream.ts";
import { ZeroCopyError } from "../../errors.ts";
import { STATUS } from "../../abi/layout.ts";
import { abiLayout } from "../../abi/symbols.ts";
import type { ZeroCopyBuffer } from "../../buffer/zero_copy_buffer.ts";
import { libraryInternals, type ZeroCopyLibrary } from "../../library/library.ts";
import type { ForeignLibraryInterface } from "../../runtime/ffi_types.ts";
import { lendStructs, type LentStructs } from "../../arrow/lend.ts";
import { ArrowStream, nextParts, type StreamSymbols, streamSymbolsOf } from "../../arrow/stream.ts";
import { QueryResult } from "../query_result.ts";
import { markOwners } from "../../arrow/batch.ts";
import { paramsBatch } from "./sources.ts";
import { type IngestLoan, lendForIngest } from "./ingest_loan.ts";

const STREAM_OUT_BYTES = abiLayout.structs.StreamOut.size;
const HANDLE_AT = abiLayout.structs.StreamOut.fields.handle;
const MESSAGE_BYTES = 4096;
const encoder = new TextEncoder();
const utf8 = new TextDecoder();

/** The libzerocopy exports an ADBC connection calls. */
interface AdbcSymbols extends StreamSymbols {
  zc_adbc_connect(
    path: ArrayBuffer | ArrayBufferView,
    pathLength: bigint,
    entrypoint: ArrayBuffer | ArrayBufferView,
    entrypointLength: bigint,
    options: ArrayBuffer | ArrayBufferView | null,
    optionsLength: bigint,
    message: ArrayBuffer | ArrayBufferView,
    messageLength: bigint,
    out: ArrayBuffer | ArrayBufferView,
  ): Promise<number>;
  zc_adbc_query(
    connection: bigint,
    sql: ArrayBuffer | ArrayBufferView,
    sqlLength: bigint,
    schema: ArrayBuffer | ArrayBufferView | null,
    array: ArrayBuffer | ArrayBufferView | null,
    message: ArrayBuffer | ArrayBufferView,
    messageLength: bigint,
    out: ArrayBuffer | ArrayBufferView,
  ): Promise<number>;
  zc_adbc_ingest(
    connection: bigint,
    table: ArrayBuffer | ArrayBufferView,
    tableLength: bigint,
    mode: number,
    lent: bigint,
    message: ArrayBuffer | ArrayBufferView,
    messageLength: bigint,
    rows: ArrayBuffer | ArrayBufferView,
  ): Promise<number>;
  zc_adbc_close(connection: bigint): void;
}

/** What a stream's end releases: the driver's stream, then the parameters lent to it. */
interface StreamState {
  stream: ArrowStream | null;
  lent: LentStructs | null;
}

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
): Promise<AdbcEngine> {
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
  return new AdbcEngine(lib, symbols, new DataView(out.buffer).getBigUint64(HANDLE_AT, true));
}

/** A database and connection of an ADBC driver behind one handle. */
export class AdbcEngine implements SqlEngine {
  readonly #lib: ZeroCopyLibrary<ForeignLibraryInterface>;
  readonly #symbols: AdbcSymbols;
  readonly #handle: bigint;
  /** Closes the connection once this engine is gone, even with a terminated worker's isolate. */
  readonly #guard: object | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Ingests reading their source: a close ends their streams rather than wait for the source. */
  readonly #ingests = new Set<IngestLoan>();

  /** @internal Use {@linkcode connectAdbc}. */
  constructor(lib: ZeroCopyLibrary<ForeignLibraryInterface>, symbols: AdbcSymbols, handle: bigint) {
    this.#lib = lib;
    this.#symbols = symbols;
    this.#handle = handle;
    this.#guard = libraryInternals.mappingOf(lib).closeWhenGone(handle);
    connectionNet.register(this, { symbols, handle }, this);
  }

  query(sql: string, params: readonly SqlValue[]): Promise<QueryResult> {
    return this.#enqueue(async () => {
      const lent = params.length === 0 ? null : lendStructs(this.#lib, paramsBatch(params), "query", true);
      try {
        const stream = await this.#execute(sql, lent);
        const batches: RecordBatch[] = [];
        const buffers: ZeroCopyBuffer<"u8">[] = [];
        try {
          for (let parts = await nextParts(stream); parts !== null; parts = await nextParts(stream)) {
            markOwners(parts.batch, parts.buffers);
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

  queryStream(sql: string, params: readonly SqlValue[]): QueryStream {
    const driver: StreamState = { stream: null, lent: null };
    const { stream, next } = queueStream(
      this.#queue,
      () => {
        // The bound parameters stay lent until the driver's stream, which may read them, is released.
        driver.stream?.[Symbol.dispose]();
        driver.lent?.release();
      },
      (turn, hold) => this.#stream(sql, params, turn, driver, hold),
    );
    // The connection is the stream's until it ends: PostgreSQL's driver refuses another statement meanwhile.
    this.#queue = next;
    return stream;
  }

  async *#stream(
    sql: string,
    params: readonly SqlValue[],
    turn: Promise<unknown>,
    driver: StreamState,
    hold: StreamHold,
  ): AsyncGenerator<QueryResult, void, undefined> {
    try {
      await turn;
      if (params.length > 0) driver.lent = lendStructs(this.#lib, paramsBatch(params), "queryStream", true);
      const stream = driver.stream = await this.#execute(sql, driver.lent);
      for (let parts = await partsOf(stream); parts !== null; parts = await partsOf(stream)) {
        yield new QueryResult([parts.batch], parts.buffers);
      }
    } finally {
      hold.end();
    }
  }

  ingest(table: string, source: IngestSource, mode: IngestMode): Promise<number> {
    return this.#enqueue(async () => {
      const name = cString(table);
      const loan = await lendForIngest(this.#lib, source);
      const message = new Uint8Array(MESSAGE_BYTES);
      const rows = new BigInt64Array(1);
      this.#ingests.add(loan);
      if (this.#closed) loan.abort(closedDuringIngest()); // closed while the source gave its first batch
      try {
        return await loan.run(async () => {
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
          return Number(rows[0]);
        });
      } finally {
        this.#ingests.delete(loan);
      }
    });
  }

  register(_name: string, _batches: readonly SourcePart[] | StreamSupply): Promise<void> {
    return Promise.reject(
      new ZeroCopyError(
        "SQL_UNSUPPORTED",
        "Connection.register: an engine reached through an ADBC driver cannot scan Arrow memory in place; load the data with conn.ingest(table, source), or register it on the embedded DuckDB (connect())",
      ),
    );
  }

  unregister(name: string): Promise<void> {
    return this.register(name, []);
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      connectionNet.unregister(this);
      for (const loan of this.#ingests) loan.abort(closedDuringIngest());
      this.#queue = this.#queue.then(() => this.#symbols.zc_adbc_close(this.#handle));
    }
    return this.#queue.then(() => {});
  }

  #enqueue<R>(run: () => Promise<R>): Promise<R> {
    if (this.#closed) return Promise.reject(closedError());
    const result = this.#queue.then(run); // asked before close: runs, close waits for it
    this.#queue = result.then(() => {}, () => {});
    return result;
  }

  async #execute(sql: string, lent: LentStructs | null): Promise<ArrowStream> {
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

/** The stream's next batch and its buffers, a producer's failure read as the driver's. */
async function partsOf(stream: ArrowStream): ReturnType<typeof nextParts> {
  try {
    return await nextParts(stream);
  } catch (error) {
    throw sqlError(error);
  }
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

function closedDuringIngest(): ZeroCopyError {
  return new ZeroCopyError("DISPOSED", "Connection.ingest: the Connection was closed during the ingest");
}

function closedError(): ZeroCopyError {
  return new ZeroCopyError("DISPOSED", "Cannot use a closed Connection: connect() again");
}
