/**
 * `QueryStream`: a query's result read a batch at a time, the same from every
 * engine. The engine's generator gives each batch as a `QueryResult` and
 * releases the engine's result in its `finally`; a stream disposed before its
 * first batch was asked never runs that generator, so the engine's hold is
 * let go through `unstarted` instead.
 *
 * @module
 */

import type { QueryResult } from "./query_result.ts";

let cutOf: (stream: QueryStream) => boolean;

/** Whether the stream was ended early (`return()`, dispose) rather than read to its end. */
export function wasCut(stream: QueryStream): boolean {
  return cutOf(stream);
}

/**
 * The batches of one statement's result, in order, as the engine produces
 * them: a result larger than memory can be read through. Each batch is a
 * {@linkcode QueryResult} of its own, to dispose (or leave to the garbage
 * collector) when done. The engine's result is released exactly once: when
 * the stream ends, when a `for await` loop over it breaks or throws, or when
 * the stream is disposed (`using`/`await using`). Until then the connection
 * runs nothing else: statements asked meanwhile wait for the stream's end.
 *
 * @example Read the first batch only, then let the rest go
 * ```ts
 * import { connect } from "@zerocopy/zerocopy/sql";
 *
 * using conn = await connect();
 * {
 *   await using stream = conn.queryStream("select range as i from range(100000)");
 *   using first = (await stream.next()).value!;
 *   console.log(first.numRows > 0); // true
 * }
 * using after = await conn.query("select 1 as one");
 * console.log(after.numRows); // 1
 * ```
 */
export class QueryStream implements AsyncIterableIterator<QueryResult>, AsyncDisposable, Disposable {
  readonly #batches: AsyncGenerator<QueryResult, void, undefined>;
  #unstarted: (() => void) | null;
  #cut = false;

  static {
    cutOf = (stream) => stream.#cut;
  }

  /** @internal Made by `Connection.queryStream`. */
  constructor(batches: AsyncGenerator<QueryResult, void, undefined>, unstarted: () => void) {
    this.#batches = batches;
    this.#unstarted = unstarted;
  }

  /** The next batch; `done` once the result ends (the engine's result was then released). */
  next(): Promise<IteratorResult<QueryResult, void>> {
    this.#unstarted = null;
    return this.#batches.next();
  }

  /** Ends the stream early: the engine's result is released once the batch being read, if any, is. */
  async return(): Promise<IteratorResult<QueryResult, void>> {
    this.#cut = true;
    const unstarted = this.#unstarted;
    this.#unstarted = null;
    unstarted?.();
    await this.#batches.return(undefined);
    return { done: true, value: undefined };
  }

  /** The stream itself: `for await (using batch of stream)`. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** {@linkcode QueryStream.prototype.return}, not waited for. */
  [Symbol.dispose](): void {
    this.return().catch(() => {});
  }

  /** {@linkcode QueryStream.prototype.return}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}

/**
 * A stream's hold on its connection, ended once: by the stream's own end, by
 * its dispose before it started, or after it was dropped unfinished. Ending it
 * lets the engine's result go (`release`) and gives the connection's queue back.
 */
export class StreamHold {
  #release: (() => void) | null;
  readonly #done: () => void;

  constructor(release: () => void, done: () => void) {
    this.#release = release;
    this.#done = done;
  }

  /** Releases the engine's result and the connection, the first time only. */
  end(): void {
    const release = this.#release;
    if (release === null) return;
    this.#release = null;
    try {
      release();
    } finally {
      this.#done();
    }
  }
}

// A stream dropped between two batches never runs its generator's `finally`: its hold ends here.
const abandoned = new FinalizationRegistry<StreamHold>((hold) => hold.end());

/**
 * A stream on a connection's statement queue: `run` waits for `turn`, yields
 * the batches and ends `hold` in its `finally`; the connection runs nothing
 * else until the hold ends. `release` must not reach the stream itself, so
 * that a dropped stream can be collected.
 *
 * @returns The stream, and the queue's turn after it.
 */
export function queueStream(
  queue: Promise<unknown>,
  release: () => void,
  run: (turn: Promise<unknown>, hold: StreamHold) => AsyncGenerator<QueryResult, void, undefined>,
): { stream: QueryStream; next: Promise<void> } {
  let done!: () => void;
  const held = new Promise<void>((resolve) => done = resolve);
  const hold = new StreamHold(release, done);
  const batches = run(queue, hold);
  abandoned.register(batches, hold);
  return { stream: new QueryStream(batches, () => hold.end()), next: queue.then(() => held) };
}
