/**
 * Lending an (async) iterable of batches to native code as one growing
 * `ArrowArrayStream` (zig/zerocopy/arrow/lent_stream.zig): the consumer's
 * `get_next` waits on its own thread for the next batch, while JavaScript
 * reads the source only as the consumer takes batches, a few ahead, and lets
 * go of each batch once the consumer released the array it was given. Memory
 * is a few batches, whatever the source's length.
 *
 * @module
 */

import type { RecordBatch } from "apache-arrow";
import type { ForeignLibraryInterface } from "../runtime/ffi_types.ts";
import { ZeroCopyError } from "../errors.ts";
import { STATUS } from "../abi/layout.ts";
import { abiLayout } from "../abi/symbols.ts";
import type { ZeroCopyLibrary } from "../library/library.ts";
import type { LentStructs } from "./lend.ts";
import { addBatch, endLoan, type LentStreamSymbols, newLentStream, recordBatchOf } from "./lend_stream.ts";

const encoder = new TextEncoder();

/**
 * How far the source is read ahead of the consumer: while fewer than
 * `batches` batches, or fewer than `bytes` bytes of batches, wait lent for it
 * (small batches would otherwise leave a fast consumer waiting on the poll);
 * past that the source is left unread `pollMs` milliseconds at a time.
 */
export const GROWING_QUEUE = { batches: 2, bytes: 4 << 20, pollMs: 1 };

/**
 * The lease that keeps the consumer waiting: while `feed()` runs, its timer
 * renews it every `renewMs` milliseconds for `ms` more, and a consumer that
 * hears nothing for `ms` fails the stream (zig/zerocopy/arrow/lent_stream.zig).
 * The timer ticks while the source awaits, so only a thread that is gone (a
 * terminated worker) or blocked lets it lapse.
 */
export const GROWING_LEASE = { ms: abiLayout.lent_stream_lease_ms as number, renewMs: 250 };

interface GrowingSymbols extends LentStreamSymbols {
  zc_arrow_lent_stream_grow(handle: bigint): number;
  zc_arrow_lent_stream_finish(
    handle: bigint,
    failure: ArrayBuffer | ArrayBufferView | null,
    length: bigint,
  ): number;
  zc_arrow_lent_stream_queued(handle: bigint): number | bigint;
  zc_arrow_lent_stream_held(handle: bigint, index: bigint): number;
  zc_arrow_lent_stream_alive(handle: bigint, leaseMs: number): number;
}

/** A growing stream lent to native code, fed from its source while the consumer reads. */
export interface GrowingLoan {
  readonly handle: bigint;
  /**
   * Reads the source and lends its batches as the consumer takes them, until
   * the source ends or fails, or `stop`. Never rejects: a failure is `failure`.
   */
  feed(): Promise<void>;
  /** Stops reading the source; with `reason`, the stream fails with it (the consumer's next read). */
  stop(reason?: ZeroCopyError): void;
  /** What ended the feed early: the source's failure or refused batch, or the reason given `stop`. */
  readonly failure: ZeroCopyError | undefined;
  /** Batches lent so far. */
  readonly lent: number;
  /** Ends the loan (after `feed` settled); its batches are let go of once the consumer holds none of its arrays. */
  end(): void;
}

/** Why the consumer gave up on the stream while this thread did not answer. */
function lapsedFailure(caller: string, ms: number): ZeroCopyError {
  return new ZeroCopyError(
    "STREAM_FAILED",
    `${caller}: the stream's reader heard nothing from this thread for ${ms} ms and ended the stream; keep the thread free (no long synchronous work) while an ingest reads its source`,
  );
}

function failureOf(error: unknown, caller: string, read: number): ZeroCopyError {
  if (error instanceof ZeroCopyError) return error;
  return new ZeroCopyError(
    "STREAM_FAILED",
    `${caller}: the source failed after ${read} batches: ${
      error instanceof Error ? error.message : String(error)
    }`,
    { cause: error },
  );
}

/**
 * Reads the first batch of `items` and lends it as a growing stream; the
 * caller hands the handle to the consumer, runs `feed()` beside it, and ends
 * the loan once the consumer is done.
 *
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for a source of no batch or an
 * item that is no batch; `STREAM_FAILED` wrapping what the source threw first.
 */
export async function lendGrowing(
  lib: ZeroCopyLibrary<ForeignLibraryInterface>,
  items: Iterator<unknown> | AsyncIterator<unknown>,
  caller: string,
): Promise<GrowingLoan> {
  const { symbols, handle } = newLentStream<GrowingSymbols>(lib, caller, "zc_arrow_lent_stream_grow");
  symbols.zc_arrow_lent_stream_grow(handle);
  // Pinned batches by the index Zig knows them by; those the consumer released go early.
  const pinned = new Map<number, LentStructs>();
  const sizes = new Map<number, number>();
  let added = 0;
  let sourceDone = false;
  let failure: ZeroCopyError | undefined;
  let stopped = false;
  // A promise per wait that `stop` settles: one promise raced again and again would keep every step it lost to.
  let wake = () => {};
  const stopping = () =>
    new Promise<undefined>((resolve) => stopped ? resolve(undefined) : wake = () => resolve(undefined));

  /** Ends the stream, failing with `reason` when given; false when it had ended already. */
  const finish = (reason?: ZeroCopyError): boolean => {
    const text = reason === undefined ? null : encoder.encode(reason.message);
    return symbols.zc_arrow_lent_stream_finish(handle, text, BigInt(text?.length ?? 0)) === STATUS.ok;
  };
  /** The source's next batch, or null at its end or once stopped; a failure is thrown. */
  const next = async (): Promise<RecordBatch | null> => {
    let step: IteratorResult<unknown> | void;
    try {
      step = await Promise.race([items.next(), stopping()]);
    } catch (error) {
      sourceDone = true; // a source that threw is done: no `return()` for it
      throw failureOf(error, caller, added);
    }
    if (step === undefined) return null;
    if (step.done) {
      sourceDone = true;
      return null;
    }
    let item: unknown;
    try {
      item = await step.value;
    } catch (error) {
      throw failureOf(error, caller, added);
    }
    if (stopped) return null;
    return recordBatchOf(item, caller);
  };
  const add = (batch: RecordBatch) => {
    const lent = addBatch(lib, symbols, handle, batch, added, caller);
    const bytes = batch.data.byteLength;
    sizes.set(added, bytes);
    waiting += bytes;
    pinned.set(added++, lent);
  };
  // Zig gives the batches in order: those before `given` went to the consumer,
  // the `waiting` bytes of the others wait for it. Kept as it takes them, so
  // that no step walks the queue, which small batches make long.
  let given = 0;
  let waiting = 0;
  /** Notes the batches the consumer took since the last look; returns how many still wait. */
  const take = () => {
    const queued = Number(symbols.zc_arrow_lent_stream_queued(handle));
    for (; given < added - queued; given++) {
      waiting -= sizes.get(given) ?? 0;
      sizes.delete(given);
    }
    return queued;
  };
  /** Whether as much waits lent for the consumer as the source may be read ahead. */
  const full = (queued: number) => queued >= GROWING_QUEUE.batches && waiting >= GROWING_QUEUE.bytes;
  const letGo = () => {
    for (const [index, lent] of pinned) {
      // Only a batch given can be released, and the pinned ones go by index.
      if (index >= given) break;
      if (symbols.zc_arrow_lent_stream_held(handle, BigInt(index)) === 0) {
        pinned.delete(index);
        lent.release();
      }
    }
  };
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    if (!sourceDone) void Promise.resolve(items.return?.()).catch(() => {});
    const lents = [...pinned.values()];
    pinned.clear();
    sizes.clear();
    endLoan(symbols, handle, lents);
  };

  try {
    const first = await next();
    if (first === null) {
      throw new ZeroCopyError("INVALID_ARGUMENT", `${caller}: the source has no batch to lend`);
    }
    add(first);
  } catch (error) {
    stopped = true;
    end();
    throw error;
  }

  return {
    handle,
    get failure() {
      return failure;
    },
    get lent() {
      return added;
    },
    end,
    stop(reason?: ZeroCopyError) {
      if (stopped) return;
      stopped = true;
      // A stream the source ended already is the driver's to finish: it fails with nothing.
      if (reason !== undefined && failure === undefined && finish(reason)) failure = reason;
      wake();
    },
    async feed() {
      const lease = { ...GROWING_LEASE };
      /** Renews the lease; true once it had lapsed, which ended the stream. */
      const renew = () => symbols.zc_arrow_lent_stream_alive(handle, lease.ms) === STATUS.cancelled;
      const lapse = () => {
        if (failure === undefined) failure = lapsedFailure(caller, lease.ms);
        stopped = true;
        wake();
      };
      if (renew()) lapse();
      const timer = setInterval(() => renew() && lapse(), lease.renewMs);
      try {
        while (!stopped) {
          const queued = take();
          letGo();
          if (full(queued)) {
            let timer: ReturnType<typeof setTimeout> | undefined;
            await Promise.race([
              new Promise((resolve) => timer = setTimeout(resolve, GROWING_QUEUE.pollMs)),
              stopping(),
            ]);
            clearTimeout(timer);
            continue;
          }
          const batch = await next();
          if (stopped) return;
          if (batch === null) {
            finish();
            return;
          }
          add(batch);
        }
      } catch (error) {
        if (stopped) return;
        // A thread blocked past the lease finds the stream ended: that, not the refused add, is the failure.
        if (renew()) return lapse();
        failure = failureOf(error, caller, added);
        finish(failure);
      } finally {
        clearInterval(timer);
      }
    },
  };
}
