/**
 * The stream an ADBC ingest hands its driver: a table, a batch or an array is
 * lent whole (its batches are in memory already); any other (async) iterable
 * grows while the driver reads it (src/arrow/lend_growing.ts), read a few
 * batches ahead of the driver, each let go of once the driver released it.
 *
 * @module
 */

import { RecordBatch, Table } from "apache-arrow";
import { ZeroCopyError } from "../../errors.ts";
import { ArrowBatch } from "../../arrow/batch.ts";
import { what } from "../../buffer/gate.ts";
import type { ZeroCopyLibrary } from "../../library/library.ts";
import type { ForeignLibraryInterface } from "../../runtime/ffi_types.ts";
import { lendAsStream } from "../../arrow/lend_stream.ts";
import { type GrowingLoan, lendGrowing } from "../../arrow/lend_growing.ts";
import type { IngestSource } from "../engine.ts";

const CALLER = "Connection.ingest";

/** The lent stream of one ingest, from the driver's call to its end. */
export interface IngestLoan {
  readonly handle: bigint;
  /**
   * Runs `call` (the driver's ingest of `handle`) while the source is read,
   * then ends the loan. Rejects with what the source threw or the reason of
   * `abort` when either ended the stream, else with what `call` rejected with.
   */
  run(call: () => Promise<number>): Promise<number>;
  /** Ends the stream with `reason` at the driver's next read, and stops reading the source. */
  abort(reason: ZeroCopyError): void;
}

/** Lends `source` for an ingest; a source refused or failing before its first batch rejects here. */
export async function lendForIngest(
  lib: ZeroCopyLibrary<ForeignLibraryInterface>,
  source: IngestSource,
): Promise<IngestLoan> {
  if (
    source instanceof Table || source instanceof RecordBatch || source instanceof ArrowBatch ||
    Array.isArray(source)
  ) {
    const loan = await lendAsStream(lib, source, CALLER).catch((error) => {
      throw sourceFailure(error);
    });
    return {
      handle: loan.handle,
      run: (call) => call().finally(() => loan.end()),
      abort: () => {},
    };
  }
  if (
    typeof source !== "object" || source === null ||
    !(Symbol.asyncIterator in source || Symbol.iterator in source)
  ) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `${CALLER} lends a Table, a RecordBatch, an ArrowBatch or an iterable of batches, not ${what(source)}`,
    );
  }
  const items = Symbol.asyncIterator in source
    ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
    : (source as Iterable<unknown>)[Symbol.iterator]();
  const loan = await lendGrowing(lib, items, CALLER).catch((error) => {
    throw sourceFailure(error);
  });
  return { handle: loan.handle, run: (call) => runGrowing(loan, call), abort: (reason) => loan.stop(reason) };
}

async function runGrowing(loan: GrowingLoan, call: () => Promise<number>): Promise<number> {
  const feeding = loan.feed();
  let rows: number;
  try {
    rows = await call();
  } catch (error) {
    loan.stop();
    await feeding;
    loan.end();
    // The stream failed first (the source, or an abort): the driver's refusal only follows from it.
    throw loan.failure ?? error;
  }
  loan.stop();
  await feeding;
  loan.end();
  // A driver may take a failed read for the stream's end (DuckDB's does): the ingest failed all the same.
  if (loan.failure !== undefined) throw loan.failure;
  return rows;
}

/** What an ingest's source threw, as the `ZeroCopyError` every engine reports it with. */
function sourceFailure(error: unknown): unknown {
  if (error instanceof ZeroCopyError) return error;
  return new ZeroCopyError(
    "STREAM_FAILED",
    `${CALLER}: the source failed, so nothing was loaded: ${
      error instanceof Error ? error.message : String(error)
    }`,
    { cause: error },
  );
}
