/**
 * DuckDB embedded, driven through libzerocopy's `zc_sql_*` exports
 * (zig/zerocopy/sql/): JavaScript passes handles, numbers and bytes; the
 * database, its connection, results and registered sources live in Zig, and
 * only Zig calls DuckDB. Statements on one connection run one at a time, in
 * the order asked, each off the event loop.
 *
 * @module
 */

import type { RecordBatch } from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import { STATUS } from "../abi/layout.ts";
import { DESCRIPTOR_WORDS } from "../buffer/descriptor.ts";
import type { ZeroCopyLibrary } from "../library/library.ts";
import type { ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";
import type { sqlSymbols } from "../abi/symbols.ts";
import type { LoadedLibrary } from "../runtime/ffi_types.ts";
import { adoptChunk, AdoptScratch, type ForeignBatch } from "../arrow/foreign_batch.ts";
import { QueryResult } from "./query_result.ts";
import { markOwners } from "../arrow/batch.ts";
import { encodeParameters } from "./parameters.ts";
import { duckdbPath } from "./duckdb_library.ts";
import { closeSource, type RegisteredSource, sourceOf, type SourcePart } from "./register_source.ts";
import type { IngestMode, IngestSource, SqlEngine, SqlValue } from "./engine.ts";
import { type QueryStream, queueStream, type StreamHold } from "./query_stream.ts";
import { ingestGroups, ingestStatement, loadGroups, oneStatement, rowsLoaded } from "./duckdb_ingest.ts";
import { drainSupply, StreamSupply } from "./register_stream.ts";

type Symbols = LoadedLibrary<typeof sqlSymbols>["symbols"];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Opens an in-memory database in libduckdb through `lib`. */
export async function openDuckDBEngine(lib: ZeroCopyLibrary): Promise<DuckDBEngine> {
  const path = encoder.encode(await duckdbPath());
  const symbols = lib.symbols as unknown as Symbols;
  const out = new BigUint64Array(1);
  const status = symbols.zc_sql_duckdb_open(path, BigInt(path.length), out);
  if (status === STATUS.invalid_argument) {
    throw new ZeroCopyError(
      "LIBRARY_NOT_FOUND",
      `Cannot load libduckdb "${
        decoder.decode(path)
      }": it is not a loadable DuckDB 1.5 library, or another libduckdb was loaded before in this process`,
    );
  }
  if (status !== STATUS.ok) {
    throw new ZeroCopyError("SQL_ERROR", "DuckDB could not open an in-memory database");
  }
  return new DuckDBEngine(lib, out[0]);
}

/**
 * What a collected engine leaves to close: its connection, and the sources
 * registered on it, once no stream of it is open. DuckDB's threads go on
 * scanning for an open stream between two reads, so a stream dropped with its
 * engine (the two collected together, their finalizers in either order) ends
 * first: its result is closed before the sources' memory goes.
 *
 * @internal Exported for tests/sql_remains_test.ts.
 */
export class Remains {
  #streams = 0;
  #collected = false;

  constructor(
    readonly lib: ZeroCopyLibrary,
    readonly connection: bigint,
    readonly sources: Map<string, RegisteredSource>,
  ) {}

  /** A stream's result is open on the connection. */
  opened(): void {
    this.#streams++;
  }

  /** A stream's result was closed: the last one closes what a collected engine left. */
  closed(): void {
    if (--this.#streams === 0 && this.#collected) this.#close();
  }

  /** The engine was collected without close: what it left goes now, or after its last stream. */
  collect(): void {
    this.#collected = true;
    if (this.#streams === 0) this.#close();
  }

  #close(): void {
    for (const source of this.sources.values()) closeSource(this.lib, source);
    (this.lib.symbols as unknown as Symbols).zc_sql_close(this.connection);
  }
}

// An engine collected without close: nothing runs on it any more (a running statement keeps it
// reachable) but a stream dropped with it. The held value keeps the sources' lends alive.
const collected = new FinalizationRegistry<Remains>((remains) => remains.collect());

let ingests = 0;

/** DuckDB behind a connection handle. */
export class DuckDBEngine implements SqlEngine {
  readonly #lib: ZeroCopyLibrary;
  readonly #symbols: Symbols;
  readonly #connection: bigint;
  readonly #sources = new Map<string, RegisteredSource>();
  readonly #remains: Remains;
  /** Names whose stream is being read for a registration: settled once it is registered or refused. */
  readonly #building = new Map<string, Promise<void>>();
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  /** @internal Use {@linkcode openDuckDBEngine}. */
  constructor(lib: ZeroCopyLibrary, connection: bigint) {
    this.#lib = lib;
    this.#symbols = lib.symbols as unknown as Symbols;
    this.#connection = connection;
    this.#remains = new Remains(lib, connection, this.#sources);
    collected.register(this, this.#remains, this);
  }

  query(sql: string, parameters: readonly SqlValue[]): Promise<QueryResult> {
    const encoded = parameters.length === 0 ? null : encodeParameters(parameters);
    const text = encoder.encode(sql);
    return this.#enqueue(() => this.#execute(text, encoded));
  }

  /** Runs a statement now: the caller holds the connection's turn. */
  async #execute(
    text: Uint8Array<ArrayBuffer>,
    encoded: Uint8Array<ArrayBuffer> | null,
  ): Promise<QueryResult> {
    const result = await this.#start(text, encoded, false);
    try {
      this.#refused(result);
      const batches: RecordBatch[] = [];
      const buffers: ZeroCopyBuffer<"u8">[] = [];
      try {
        const scratch = new AdoptScratch();
        for (let chunk = this.#take(result, scratch); chunk !== null; chunk = this.#take(result, scratch)) {
          markOwners(chunk.batch, chunk.buffers);
          batches.push(chunk.batch);
          buffers.push(...chunk.buffers);
        }
      } catch (error) {
        for (const buffer of buffers) buffer[Symbol.dispose]();
        throw error;
      }
      return new QueryResult(batches, buffers);
    } finally {
      this.#symbols.zc_sql_result_close(result);
    }
  }

  queryStream(sql: string, parameters: readonly SqlValue[]): QueryStream {
    const encoded = parameters.length === 0 ? null : encodeParameters(parameters);
    const symbols = this.#symbols;
    const remains = this.#remains;
    const engine = { result: 0n };
    remains.opened();
    const { stream, next } = queueStream(
      this.#queue,
      () => {
        try {
          if (engine.result !== 0n) symbols.zc_sql_result_close(engine.result);
        } finally {
          remains.closed();
        }
      },
      (turn, hold) => this.#stream(sql, encoded, turn, engine, hold),
    );
    // The connection is the stream's until it ends: DuckDB ends a stream at the next statement.
    this.#queue = next;
    return stream;
  }

  async *#stream(
    sql: string,
    encoded: Uint8Array<ArrayBuffer> | null,
    turn: Promise<unknown>,
    engine: { result: bigint },
    hold: StreamHold,
  ): AsyncGenerator<QueryResult, void, undefined> {
    const text = encoder.encode(sql);
    try {
      await turn;
      const result = engine.result = await this.#start(text, encoded, true);
      this.#refused(result);
      const scratch = new AdoptScratch();
      for (let chunk = this.#take(result, scratch); chunk !== null; chunk = this.#take(result, scratch)) {
        yield new QueryResult([chunk.batch], chunk.buffers);
      }
    } finally {
      hold.end();
    }
  }

  /** Runs `text` off the event loop (to its end, or as a stream) and answers the result's handle, which the caller closes. */
  async #start(
    text: Uint8Array<ArrayBuffer>,
    encoded: Uint8Array<ArrayBuffer> | null,
    streaming: boolean,
  ): Promise<bigint> {
    const out = new BigUint64Array(1);
    const args = [
      this.#connection,
      text,
      BigInt(text.length),
      encoded,
      BigInt(encoded?.length ?? 0),
      out,
    ] as const;
    const symbols = this.#symbols;
    this.#check(
      await (streaming ? symbols.zc_sql_query_stream(...args) : symbols.zc_sql_query(...args)),
      "query",
    );
    return out[0];
  }

  ingest(table: string, source: IngestSource, mode: IngestMode): Promise<number> {
    // Read a group of batches at a time while the connection is this ingest's, in one transaction
    // (a table or a batch is one statement, which needs none).
    const groups = ingestGroups(source);
    const single = oneStatement(source, mode);
    return this.#enqueue(() =>
      loadGroups(groups, mode, {
        run: async (sql) => {
          using result = await this.#execute(encoder.encode(sql), null);
          return rowsLoaded(result);
        },
        load: async (parts, groupMode) => {
          const view = `zerocopy_ingest_${++ingests}`;
          const source = sourceOf(this.#lib, parts);
          try {
            this.#install(view, source);
            using result = await this.#execute(encoder.encode(ingestStatement(table, view, groupMode)), null);
            return rowsLoaded(result);
          } finally {
            this.#dropSource(view, source);
          }
        },
      }, single)
    );
  }

  register(name: string, batches: readonly SourcePart[] | StreamSupply): Promise<void> {
    if (this.#sources.has(name) || this.#building.has(name)) {
      return Promise.reject(
        new ZeroCopyError(
          "INVALID_ARGUMENT",
          `"${name}" is registered already on this connection: unregister it first`,
        ),
      );
    }
    if (!(batches instanceof StreamSupply)) return this.#register(name, sourceOf(this.#lib, batches));
    if (this.#closed) return Promise.reject(closedError());
    // The stream is read before the registration takes its turn (it may be a stream of this very
    // connection, which holds the queue until it ends); meanwhile the name is taken.
    const registered = drainSupply(this.#lib, batches).then(
      (source) => {
        this.#building.delete(name);
        return this.#register(name, source);
      },
      (error) => {
        this.#building.delete(name);
        throw error;
      },
    );
    this.#building.set(name, registered.then(() => {}, () => {}));
    return registered;
  }

  /** Registers `source` (checked, copied into Zig and pinned) as `name` once the statements asked before are done. */
  #register(name: string, source: RegisteredSource): Promise<void> {
    const pending = this.#enqueue(() => {
      this.#install(name, source);
      return Promise.resolve();
    });
    // Until it settles, the name is taken.
    this.#sources.set(name, source);
    pending.catch(() => {
      if (this.#sources.get(name) === source) this.#sources.delete(name);
      closeSource(this.#lib, source);
    });
    return pending;
  }

  /** Makes DuckDB's view `name` over `source` now: the caller holds the connection's turn. */
  #install(name: string, source: RegisteredSource): void {
    const bytes = encoder.encode(name);
    const status = this.#symbols.zc_sql_register(
      this.#connection,
      source.handle,
      bytes,
      BigInt(bytes.length),
    );
    if (status !== STATUS.ok) {
      this.#check(status, "register");
      throw new ZeroCopyError(
        "SQL_ERROR",
        `DuckDB refused to register "${name}": ${this.#connectionMessage()}`,
      );
    }
    source.registered = true;
  }

  unregister(name: string): Promise<void> {
    const building = this.#building.get(name);
    if (building !== undefined) return building.then(() => this.unregister(name));
    if (!this.#sources.has(name)) {
      return Promise.reject(
        new ZeroCopyError("INVALID_ARGUMENT", `Nothing is registered as "${name}" on this connection`),
      );
    }
    const source = this.#sources.get(name)!;
    this.#sources.delete(name);
    return this.#enqueue(() => {
      this.#dropSource(name, source);
      return Promise.resolve();
    });
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      collected.unregister(this);
      this.#queue = this.#queue.then(() => {
        for (const [name, source] of this.#sources) this.#dropSource(name, source);
        this.#sources.clear();
        this.#symbols.zc_sql_close(this.#connection);
      });
    }
    return this.#queue;
  }

  /** Unregisters in DuckDB, then lets go of the batches: no statement runs now, so none scans them. */
  #dropSource(name: string, source: RegisteredSource): void {
    if (source.registered) {
      const bytes = encoder.encode(name);
      this.#symbols.zc_sql_unregister(this.#connection, source.handle, bytes, BigInt(bytes.length));
      source.registered = false;
    }
    closeSource(this.#lib, source);
  }

  #enqueue<T>(run: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    const next = this.#queue.then(run); // asked before close: runs, close waits for it
    // Settled with nothing: the queue must not keep the last result alive.
    this.#queue = next.then(() => {}, () => {});
    return next;
  }

  #check(status: number, what: string): void {
    if (status === STATUS.ok) return;
    if (status === STATUS.stale_handle) throw closedError();
    if (status === STATUS.full) {
      throw new ZeroCopyError("FULL", `Cannot ${what}: the connection is running another statement`);
    }
    if (status === STATUS.invalid_argument) return; // the caller's message says what
    throw new ZeroCopyError("SQL_ERROR", `Cannot ${what}: status ${status}`);
  }

  /** Throws `SQL_ERROR` with DuckDB's message when the result carries one. */
  #refused(result: bigint): void {
    const message = this.#resultMessage(result);
    if (message !== null) throw new ZeroCopyError("SQL_ERROR", `DuckDB refused the query: ${message}`);
  }

  #resultMessage(result: bigint): string | null {
    const length = Number(this.#symbols.zc_sql_result_error(result, null, 0n));
    if (length === 0) return null;
    const bytes = new Uint8Array(length);
    this.#symbols.zc_sql_result_error(result, bytes, BigInt(length));
    return decoder.decode(bytes);
  }

  #connectionMessage(): string {
    const length = Number(this.#symbols.zc_sql_connection_error(this.#connection, null, 0n));
    const bytes = new Uint8Array(length);
    this.#symbols.zc_sql_connection_error(this.#connection, bytes, BigInt(length));
    return decoder.decode(bytes) || "no message";
  }

  /** The result's next chunk adopted, or null at its end. */
  #take(result: bigint, scratch: AdoptScratch): ForeignBatch | null {
    return adoptChunk(
      this.#lib,
      (directory, slots) =>
        this.#symbols.zc_sql_result_take(
          result,
          directory,
          BigInt(directory.length),
          slots,
          BigInt(slots.length / DESCRIPTOR_WORDS),
        ),
      (status) => {
        if (status === STATUS.cancelled) {
          throw new ZeroCopyError(
            "SQL_ERROR",
            `DuckDB failed while producing the result: ${this.#resultMessage(result) ?? "no message"}`,
          );
        }
      },
      scratch,
    );
  }
}

function closedError(): ZeroCopyError {
  return new ZeroCopyError("DISPOSED", "Cannot use a closed Connection: connect() again");
}
