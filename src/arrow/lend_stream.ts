/**
 * Lending a table or a sequence of batches to native code as one
 * `ArrowArrayStream` whose callbacks are Zig's (zig/zerocopy/arrow/lent_stream.zig):
 * every batch is lent as C Data structs in a call frame, checked by Zig, and
 * pinned until the loan ends and no array the consumer was given is still held.
 *
 * @module
 */

import { RecordBatch, Table } from "apache-arrow";
import type { ForeignLibraryInterface } from "../runtime/ffi_types.ts";
import { ZeroCopyError } from "../errors.ts";
import { STATUS } from "../abi/layout.ts";
import { abiLayout } from "../abi/symbols.ts";
import { statusError } from "../abi/status.ts";
import { what } from "../buffer/gate.ts";
import type { ZeroCopyLibrary } from "../library/library.ts";
import { checkLibraryArguments } from "../library/library_arguments.ts";
import { checkCallback } from "../library/callbacks.ts";
import { ArrowBatch } from "./batch.ts";
import { lendStructs, type LentStructs } from "./lend.ts";

const STREAM_OUT_BYTES = abiLayout.structs.StreamOut.size;
const HANDLE_AT = abiLayout.structs.StreamOut.fields.handle;

/**
 * What can be lent as a stream: a table, one batch, or an (async) iterable of
 * batches (apache-arrow `RecordBatch`es or {@linkcode ArrowBatch}es).
 *
 * @example A table and a generator of batches
 * ```ts
 * import type { StreamSource } from "@zerocopy/zerocopy/arrow";
 * import { tableFromArrays } from "apache-arrow";
 *
 * const table = tableFromArrays({ x: new Float64Array([1, 2]) });
 * const sources: StreamSource[] = [table, table.batches, (function* () { yield* table.batches; })()];
 * console.log(sources.length); // 3
 * ```
 */
export type StreamSource =
  | Table
  | RecordBatch
  | ArrowBatch
  | Iterable<RecordBatch | ArrowBatch>
  | AsyncIterable<RecordBatch | ArrowBatch>;

/** The `zc_arrow_lent_stream_*` exports a loan of either kind (whole, growing) uses. */
export interface LentStreamSymbols {
  zc_arrow_lent_stream_new(out: ArrayBuffer | ArrayBufferView): number;
  zc_arrow_lent_stream_add(
    handle: bigint,
    schema: ArrayBuffer | ArrayBufferView,
    array: ArrayBuffer | ArrayBufferView,
  ): number;
  zc_arrow_lent_stream_address(handle: bigint): number | bigint;
  zc_arrow_lent_stream_end(handle: bigint): number | bigint;
  zc_arrow_lent_stream_outstanding(handle: bigint): number | bigint;
  zc_arrow_lent_stream_close(handle: bigint): void;
}

/** `item` as an apache-arrow `RecordBatch`, or `INVALID_ARGUMENT` for what is no batch. */
export function recordBatchOf(item: unknown, caller: string): RecordBatch {
  if (item instanceof ArrowBatch) return item.recordBatch;
  if (item instanceof RecordBatch) return item;
  throw new ZeroCopyError(
    "INVALID_ARGUMENT",
    `${caller} lends apache-arrow RecordBatches or ArrowBatches, not ${what(item)}`,
  );
}

/** The record batches of `source`, in order. */
export async function* batchesOf(source: StreamSource, caller: string): AsyncGenerator<RecordBatch> {
  if (source instanceof Table) {
    yield* source.batches;
  } else if (source instanceof RecordBatch || source instanceof ArrowBatch) {
    yield recordBatchOf(source, caller);
  } else if (typeof source === "object" && source !== null && Symbol.asyncIterator in source) {
    for await (const item of source) yield recordBatchOf(item, caller);
  } else if (typeof source === "object" && source !== null && Symbol.iterator in source) {
    for (const item of source) yield recordBatchOf(item, caller);
  } else {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `${caller} lends a Table, a RecordBatch, an ArrowBatch or an iterable of batches, not ${what(source)}`,
    );
  }
}

/** Loans (whole or growing) whose consumer still held arrays at their end: their batches stay pinned until it releases them. */
const pending: { symbols: LentStreamSymbols; handle: bigint; lents: LentStructs[] }[] = [];

/**
 * Ends the loan `handle` and lets go of its batches `lents`, now or, while
 * the consumer still holds arrays, at a later {@linkcode sweep}.
 */
export function endLoan(symbols: LentStreamSymbols, handle: bigint, lents: LentStructs[]): void {
  settle(symbols, handle, lents, Number(symbols.zc_arrow_lent_stream_end(handle)));
}

function settle(symbols: LentStreamSymbols, handle: bigint, lents: LentStructs[], left: number): void {
  if (left > 0) {
    pending.push({ symbols, handle, lents });
    return;
  }
  symbols.zc_arrow_lent_stream_close(handle);
  for (const lent of lents) lent.release();
}

/** Lets go of the pinned batches of every earlier loan whose arrays were all released since. */
function sweep(): void {
  for (let i = pending.length - 1; i >= 0; i--) {
    const { symbols, handle, lents } = pending[i];
    if (Number(symbols.zc_arrow_lent_stream_outstanding(handle)) > 0) continue;
    pending.splice(i, 1);
    settle(symbols, handle, lents, 0);
  }
}

/**
 * A new, empty lent stream of `lib` (after letting go of what earlier loans
 * no longer need): its symbols and handle. `INVALID_ARGUMENT` for a library
 * without the export `needed`.
 */
export function newLentStream<T extends LentStreamSymbols>(
  lib: ZeroCopyLibrary<ForeignLibraryInterface>,
  caller: string,
  needed: keyof T & string,
): { symbols: T; handle: bigint } {
  sweep();
  const symbols = lib.symbols as unknown as T;
  if (typeof symbols[needed] !== "function") {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `${caller}: the library "${lib.path}" has no ${needed} export`,
    );
  }
  const out = new Uint8Array(STREAM_OUT_BYTES);
  const created = symbols.zc_arrow_lent_stream_new(out);
  if (created !== STATUS.ok) throw statusError(created, `${caller}: a lent stream`);
  return { symbols, handle: new DataView(out.buffer).getBigUint64(HANDLE_AT, true) };
}

/**
 * Lends `batch` and adds it to the lent stream `handle` as its batch number
 * `index` (from 0): its structs, pinned until given back. Refused, they are
 * given back at once: `ARROW_INVALID` for a batch Zig's reader refuses or
 * that does not match the first one's schema.
 */
export function addBatch(
  lib: ZeroCopyLibrary<ForeignLibraryInterface>,
  symbols: LentStreamSymbols,
  handle: bigint,
  batch: RecordBatch,
  index: number,
  caller: string,
): LentStructs {
  const lent = lendStructs(lib, batch, caller, true, true);
  const status = symbols.zc_arrow_lent_stream_add(handle, lent.schema, lent.array);
  if (status === STATUS.ok) return lent;
  lent.release();
  if (status === STATUS.invalid_argument) {
    throw new ZeroCopyError(
      "ARROW_INVALID",
      `${caller}: batch ${index + 1} does not match the first batch's schema`,
    );
  }
  throw statusError(status, `${caller}: adding a batch`);
}

/** A stream lent to native code: its handle, until `end()`. */
export interface Loan {
  readonly handle: bigint;
  /** Ends the loan; its batches are let go of once the consumer holds none of its arrays. */
  end(): void;
}

/**
 * Lends every batch of `source` as one stream; the caller gives its handle to
 * the consumer, then ends the loan.
 */
export async function lendAsStream(
  lib: ZeroCopyLibrary<ForeignLibraryInterface>,
  source: StreamSource,
  caller: string,
): Promise<Loan> {
  const { symbols, handle } = newLentStream<LentStreamSymbols>(lib, caller, "zc_arrow_lent_stream_new");
  const lents: LentStructs[] = [];
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    endLoan(symbols, handle, lents);
  };
  try {
    for await (const batch of batchesOf(source, caller)) {
      lents.push(addBatch(lib, symbols, handle, batch, lents.length, caller));
    }
    if (lents.length === 0) {
      throw new ZeroCopyError("INVALID_ARGUMENT", `${caller}: the source has no batch to lend`);
    }
  } catch (error) {
    end();
    throw error;
  }
  return { handle, end };
}

/**
 * Lends a table, or a sequence of batches, to native code as one Arrow C
 * stream (`struct ArrowArrayStream*`) whose callbacks are Zig's: `use` gets
 * the stream's address (in Zig's memory) to hand to the consumer, which reads
 * the batches with no copy. Every batch stays pinned until `use` settles, and
 * after it while the consumer still holds an array it was given; the stream
 * refuses reads once `use` settled.
 *
 * @param lib The libzerocopy that lends the stream.
 * @param source A `Table`, a `RecordBatch` or `ArrowBatch`, or an (async) iterable of them.
 * @param use Gives the address to the consumer (a C function taking
 * `struct ArrowArrayStream*`, declared `"usize"`), for example through a nonblocking call.
 * @returns What `use` returned.
 * @throws {ZeroCopyError} `ARROW_UNSUPPORTED` for a column type not lent;
 * `ARROW_INVALID` for a batch whose schema differs from the first;
 * `INVALID_ARGUMENT` for an empty or wrong source.
 *
 * @example A C library's consumer (`int consume(struct ArrowArrayStream* in)`) reads a table
 * ```ts ignore
 * import { openLibrary } from "@zerocopy/zerocopy";
 * import { lendStream } from "@zerocopy/zerocopy/arrow";
 * import { tableFromArrays } from "apache-arrow";
 *
 * const lib = await openLibrary();
 * // `consumer`: the C library, opened through the runtime's FFI, `consume` declared as
 * // (usize) -> i32, nonblocking.
 * const table = tableFromArrays({ x: new Float64Array([0.5, 1.5, 2.5]) });
 * console.log(await lendStream(lib, table, (address) => consumer.symbols.consume(address))); // 0
 * ```
 */
export async function lendStream<S extends ForeignLibraryInterface, R>(
  lib: ZeroCopyLibrary<S>,
  source: StreamSource,
  use: (address: bigint) => R | Promise<R>,
): Promise<R> {
  checkLibraryArguments(lib, undefined, "lendStream");
  checkCallback(use, "lendStream", "use");
  const generic = lib as unknown as ZeroCopyLibrary<ForeignLibraryInterface>;
  const loan = await lendAsStream(generic, source, "lendStream");
  try {
    const symbols = generic.symbols as unknown as LentStreamSymbols;
    return await use(BigInt(symbols.zc_arrow_lent_stream_address(loan.handle)));
  } finally {
    loan.end();
  }
}
