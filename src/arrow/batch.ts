/**
 * `ArrowBatch`: an apache-arrow record batch over memory Zig handed over, and
 * the owner that gives that memory back exactly once.
 *
 * @module
 */

import type { ForeignLibraryInterface } from "../runtime/ffi_types.ts";
import type { Data, RecordBatch, Table } from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import type { Descriptor } from "../buffer/descriptor.ts";
import { type BufferState, ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";
import type { ZeroCopyLibrary } from "../library/library.ts";
import { checkLibraryArguments } from "../library/library_arguments.ts";
import { what } from "../buffer/gate.ts";
import { checkCallback } from "../library/callbacks.ts";
import { readBatch, restockTableOffsets, tableOf } from "./import.ts";

// Which handed-over memory a batch's columns view, by their apache-arrow
// `Data` (which `select()` and `new Table(batches)` reuse), so that lending
// them to a nonblocking call can pin that memory: disposed meanwhile, it is
// freed after. Keyed by objects the safety net never holds, so an entry never
// keeps a buffer alive.
const owners = new WeakMap<Data, readonly ZeroCopyBuffer<"u8">[]>();

/**
 * The handed-over memory every column of `batch` views (one buffer, or one
 * per Arrow buffer for a batch read from a stream), when an
 * {@linkcode ArrowBatch} or a SQL result made them all; empty for anything
 * else, such as a slice (whose columns are new `Data`).
 */
export function ownersOf(batch: RecordBatch): readonly ZeroCopyBuffer<"u8">[] {
  const columns = batch.data.children;
  const found = owners.get(batch.data) ?? (columns.length > 0 ? owners.get(columns[0]) : undefined);
  return found !== undefined && columns.every((column) => owners.get(column) === found) ? found : [];
}

/** Notes that `batch` views `buffers` (handed-over memory), so that a nonblocking lend pins them rather than copies. */
export function markOwners(batch: RecordBatch, buffers: readonly ZeroCopyBuffer<"u8">[]): void {
  owners.set(batch.data, buffers);
  for (const column of batch.data.children) owners.set(column, buffers);
}

/**
 * A record batch Zig built with `zerocopy.arrow.handOverBatch`, read in place:
 * every column's buffers are views of the memory Zig handed over, not copies.
 * Dispose it (`using`) to give the memory back at once; one never disposed is
 * given back after garbage collection, once neither it nor any apache-arrow
 * object or view over its memory is reachable.
 *
 * Disposing detaches that memory: the getters here then throw `DISPOSED`, and
 * so does reading a value of an apache-arrow `Table` or vector kept from
 * before (`get`, `at`, iterating rows), whose views have no bytes left: never
 * freed memory. Moving the memory's `ArrayBuffer` away
 * (`transfer()`) leaves the batch `moved`: the getters throw `MOVED`, and
 * dispose behaves as a moved {@linkcode ZeroCopyBuffer}'s does.
 *
 * @example Read a batch from Zig as a table
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 * import { adoptBatch } from "@zerocopy/zerocopy/arrow";
 *
 * const lib = await openLibrary();
 * using batch = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(1000n, 0, out));
 * console.log(batch.table.numRows, batch.table.getChild("f64")?.get(10)); // 1000 2
 * ```
 */
export class ArrowBatch implements Disposable {
  readonly #memory: ZeroCopyBuffer<"u8">;
  // A foreign batch's other buffers (a stream's arrays), given back with the first.
  #rest: readonly ZeroCopyBuffer<"u8">[];
  #batch: RecordBatch | null;
  #table: Table | null = null;

  /** @internal Use {@linkcode importBatch}, {@linkcode adoptBatch} or a stream. */
  constructor(memory: ZeroCopyBuffer<"u8">, batch: RecordBatch, rest: readonly ZeroCopyBuffer<"u8">[] = []) {
    this.#memory = memory;
    this.#rest = rest;
    this.#batch = batch;
    markOwners(batch, [memory, ...rest]);
  }

  /** The apache-arrow record batch over Zig's memory. */
  get recordBatch(): RecordBatch {
    return this.#live();
  }

  /** A table of this one batch, over the same memory. */
  get table(): Table {
    const batch = this.#live();
    return this.#table ??= tableOf(batch);
  }

  /** Rows in the batch. */
  get numRows(): number {
    return this.#live().numRows;
  }

  /** The handed-over memory every column views (a `ZeroCopyBuffer<"u8">`); of a batch read from a stream, its first buffer (the others go back with it). */
  get memory(): ZeroCopyBuffer<"u8"> {
    this.#live();
    return this.#memory;
  }

  /**
   * Whether the batch can no longer be read: disposed, or its memory disposed,
   * given back or moved away; never throws.
   */
  get disposed(): boolean {
    return this.state !== "live";
  }

  /**
   * Where the batch is in its life, as {@linkcode ZeroCopyBuffer.prototype.state}
   * says for its memory: `moved` once that memory's `ArrayBuffer` was moved away
   * (`transfer()`, a transfer list), `disposed` once the batch was; never throws.
   *
   * @example A batch after dispose
   * ```ts
   * import { openLibrary } from "@zerocopy/zerocopy";
   * import { adoptBatch } from "@zerocopy/zerocopy/arrow";
   *
   * const lib = await openLibrary();
   * const batch = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(3n, 1, out));
   * console.log(batch.state); // "live"
   * batch[Symbol.dispose]();
   * console.log(batch.state); // "disposed"
   * ```
   */
  get state(): BufferState {
    return this.#batch === null ? "disposed" : this.#memory.state;
  }

  /**
   * The descriptor of the memory, pinned for a native call that reads or
   * writes the batch in place (a Zig export taking `*const zerocopy.Descriptor`).
   *
   * @param call Calls the Zig function with the descriptor.
   * @returns What `call` returns.
   */
  withDescriptor<R>(call: (descriptor: Descriptor) => R): R {
    this.#live();
    checkCallback(call, "ArrowBatch.withDescriptor", "call");
    using pin = this.#memory.pin();
    return call(pin.descriptor);
  }

  /** Gives the memory back to Zig now; later calls do nothing. */
  [Symbol.dispose](): void {
    if (this.#batch === null) return;
    refuseReads(this.#batch.data);
    this.#batch = null;
    const hadTable = this.#table !== null;
    this.#table = null;
    this.#memory[Symbol.dispose]();
    for (const buffer of this.#rest) buffer[Symbol.dispose]();
    this.#rest = [];
    if (hadTable) restockTableOffsets();
  }

  #live(): RecordBatch {
    if (this.#batch === null) {
      throw new ZeroCopyError(
        "DISPOSED",
        "Cannot use a disposed ArrowBatch: its memory went back to Zig; keep the batch alive until you are done with its table",
      );
    }
    const state = this.#memory.state;
    if (state === "moved") {
      throw new ZeroCopyError(
        "MOVED",
        "Cannot use an ArrowBatch whose memory's ArrayBuffer was moved away (transfer(), a transfer list, a worker): its columns no longer view it; copy what must travel (table.toArray(), a new Table), or move the batch's memory with batch.memory.transfer()",
      );
    }
    if (state !== "live") {
      throw new ZeroCopyError(
        state === "consumed" ? "CONSUMED" : "DISPOSED",
        `Cannot use an ArrowBatch whose memory was ${
          state === "consumed" ? "given back or transferred" : "disposed"
        } on its own: dispose the batch, not batch.memory`,
      );
    }
    return this.#batch;
  }
}

/**
 * Makes every value read of `data` and its children throw `DISPOSED`: its
 * views are detached, and apache-arrow, reading past their end, would answer
 * `undefined` or fail in its own arithmetic (a timestamp's bigint division).
 * Every value read asks `getValid` first; an own property shadows it, so no
 * memory is allocated per row. `refuse` throws the owner's own message.
 */
export function refuseReads(data: Data, refuse: () => never = disposedRead): void {
  Object.defineProperty(data, "getValid", { value: refuse, configurable: true });
  for (const child of data.children) refuseReads(child, refuse);
  if (data.dictionary !== undefined) { for (const chunk of data.dictionary.data) refuseReads(chunk, refuse); }
}

function disposedRead(): never {
  throw new ZeroCopyError(
    "DISPOSED",
    "Cannot read a value of a Table whose ArrowBatch was disposed: its memory went back to Zig; keep the batch alive until you are done with its table, or copy what you need first (table.toArray())",
  );
}

/**
 * Reads a buffer a Zig function handed over with `zerocopy.arrow.handOverBatch`
 * as an {@linkcode ArrowBatch}, which owns it from here on. The batch is checked
 * first: every pointer in it must land inside the buffer, every format be
 * supported. A batch that fails is given back to Zig before the error is thrown.
 *
 * @param memory The handed-over buffer (e.g. from `lib.adopt("u8", ...)`, or a
 * generated binding of an export with `out: ?*zerocopy.Out(u8)`).
 * @returns The batch; dispose it to give the memory back.
 * @throws {ZeroCopyError} `ARROW_UNSUPPORTED` naming a format the reader does not
 * support; `ARROW_INVALID` for a layout that does not fit the memory; `DISPOSED`
 * or `CONSUMED` for a buffer that no longer owns its memory; `INVALID_ARGUMENT`
 * for anything but a `ZeroCopyBuffer`.
 *
 * @example Import what a generated binding returned
 * ```ts
 * import { openDemo } from "@zerocopy/zerocopy";
 * import { importBatch } from "@zerocopy/zerocopy/arrow";
 *
 * const demo = await openDemo();
 * using batch = importBatch(demo.bindings.zc_arrow_demo_batch(10, 0));
 * console.log(batch.table.schema.fields.length); // 15
 * ```
 */
export function importBatch(memory: ZeroCopyBuffer<"u8">): ArrowBatch {
  if (!(memory instanceof ZeroCopyBuffer)) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `importBatch reads the ZeroCopyBuffer<"u8"> a Zig function handed a batch over in, not ${
        what(memory)
      }: pass what lib.adopt("u8", ...) or a generated binding returned`,
    );
  }
  let batch: RecordBatch;
  try {
    batch = readBatch(memory);
  } catch (error) {
    memory[Symbol.dispose]();
    throw error;
  }
  return new ArrowBatch(memory, batch);
}

/**
 * Calls a Zig function that hands a batch over (`out: ?*zerocopy.Out(u8)`
 * filled by `zerocopy.arrow.handOverBatch`) and imports it.
 *
 * @param lib The library the function belongs to.
 * @param call Calls the function with the out-descriptor; returns its status.
 * @returns The batch; dispose it to give the memory back.
 * @throws {ZeroCopyError} the function's status as an error, or what {@linkcode importBatch} throws.
 *
 * @example Adopt a batch
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 * import { adoptBatch } from "@zerocopy/zerocopy/arrow";
 *
 * const lib = await openLibrary();
 * using batch = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(3n, 1, out));
 * console.log(batch.numRows); // 3
 * ```
 */
export function adoptBatch<S extends ForeignLibraryInterface>(
  lib: ZeroCopyLibrary<S>,
  call: (descriptor: Descriptor) => number | void,
): ArrowBatch {
  checkLibraryArguments(lib, undefined, "adoptBatch");
  return importBatch(lib.adopt("u8", call));
}
