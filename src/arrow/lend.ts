/**
 * Lending an apache-arrow record batch to a Zig function as C Data structs
 * (`*const ArrowSchema`, `*const ArrowArray`) for the length of one call: the
 * structs point at apache-arrow's own buffers, so nothing is copied but a
 * nested column's validity bitmap when apache-arrow sliced it at a bit offset.
 *
 * @module
 */

import type { ForeignLibraryInterface } from "../runtime/ffi_types.ts";
import { Data, Field, RecordBatch, Schema, Struct, type Table } from "apache-arrow";
import { type AbiFunctions, libraryInternals, type ZeroCopyLibrary } from "../library/library.ts";
import { checkLibraryArguments } from "../library/library_arguments.ts";
import { isThenable } from "../library/callbacks.ts";
import { what } from "../buffer/gate.ts";
import { addressOf } from "../buffer/gate_memory.ts";
import { type HeldViews, holdForNonblocking } from "../buffer/gate_nonblocking.ts";
import type { CallFrame } from "../buffer/call_frame.ts";
import { borrowStructMemory, returnStructMemory, scratchOf } from "./struct_memory.ts";
import { ZeroCopyError } from "../errors.ts";
import { ARRAY_BYTES, ArrayOffset, SCHEMA_BYTES, SchemaOffset } from "./c_data.ts";
import { describe, flatten, type Node } from "./lend_describe.ts";
import { ownersOf } from "./batch.ts";
import { bytesOf } from "../buffer/_memory_of.ts";

const encoder = new TextEncoder();
// Column names and formats repeat from batch to batch, and encoding one costs
// more than the rest of a column's struct: each is encoded once (a bounded cache).
const encoded = new Map<string, Uint8Array>();

function cString(text: string): Uint8Array {
  let bytes = encoded.get(text);
  if (bytes === undefined) {
    if (encoded.size >= 4096) encoded.clear();
    bytes = encoder.encode(text + "\0");
    encoded.set(text, bytes);
  }
  return bytes;
}

/**
 * How a batch is lent: for a call made and finished before the lend returns
 * (the default), or for a `nonblocking` symbol, which reads on another thread.
 *
 * @example Lend for a synchronous call, as by default
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 * import { lendBatch, type LendOptions } from "@zerocopy/zerocopy/arrow";
 * import { tableFromArrays } from "apache-arrow";
 *
 * const lib = await openLibrary();
 * const options: LendOptions = { nonblocking: false };
 * const out = new BigUint64Array(1);
 * const table = tableFromArrays({ x: new Int32Array([1, 2, 3]) });
 * const status = lendBatch(lib, table.batches[0], (s, a) => lib.symbols.zc_arrow_checksum(s, a, out), options);
 * console.log(status); // 0
 * ```
 */
export interface LendOptions {
  /**
   * The call returns a Promise (a `nonblocking` symbol). The structs then live
   * in memory JavaScript cannot free, memory Zig handed over is pinned, and
   * other memory is lent through a copy, so that nothing JavaScript does
   * during the call frees what Zig reads. Without it, the structs cannot be
   * passed to a nonblocking symbol: Deno refuses them.
   */
  readonly nonblocking?: boolean;
}

/**
 * Lends `batch` to a Zig function for one call as C Data structs: `call`
 * receives the root `ArrowSchema` and `ArrowArray` to pass as
 * `*const zerocopy.arrow.ArrowSchema` and `*const zerocopy.arrow.ArrowArray`.
 * They point at apache-arrow's own buffers, which stay alive (and must stay
 * unmodified) until `call` returns; Zig reads them during the call and keeps
 * nothing. Their `release` callbacks only mark them released.
 *
 * Every buffer is checked against the lengths, offsets and children that the
 * structs will claim before an address is taken (apache-arrow's `makeData`
 * trusts whatever it is given): each offset of a string, bytes or list column
 * and each dictionary index, other columns in O(1). Dictionary-encoded
 * columns (what `tableFromArrays` makes of strings) are lent with their
 * dictionary; docs/arrow.md ("Types") lists every type lent.
 * Works under a path-scoped `--allow-ffi`: the library itself tells the
 * buffers' addresses (`zc_address_of`).
 *
 * Once `call` returns, the structs are marked released, so a pointer kept
 * past it (or an `async` callback that calls later) reads a released struct.
 * For a `nonblocking` symbol, pass `{ nonblocking: true }`: memory Zig handed
 * over (an {@linkcode ArrowBatch}'s, or any table built over it) is pinned,
 * so disposing it meanwhile frees it only after the call; other memory is
 * lent through a copy that JavaScript cannot reach. Both outlive a worker
 * terminated during the call.
 *
 * @param lib The library whose function reads the batch.
 * @param batch The batch to lend (a table's `batches[i]`).
 * @param call Calls the Zig function with the two structs.
 * @param options `nonblocking: true` when `call` returns a Promise.
 * @returns What `call` returns.
 * @throws {ZeroCopyError} `ARROW_UNSUPPORTED` naming a column type with no supported format;
 * `ARROW_INVALID` naming a column whose lengths, offsets or children do not fit its buffers;
 * `INVALID_ARGUMENT` for anything but a `RecordBatch`, or a Promise without `nonblocking`;
 * `DETACHED` for a column whose memory is gone.
 *
 * @example Checksum a table built in Deno, in Zig
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 * import { lendBatch } from "@zerocopy/zerocopy/arrow";
 * import { tableFromArrays } from "apache-arrow";
 *
 * const lib = await openLibrary();
 * const table = tableFromArrays({ x: new Int32Array([1, 2, 3]) });
 * const out = new BigUint64Array(1);
 * const status = lendBatch(lib, table.batches[0], (schema, array) => lib.symbols.zc_arrow_checksum(schema, array, out));
 * console.log(status, out[0] !== 0n); // 0 true
 * ```
 */
export function lendBatch<S extends ForeignLibraryInterface, R>(
  lib: ZeroCopyLibrary<S>,
  batch: RecordBatch,
  call: (schema: Uint8Array<ArrayBuffer>, array: Uint8Array<ArrayBuffer>) => R,
  options?: LendOptions,
): R {
  checkLibraryArguments(lib, undefined, "lendBatch");
  if (!(batch instanceof RecordBatch)) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `lendBatch lends an apache-arrow RecordBatch, not ${what(batch)}: pass table.batches[i]`,
    );
  }
  if (typeof call !== "function") {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `lendBatch calls a function with the structs, not ${what(call)}`,
    );
  }
  const nonblocking = options?.nonblocking === true;
  const lent = lendStructs(lib, batch, "lendBatch", nonblocking);
  let result: R;
  try {
    result = call(lent.schema, lent.array);
  } catch (error) {
    lent.release();
    throw translateRefusal(error);
  }
  if (!nonblocking) {
    lent.release();
    // Deno may refuse the structs through the Promise of a nonblocking symbol.
    return (isThenable(result)
      ? Promise.resolve(result).catch((error) => {
        throw translateRefusal(error);
      })
      : result) as R;
  }
  if (!isThenable(result)) {
    lent.release();
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      "lendBatch was told { nonblocking: true } but its call returned no Promise: drop the option for a synchronous symbol",
    );
  }
  return Promise.resolve(result).finally(() => lent.release()) as R;
}

// Deno refuses a resizable ArrayBuffer as a nonblocking argument: the structs
// of a synchronous lend are made so, and reaching one is a caller's mistake.
function translateRefusal(error: unknown): unknown {
  if (error instanceof TypeError && /Resizable backing stores/.test(error.message)) {
    return new ZeroCopyError(
      "INVALID_ARGUMENT",
      "Cannot pass the structs of a synchronous lend to a nonblocking symbol: lend with { nonblocking: true }",
    );
  }
  return error;
}

// The structs lendStructs wrote, so that no hand-made object passes for them.
const genuine = new WeakSet<object>();

/** Whether `value` is structs {@linkcode lendStructs} wrote. */
export function isLentStructs(value: unknown): value is LentStructs {
  return typeof value === "object" && value !== null && genuine.has(value);
}

/** C Data structs lent for a call, and what keeps the memory they point at. */
export interface LentStructs {
  /** The root `ArrowSchema`. */
  readonly schema: Uint8Array<ArrayBuffer>;
  /** The root `ArrowArray`. */
  readonly array: Uint8Array<ArrayBuffer>;
  /** Marks the structs released and lets go of what was held for the call; runs once. */
  release(): void;
}

/**
 * The structs of `batch`, pointing at its buffers once each is checked
 * ({@linkcode describe}). For a nonblocking call the structs live in a call
 * frame, with a copy of each buffer `lib` cannot hold
 * ({@linkcode holdForNonblocking}), so all of it outlives even an isolate that
 * dies during the call; otherwise in a resizable `ArrayBuffer`, which Deno
 * refuses to pass to a nonblocking symbol. `outlivesCall`: a consumer reads
 * the structs after the call that lent them (a stream's batches), so under
 * the pointer-view mapping the frame is Zig memory, which a terminated worker
 * leaves allocated, rather than a `SharedArrayBuffer` that goes with it.
 */
export function lendStructs<S extends ForeignLibraryInterface>(
  lib: ZeroCopyLibrary<S>,
  batch: RecordBatch,
  caller: string,
  nonblocking: boolean,
  outlivesCall = false,
): LentStructs {
  if (!(batch.schema instanceof Schema) || !(batch.data instanceof Data)) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `${caller}: the RecordBatch has no schema or data of its own (made from its prototype?): lend one apache-arrow built`,
    );
  }
  const root = describe(new Field("", new Struct(batch.schema.fields), false), batch.data, "the batch");
  const nodes = flatten(root);
  const originals: ArrayBufferView[] = [];
  for (const n of nodes) {
    for (const { view, checked } of n.buffers) {
      // Memory a nonblocking call pins stays writable by JavaScript during the call: what was checked
      // is lent as a copy of what was checked (plain memory is copied into the frame anyway).
      if (view !== null) originals.push(nonblocking && checked ? new Uint8Array(bytesOf(view)) : view);
    }
  }
  const size = structsSize(nodes);
  // A nonblocking call reaches the buffers through the structs, which Deno
  // does not keep for it: structs and shadows share one frame, passed to the call.
  let frame: CallFrame | undefined;
  const mapping = libraryInternals.mappingOf(lib);
  let held: HeldViews | null = null;
  try {
    if (nonblocking) {
      held = holdForNonblocking(originals, caller, ownersOf(batch), {
        mapping,
        open(shadowBytes) {
          frame = outlivesCall && mapping.kind === "pointer-view"
            ? zigFrame(lib, size.padded + shadowBytes)
            : mapping.openFrame(size.padded + shadowBytes);
          return { frame, shadows: frame.bytes.subarray(size.padded) };
        },
      });
    }
    return writeStructs(
      lib,
      nodes,
      size,
      (held?.views ?? originals) as readonly ArrayBufferView[],
      frame,
      () => {
        held?.release(caller, false);
        frame?.close();
      },
    );
  } catch (error) {
    held?.release(caller, false);
    frame?.close();
    throw error;
  }
}

/**
 * A frame of Zig memory under the pointer-view mapping, which holds nothing
 * (that mapping's holds are no-ops): freed at `close`, and left allocated by a
 * worker terminated before, as that mapping leaves every buffer of one.
 */
function zigFrame<S extends ForeignLibraryInterface>(lib: ZeroCopyLibrary<S>, bytes: number): CallFrame {
  const memory = lib.allocate("u8", bytes);
  return {
    bytes: memory.view,
    hold() {},
    close: () => memory[Symbol.dispose](),
  };
}

/** The bytes of a batch's structs: the structs (8-aligned), each node's buffer and children lists, the strings. */
function structsSize(nodes: readonly Node[]) {
  const names = nodes.map((n) => [cString(n.format), cString(n.name)]);
  let size = nodes.length * (SCHEMA_BYTES + ARRAY_BYTES);
  const listsAt = size;
  for (const n of nodes) size += 8 * (n.buffers.length + 2 * n.children.length);
  const stringsAt = size;
  for (const [format, name] of names) size += format.length + name.length;
  return { names, listsAt, stringsAt, size, padded: Math.ceil(size / 16) * 16 };
}

function writeStructs<S extends ForeignLibraryInterface>(
  lib: ZeroCopyLibrary<S>,
  nodes: readonly Node[],
  { names, listsAt, stringsAt, size }: ReturnType<typeof structsSize>,
  views: readonly ArrayBufferView[],
  frame: CallFrame | undefined,
  letGo: () => void,
): LentStructs {
  const borrowed = frame === undefined ? borrowStructMemory(size) : undefined;
  // The root schema starts the frame: a lent stream retains the frame by that address (lent_stream.zig).
  const memory = borrowed?.bytes ?? frame!.bytes.subarray(0, size);
  const scratch = borrowed === undefined ? memory : scratchOf(size);
  const view = new DataView(scratch.buffer, scratch.byteOffset, size);
  // Addresses fit a number's 53 bits on every 64-bit host: no BigInt per word.
  const base = Number(addressOf(memory, lib));
  const schemaAt = (i: number) => i * SCHEMA_BYTES;
  const arrayAt = (i: number) => nodes.length * SCHEMA_BYTES + i * ARRAY_BYTES;
  const symbols = lib.symbols as unknown as AbiFunctions;
  const schemaRelease = Number(symbols.zc_arrow_lent_release(0));
  const arrayRelease = Number(symbols.zc_arrow_lent_release(1));
  const put = (at: number, value: number) => {
    if (value < 0 || value > Number.MAX_SAFE_INTEGER) return view.setBigInt64(at, BigInt(value), true);
    view.setUint32(at, value % 2 ** 32, true);
    view.setUint32(at + 4, Math.floor(value / 2 ** 32), true);
  };
  let lists = listsAt;
  let strings = stringsAt;
  let next = 0;
  const indexOf = new Map<Node, number>();
  nodes.forEach((n, i) => indexOf.set(n, i));
  nodes.forEach((n, i) => {
    const [format, name] = names[i];
    scratch.set(format, strings);
    put(schemaAt(i) + SchemaOffset.format, base + strings);
    strings += format.length;
    scratch.set(name, strings);
    put(schemaAt(i) + SchemaOffset.name, base + strings);
    strings += name.length;
    put(schemaAt(i) + SchemaOffset.flags, Number(n.flags));
    put(schemaAt(i) + SchemaOffset.n_children, n.children.length);
    put(schemaAt(i) + SchemaOffset.release, schemaRelease);
    put(arrayAt(i) + ArrayOffset.length, n.length);
    put(arrayAt(i) + ArrayOffset.null_count, n.nullCount);
    put(arrayAt(i) + ArrayOffset.offset, n.offset);
    put(arrayAt(i) + ArrayOffset.n_buffers, n.buffers.length);
    put(arrayAt(i) + ArrayOffset.n_children, n.children.length);
    put(arrayAt(i) + ArrayOffset.release, arrayRelease);
    put(arrayAt(i) + ArrayOffset.buffers, base + lists);
    if (n.dictionary !== undefined) {
      put(schemaAt(i) + SchemaOffset.dictionary, base + schemaAt(indexOf.get(n.dictionary)!));
      put(arrayAt(i) + ArrayOffset.dictionary, base + arrayAt(indexOf.get(n.dictionary)!));
    }
    for (const { view: buffer, back } of n.buffers) {
      // The described buffers, in order; each one's C pointer starts `back` bytes early (see describe).
      put(lists, buffer === null ? 0 : Number(addressOf(views[next++], lib)) - back);
      lists += 8;
    }
    if (n.children.length > 0) {
      put(schemaAt(i) + SchemaOffset.children, base + lists);
      for (const child of n.children) {
        put(lists, base + schemaAt(indexOf.get(child)!));
        lists += 8;
      }
      put(arrayAt(i) + ArrayOffset.children, base + lists);
      for (const child of n.children) {
        put(lists, base + arrayAt(indexOf.get(child)!));
        lists += 8;
      }
    }
  });
  if (scratch !== memory) memory.set(scratch);
  let released = false;
  const lent: LentStructs = {
    schema: memory.subarray(schemaAt(0), schemaAt(0) + SCHEMA_BYTES),
    array: memory.subarray(arrayAt(0), arrayAt(0) + ARRAY_BYTES),
    release(): void {
      if (released) return;
      released = true;
      // A null `release` is the specification's mark of a released struct. Memory a
      // caller shrank through a view is zeroed by the engine already, and out of reach.
      if (memory.byteLength === size) memory.fill(0);
      if (borrowed !== undefined) returnStructMemory(borrowed);
      letGo();
    },
  };
  genuine.add(lent);
  return lent;
}

/**
 * {@linkcode lendBatch} for each batch of a table in turn.
 *
 * @param lib The library whose function reads the batches.
 * @param table The table to lend.
 * @param call Calls the Zig function with one batch's structs.
 * @returns What each call returned, in batch order.
 * @throws {ZeroCopyError} what {@linkcode lendBatch} throws; `INVALID_ARGUMENT` for anything but a `Table`.
 *
 * @example Checksum every batch of a table
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 * import { lendTable } from "@zerocopy/zerocopy/arrow";
 * import { tableFromArrays } from "apache-arrow";
 *
 * const lib = await openLibrary();
 * const out = new BigUint64Array(1);
 * const table = tableFromArrays({ x: new Float64Array([0.5, 1.5]) });
 * console.log(lendTable(lib, table, (s, a) => lib.symbols.zc_arrow_checksum(s, a, out))); // [ 0 ]
 * ```
 */
export function lendTable<S extends ForeignLibraryInterface, R>(
  lib: ZeroCopyLibrary<S>,
  table: Table,
  call: (schema: Uint8Array<ArrayBuffer>, array: Uint8Array<ArrayBuffer>) => R,
): R[] {
  checkLibraryArguments(lib, undefined, "lendTable");
  if (typeof table !== "object" || table === null || !Array.isArray((table as Partial<Table>).batches)) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `lendTable lends an apache-arrow Table, not ${
        what(table)
      }: pass a Table, or lend one RecordBatch with lendBatch`,
    );
  }
  return table.batches.map((batch) => lendBatch(lib, batch, call));
}
