/**
 * A stream as a registered source: `Connection.register` reads it to its end
 * and adds each batch to one Zig source as it arrives (register_source.ts),
 * so the registration holds the stream's batches, O(batches), and scans them
 * in place: a batch read from an `ArrowStream` or a `QueryStream` views
 * memory Zig handed over, which is pinned, not copied. Those batches are the
 * registration's and go when it ends; a batch of a user's iterable stays the
 * user's, as a batch registered alone does.
 *
 * @module
 */

import { RecordBatch } from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import { what } from "../buffer/gate.ts";
import { ArrowBatch } from "../arrow/batch.ts";
import { ArrowStream } from "../arrow/stream.ts";
import type { ZeroCopyLibrary } from "../library/library.ts";
import { QueryResult } from "./query_result.ts";
import { QueryStream, wasCut } from "./query_stream.ts";
import { addPart, closeSource, emptySource, type RegisteredSource } from "./register_source.ts";

/** Batches a registration reads from a stream or an iterable, rather than a batch or a table. */
export class StreamSupply {
  /**
   * @param items What the stream yields: `ArrowBatch`es, `RecordBatch`es or `QueryResult`s.
   * @param owned The registration owns what it reads (a stream's batches), and disposes it at the end.
   * @param cut Whether the stream was disposed rather than read to its end.
   * @param stop Ends the stream after a failure: one that threw is not ended by `for await`.
   */
  constructor(
    readonly items: AsyncIterable<unknown> | Iterable<unknown>,
    readonly owned: boolean,
    readonly cut: () => boolean,
    readonly stop: () => void = () => {},
  ) {}
}

/** `source` as a supply of batches when it is a stream or an iterable (not a batch, nor a table); else null. */
export function supplyOf(source: unknown): StreamSupply | null {
  if (source instanceof ArrowStream) {
    return new StreamSupply(source, true, () => false, () => source[Symbol.dispose]());
  }
  if (source instanceof QueryStream) {
    return new StreamSupply(source, true, () => wasCut(source), () => source[Symbol.dispose]());
  }
  if (
    typeof source === "object" && source !== null &&
    (Symbol.asyncIterator in source || Symbol.iterator in source)
  ) {
    return new StreamSupply(source as AsyncIterable<unknown> | Iterable<unknown>, false, () => false);
  }
  return null;
}

/**
 * A Zig source of every batch `supply` yields, read to its end. A failure
 * (the stream's, a batch refused, a stream disposed meanwhile) closes what was
 * built, disposes what was read, ends the stream and throws.
 *
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for an item that is no batch, or a
 * stream of no batch (read already); `DISPOSED` for a stream disposed while
 * read; `ARROW_INVALID` for a batch of other columns than the first; what the
 * stream throws (`STREAM_FAILED` wrapping anything but a `ZeroCopyError`).
 */
export async function drainSupply(lib: ZeroCopyLibrary, supply: StreamSupply): Promise<RegisteredSource> {
  const source = emptySource(lib);
  let parts = 0;
  try {
    // `for await` ends the stream (its `return()`) when a batch is refused.
    for await (const item of supply.items) {
      if (supply.owned && isDisposable(item)) source.owned.push(item);
      if (item instanceof QueryResult) {
        for (const batch of item.batches) addPart(lib, source, batch, parts++);
      } else if (item instanceof ArrowBatch || item instanceof RecordBatch) {
        addPart(lib, source, item, parts++);
      } else {
        throw new ZeroCopyError(
          "INVALID_ARGUMENT",
          `Connection.register reads ArrowBatches, RecordBatches or QueryResults from a stream, not ${
            what(item)
          }`,
        );
      }
    }
    if (supply.cut()) {
      throw new ZeroCopyError("DISPOSED", "Connection.register: the stream was disposed while it was read");
    }
    if (parts === 0) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        "Connection.register: the stream gave no batch (was it read already?), so no columns",
      );
    }
  } catch (error) {
    supply.stop();
    closeSource(lib, source);
    if (error instanceof ZeroCopyError) throw error;
    throw new ZeroCopyError(
      "STREAM_FAILED",
      `Connection.register: the stream failed after ${parts} batches, so nothing was registered: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  return source;
}

function isDisposable(item: unknown): item is Disposable {
  return item instanceof ArrowBatch || item instanceof QueryResult;
}
