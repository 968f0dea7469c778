/**
 * `ArrowStream`: an Arrow C stream (`ArrowArrayStream`) read as an async
 * iterable of {@linkcode ArrowBatch}es with no copy. The stream struct, its
 * schema and each array it yields live in Zig's memory behind a handle
 * (zig/zerocopy/arrow/stream.zig), so no callback Zig calls was ever in
 * memory JavaScript can write; each array is checked and adopted as a
 * foreign array (foreign.zig) off the event loop.
 *
 * @module
 */

import type { ForeignLibraryInterface } from "../runtime/ffi_types.ts";
import type { RecordBatch } from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import { STATUS } from "../abi/layout.ts";
import { abiLayout } from "../abi/symbols.ts";
import { statusError } from "../abi/status.ts";
import { DESCRIPTOR_WORDS } from "../buffer/descriptor.ts";
import type { ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";
import type { ZeroCopyLibrary } from "../library/library.ts";
import { checkLibraryArguments } from "../library/library_arguments.ts";
import { checkCallback } from "../library/callbacks.ts";
import { FAILURES, wrapBuffers } from "./foreign_batch.ts";
import { readForeignDirectory } from "./foreign_directory.ts";
import { ArrowBatch } from "./batch.ts";

const Header = abiLayout.structs.ForeignHeader.fields;
const STREAM_OUT_BYTES = abiLayout.structs.StreamOut.size;
const HANDLE_AT = abiLayout.structs.StreamOut.fields.handle;
/** foreign.zig `Failure.producer_failed`. */
const PRODUCER_FAILED = 5;
const utf8 = new TextDecoder();

/** The libzerocopy exports a stream calls. */
export interface StreamSymbols {
  zc_arrow_stream_reserve(out: ArrayBuffer | ArrayBufferView): number;
  zc_arrow_stream_address(handle: bigint): number | bigint;
  zc_arrow_stream_open(handle: bigint): number;
  zc_arrow_stream_next(
    handle: bigint,
    directory: ArrayBuffer | ArrayBufferView,
    directoryLength: bigint,
    buffers: ArrayBuffer | ArrayBufferView,
    buffersLength: bigint,
  ): Promise<number>;
  zc_arrow_stream_message(
    handle: bigint,
    out: ArrayBuffer | ArrayBufferView,
    outLength: bigint,
  ): number | bigint;
  zc_arrow_stream_release(handle: bigint): void;
}

export function streamSymbolsOf(
  lib: ZeroCopyLibrary<ForeignLibraryInterface>,
  caller: string,
): StreamSymbols {
  const symbols = lib.symbols as unknown as Partial<StreamSymbols>;
  if (typeof symbols.zc_arrow_stream_next !== "function") {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `${caller}: the library "${lib.path}" was opened without the zc_arrow_stream_* exports: pass libzerocopy (openLibrary())`,
    );
  }
  return symbols as StreamSymbols;
}

/** What a stream's next array made before it is an `ArrowBatch`: the batch and the buffers it views. */
export interface StreamParts {
  readonly batch: RecordBatch;
  readonly buffers: ZeroCopyBuffer<"u8">[];
}

let partsOf: (stream: ArrowStream) => Promise<StreamParts | null>;

/**
 * The stream's next batch as its parts, or null at the end: for a reader that
 * owns the buffers itself (a SQL result). Served in turn with `next()`.
 */
export function nextParts(stream: ArrowStream): Promise<StreamParts | null> {
  return partsOf(stream);
}

// A stream never disposed is released once collected: its handle is all the net holds.
const streamNet = new FinalizationRegistry<{ symbols: StreamSymbols; handle: bigint }>((
  { symbols, handle },
) => symbols.zc_arrow_stream_release(handle));

/**
 * A stream of Arrow record batches a producer yields one at a time, read in
 * place: each {@linkcode ArrowBatch} views the producer's buffers and gives
 * them back once disposed (or collected). The producer's `get_next` runs off
 * the event loop, one call at a time; its `release` runs exactly once: at
 * dispose, at the end of a `for await` loop (finished, broken or thrown out
 * of), or after garbage collection.
 *
 * Every array is checked against the stream's schema as foreign arrays are
 * (docs/arrow.md): one that does not match ends the stream with
 * `ARROW_INVALID`; a producer that fails ends it with `STREAM_FAILED` and its
 * own message. Batches already read stay readable.
 *
 * @example Sum a column over a stream Zig produces
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 * import { adoptStream } from "@zerocopy/zerocopy/arrow";
 *
 * const lib = await openLibrary();
 * using stream = adoptStream(lib, (out) => lib.symbols.zc_arrow_demo_stream(3, 100n, 0, out));
 * let rows = 0;
 * for await (const batch of stream) {
 *   using _ = batch;
 *   rows += batch.numRows;
 * }
 * console.log(rows); // 300
 * ```
 */
export class ArrowStream implements AsyncIterableIterator<ArrowBatch>, Disposable {
  readonly #lib: ZeroCopyLibrary<ForeignLibraryInterface>;
  readonly #symbols: StreamSymbols;
  #handle: bigint | null;
  #ended = false;
  #queue: Promise<unknown> = Promise.resolve();
  #directory = new Uint8Array(4096);
  #slots = new BigUint64Array(DESCRIPTOR_WORDS * 16);

  static {
    partsOf = (stream) => stream.#enqueue(() => stream.#nextParts());
  }

  /** @internal Use {@linkcode adoptStream} or {@linkcode importStream}. */
  constructor(lib: ZeroCopyLibrary<ForeignLibraryInterface>, symbols: StreamSymbols, handle: bigint) {
    if (typeof handle !== "bigint") {
      throw new ZeroCopyError("INVALID_ARGUMENT", "ArrowStream is made by adoptStream or importStream");
    }
    this.#lib = lib;
    this.#symbols = symbols;
    this.#handle = handle;
    streamNet.register(this, { symbols, handle }, this);
  }

  /** Whether the stream was disposed (its producer released); never throws. */
  get disposed(): boolean {
    return this.#handle === null;
  }

  /**
   * The next batch, or `done` once the producer has no more (the stream is
   * then released). Calls made before the last settles wait for it.
   *
   * @throws {ZeroCopyError} `STREAM_FAILED` with the producer's message;
   * `ARROW_INVALID`/`ARROW_UNSUPPORTED` for an array that does not match the
   * schema or is of a type not read; `DISPOSED` once the stream was disposed.
   */
  next(): Promise<IteratorResult<ArrowBatch, undefined>> {
    return this.#enqueue(async () => {
      const parts = await this.#nextParts();
      return parts === null ? { done: true, value: undefined } : { done: false, value: this.#batchOf(parts) };
    });
  }

  #enqueue<R>(read: () => Promise<R>): Promise<R> {
    const run = this.#queue.then(read);
    this.#queue = run.then(() => {}, () => {});
    return run;
  }

  /** Ends the stream early (what `break` in a `for await` loop calls). */
  return(): Promise<IteratorResult<ArrowBatch, undefined>> {
    this[Symbol.dispose]();
    return Promise.resolve({ done: true, value: undefined });
  }

  /** The stream itself: it is read once. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Releases the producer now (after a `get_next` in flight returns); later calls do nothing. */
  [Symbol.dispose](): void {
    const handle = this.#handle;
    if (handle === null) return;
    this.#handle = null;
    streamNet.unregister(this);
    this.#symbols.zc_arrow_stream_release(handle);
  }

  async #nextParts(): Promise<StreamParts | null> {
    if (this.#handle === null) {
      if (this.#ended) return null;
      throw new ZeroCopyError("DISPOSED", "Cannot read a disposed ArrowStream: its producer was released");
    }
    for (;;) {
      const handle: bigint = this.#handle;
      const directory = this.#directory;
      const slots = this.#slots;
      const status = await this.#symbols.zc_arrow_stream_next(
        handle,
        directory,
        BigInt(directory.length),
        slots,
        BigInt(slots.length / DESCRIPTOR_WORDS),
      );
      const header = new DataView(directory.buffer);
      if (status === STATUS.full) {
        this.#directory = new Uint8Array(
          Math.max(directory.length, header.getUint32(Header.directory_needed, true)),
        );
        this.#slots = new BigUint64Array(
          DESCRIPTOR_WORDS * Math.max(1, header.getUint32(Header.buffers_needed, true)),
        );
        continue;
      }
      if (status !== STATUS.ok && this.#handle === null) {
        throw new ZeroCopyError("DISPOSED", "The ArrowStream was disposed while its next batch was produced");
      }
      if (status !== STATUS.ok) throw this.#failure(handle, status, header);
      const count = header.getUint32(Header.buffer_count, true);
      if (header.getUint32(Header.node_count, true) === 0) {
        this.#ended = true;
        this[Symbol.dispose]();
        return null;
      }
      const buffers = wrapBuffers(this.#lib as unknown as ZeroCopyLibrary, slots, count);
      if (this.#handle === null) {
        // Disposed while the producer worked: what it produced goes back at once.
        for (const buffer of buffers) buffer[Symbol.dispose]();
        throw new ZeroCopyError("DISPOSED", "The ArrowStream was disposed while its next batch was produced");
      }
      try {
        return { batch: readForeignDirectory(directory, buffers), buffers };
      } catch (error) {
        for (const buffer of buffers) buffer[Symbol.dispose]();
        throw error;
      }
    }
  }

  #batchOf({ batch, buffers }: StreamParts): ArrowBatch {
    // A batch with no buffer to view (no rows) still needs a memory to own.
    const [first, ...rest] = buffers.length > 0 ? buffers : [this.#lib.adopt("u8", () => {})];
    return new ArrowBatch(first, batch, rest);
  }

  #failure(handle: bigint, status: number, header: DataView): ZeroCopyError {
    if (status !== STATUS.invalid_argument) {
      return statusError(status, "Reading the next batch of an ArrowStream");
    }
    const failure = header.getUint32(Header.failure, true);
    const text = new Uint8Array(1024);
    const length = Number(this.#symbols.zc_arrow_stream_message(handle, text, BigInt(text.length)));
    const message = utf8.decode(text.subarray(0, length));
    if (failure === PRODUCER_FAILED) {
      return new ZeroCopyError("STREAM_FAILED", `The Arrow stream's producer failed: ${message}`);
    }
    const stringsAt = header.getUint32(Header.strings_at, true);
    const format = failure === 1
      ? utf8.decode(new Uint8Array(header.buffer, stringsAt, header.getUint32(Header.strings_len, true)))
      : "";
    const why = (FAILURES[failure] ?? "was refused").replace("$", JSON.stringify(format));
    return new ZeroCopyError(
      failure === 1 ? "ARROW_UNSUPPORTED" : "ARROW_INVALID",
      `Cannot read the Arrow stream's next array: it ${why}; the stream ends here`,
    );
  }
}

/**
 * Calls a Zig function that hands a stream over (`out: ?*zerocopy.arrow.StreamOut`,
 * filled by `zerocopy.arrow.handOverStream`) and reads it.
 *
 * @param lib The library the function belongs to (its handle names the stream).
 * @param call Calls the function with the out-parameter; returns its status.
 * @returns The stream; dispose it (or read it to its end) to release the producer.
 * @throws {ZeroCopyError} the function's status as an error.
 *
 * @example Read a stream's batches
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 * import { adoptStream } from "@zerocopy/zerocopy/arrow";
 *
 * const lib = await openLibrary();
 * using stream = adoptStream(lib, (out) => lib.symbols.zc_arrow_demo_stream(2, 5n, 0, out));
 * const first = await stream.next();
 * console.log(first.done ? 0 : first.value.numRows); // 5
 * ```
 */
export function adoptStream<S extends ForeignLibraryInterface>(
  lib: ZeroCopyLibrary<S>,
  call: (out: Uint8Array<ArrayBuffer>) => number | void,
): ArrowStream {
  checkLibraryArguments(lib, undefined, "adoptStream");
  checkCallback(call, "adoptStream", "call");
  const symbols = streamSymbolsOf(lib as ZeroCopyLibrary<ForeignLibraryInterface>, "adoptStream");
  const out = new Uint8Array(STREAM_OUT_BYTES);
  const status = call(out);
  const handle = new DataView(out.buffer).getBigUint64(HANDLE_AT, true);
  if (typeof status === "number" && status !== STATUS.ok) {
    if (handle !== 0n) symbols.zc_arrow_stream_release(handle);
    throw statusError(status, "The function handing a stream over");
  }
  if (handle === 0n) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      "adoptStream: the function handed no stream over into its out-parameter",
    );
  }
  return new ArrowStream(lib as ZeroCopyLibrary<ForeignLibraryInterface>, symbols, handle);
}

/**
 * Reads an `ArrowArrayStream` another library produces: `fill` gets the
 * address of a stream struct in Zig's memory and has the producer fill it in
 * (a C function taking `struct ArrowArrayStream*`, declared `"usize"` or
 * `"u64"`). The struct never lives in memory JavaScript can write.
 *
 * @param lib The libzerocopy that reads the stream.
 * @param fill Calls the producer with the address; returns its status (0 for success) or nothing.
 * @returns The stream; dispose it (or read it to its end) to release the producer.
 * @throws {ZeroCopyError} `STREAM_FAILED` when `fill` reports a failure, fills nothing, or the
 * producer's `get_schema` fails.
 *
 * @example A C library's producer (`int produce(struct ArrowArrayStream* out)`)
 * ```ts ignore
 * import { openLibrary } from "@zerocopy/zerocopy";
 * import { importStream } from "@zerocopy/zerocopy/arrow";
 *
 * const lib = await openLibrary();
 * // `producer`: the C library, opened through the runtime's FFI, `produce` declared as (usize) -> i32.
 * using stream = importStream(lib, (address) => producer.symbols.produce(address));
 * for await (const batch of stream) console.log(batch.numRows);
 * ```
 */
export function importStream<S extends ForeignLibraryInterface>(
  lib: ZeroCopyLibrary<S>,
  fill: (address: bigint) => number | bigint | void,
): ArrowStream {
  checkLibraryArguments(lib, undefined, "importStream");
  checkCallback(fill, "importStream", "fill");
  const symbols = streamSymbolsOf(lib as ZeroCopyLibrary<ForeignLibraryInterface>, "importStream");
  const out = new Uint8Array(STREAM_OUT_BYTES);
  const reserved = symbols.zc_arrow_stream_reserve(out);
  if (reserved !== STATUS.ok) throw statusError(reserved, "Reserving a stream");
  const handle = new DataView(out.buffer).getBigUint64(HANDLE_AT, true);
  try {
    const status = fill(BigInt(symbols.zc_arrow_stream_address(handle)));
    if (status !== undefined && Number(status) !== 0) {
      throw new ZeroCopyError("STREAM_FAILED", `importStream: the producer returned ${status}`);
    }
    if (symbols.zc_arrow_stream_open(handle) !== STATUS.ok) {
      const text = new Uint8Array(1024);
      const length = Number(symbols.zc_arrow_stream_message(handle, text, BigInt(text.length)));
      throw new ZeroCopyError(
        "STREAM_FAILED",
        `importStream: the stream cannot be read: ${utf8.decode(text.subarray(0, length))}`,
      );
    }
  } catch (error) {
    symbols.zc_arrow_stream_release(handle);
    throw error;
  }
  return new ArrowStream(lib as ZeroCopyLibrary<ForeignLibraryInterface>, symbols, handle);
}
