/**
 * Lending an apache-arrow record batch to a Zig function as C Data structs
 * (`*const ArrowSchema`, `*const ArrowArray`) for the length of one call: the
 * structs point at apache-arrow's own buffers, so nothing is copied but a
 * nested column's validity bitmap when apache-arrow sliced it at a bit offset.
 *
 * @module
 */

import { type Data, type DataType, Field, RecordBatch, Struct, type Table, Type } from "apache-arrow";
import type { AbiFunctions, ZeroCopyLibrary } from "../library/library.ts";
import { isThenable } from "../library/callbacks.ts";
import { gateLent, what } from "../buffer/gate.ts";
import { checkLentAfterCall } from "../calls/async_call.ts";
import { ZeroCopyError } from "../errors.ts";
import type { ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";
import { ownerOf } from "./batch.ts";
import {
  ARRAY_BYTES,
  ArrayOffset,
  FLAG_NULLABLE,
  formatOfType,
  SCHEMA_BYTES,
  SchemaOffset,
} from "./c_data.ts";

interface Node {
  where: string;
  format: string;
  name: string;
  flags: bigint;
  length: number;
  nullCount: number;
  offset: number;
  /** Each buffer, and how many bytes before the view its C pointer starts. */
  buffers: { view: ArrayBufferView | null; back: number }[];
  children: Node[];
}

// apache-arrow slices fixed-width values and offsets to the first row, but
// keeps validity bitmaps (and bools) whole with `offset` counting into them;
// C Data has one offset for every buffer. So a leaf keeps apache-arrow's
// offset and its pre-sliced buffers' pointers start `offset` elements early,
// where the reader will add it back. A struct or list gets offset 0 (its
// children are sliced already) and, if it has nulls, a bitmap copied to bit 0.
function describe(field: Field, data: Data, where: string, budget: Budget, depth = 0): Node {
  if (--budget.nodes < 0 || depth > MAX_LENT_DEPTH) {
    throw new ZeroCopyError(
      "ARROW_INVALID",
      `Cannot lend the batch: ${where} is past ${MAX_LENT_NODES} arrays or ${MAX_LENT_DEPTH} levels of nesting ` +
        "(a child shared or nested in a loop?); lend a batch whose columns are trees",
    );
  }
  const type: DataType = data.type;
  const format = formatOfType(type, where);
  const nullCount = data.nullCount;
  const bitmap = nullCount > 0 && data.nullBitmap && data.nullBitmap.byteLength > 0 ? data.nullBitmap : null;
  const node: Node = {
    where,
    format,
    name: field.name,
    flags: field.nullable ? FLAG_NULLABLE : 0n,
    length: data.length,
    nullCount: bitmap ? nullCount : 0,
    offset: data.offset,
    buffers: [{ view: bitmap, back: 0 }],
    children: [],
  };
  switch (type.typeId) {
    case Type.Struct:
    case Type.FixedSizeList: {
      node.offset = 0;
      if (bitmap && data.offset !== 0) {
        node.buffers[0] = { view: shiftedBitmap(bitmap, data.offset, data.length), back: 0 };
      }
      const fields = type.children as Field[];
      if (data.children.length !== fields.length) {
        throw new ZeroCopyError(
          "ARROW_INVALID",
          `Cannot lend the batch: ${where} has ${data.children.length} children but its type names ${fields.length}; ` +
            "build the data with makeData from its type",
        );
      }
      node.children = data.children.map((child, i) =>
        describe(fields[i], child, `${where}.${fields[i].name}`, budget, depth + 1)
      );
      break;
    }
    case Type.Bool:
      node.buffers.push({ view: data.values, back: 0 });
      break;
    case Type.Utf8:
      node.buffers.push({ view: data.valueOffsets, back: data.offset * 4 });
      node.buffers.push({ view: data.values, back: 0 });
      break;
    default:
      node.buffers.push({
        view: data.values,
        back: data.offset *
          (data.values as ArrayBufferView & { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT,
      });
  }
  return node;
}

// The limits Zig's reader puts on structs it is lent (zig/zerocopy/arrow/reader.zig
// `Limits`): a batch past them would be refused there, after a walk as long.
const MAX_LENT_NODES = 1 << 16;
const MAX_LENT_DEPTH = 64;

interface Budget {
  nodes: number;
}

function shiftedBitmap(bitmap: Uint8Array, offset: number, length: number): Uint8Array {
  const shifted = new Uint8Array(Math.ceil(length / 8));
  for (let i = 0; i < length; i++) {
    const at = offset + i;
    if (bitmap[at >> 3] & (1 << (at & 7))) shifted[i >> 3] |= 1 << (i & 7);
  }
  return shifted;
}

function flatten(node: Node, into: Node[] = []): Node[] {
  into.push(node);
  for (const child of node.children) flatten(child, into);
  return into;
}

const encoder = new TextEncoder();
// A pointer for an empty buffer that C Data consumers may still read the start of.
const EMPTY = new Uint8Array(8);

/**
 * Lends `batch` to a Zig function for one call as C Data structs: `call`
 * receives the root `ArrowSchema` and `ArrowArray` to pass as
 * `*const zerocopy.arrow.ArrowSchema` and `*const zerocopy.arrow.ArrowArray`.
 * They point at apache-arrow's own buffers, which stay alive (and must stay
 * unmodified) until `call` returns; Zig reads them during the call and keeps
 * nothing. Their `release` callbacks only mark them released.
 *
 * Works under a path-scoped `--allow-ffi`: the library itself tells the
 * buffers' addresses (`zc_address_of`).
 *
 * @param lib The library whose function reads the batch.
 * @param batch The batch to lend (a table's `batches[i]`).
 * @param call Calls the Zig function with the two structs.
 * When `call` returns a Promise (a `nonblocking` symbol), the structs and every
 * buffer they point at stay referenced until it settles, and it rejects with
 * `DETACHED` if one of them was detached (transferred) meanwhile. A batch
 * an {@linkcode ArrowBatch} made keeps its memory pinned during the call:
 * disposed meanwhile, it is freed once the call returns or settles.
 *
 * @returns What `call` returns.
 * @throws {ZeroCopyError} `ARROW_UNSUPPORTED` naming a column type with no supported format;
 * `INVALID_ARGUMENT` for anything but a `RecordBatch`; `DETACHED` for a column whose memory is gone.
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
export function lendBatch<S extends Deno.ForeignLibraryInterface, R>(
  lib: ZeroCopyLibrary<S>,
  batch: RecordBatch,
  call: (schema: Uint8Array<ArrayBuffer>, array: Uint8Array<ArrayBuffer>) => R,
): R {
  if (!(batch instanceof RecordBatch)) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `lendBatch lends an apache-arrow RecordBatch, not ${what(batch)}: pass table.batches[i]`,
    );
  }
  const lent = lendStructs(lib, batch, "lendBatch");
  // Memory Zig handed over stays allocated until the call returns or settles,
  // even if its ArrowBatch is disposed meanwhile.
  const pins = lent.owners.map((owner) => owner.pin());
  const unpin = () => pins.forEach((pin) => pin[Symbol.dispose]());
  let result: R;
  try {
    result = call(lent.schema, lent.array);
  } catch (error) {
    unpin();
    throw error;
  }
  if (!isThenable(result)) {
    unpin();
    return result;
  }
  return afterSettled(result, lent.views, "lendBatch").finally(unpin) as R;
}

/** C Data structs lent for a call, and every view they point into. */
export interface LentStructs {
  /** The root `ArrowSchema`. */
  readonly schema: Uint8Array<ArrayBuffer>;
  /** The root `ArrowArray`. */
  readonly array: Uint8Array<ArrayBuffer>;
  /** The structs' own memory first, then each Arrow buffer they point at. */
  readonly views: readonly ArrayBufferView[];
  /** The handed-over memory the batch views, if an `ArrowBatch` made it: to pin during a nonblocking call. */
  readonly owners: readonly ZeroCopyBuffer<"u8">[];
}

/**
 * The structs of `batch` in JavaScript memory, pointing at apache-arrow's buffers.
 * A column whose memory was detached (a disposed `ArrowBatch`'s table, a
 * transferred `ArrayBuffer`) is refused: Zig would read no data or freed memory.
 */
export function lendStructs<S extends Deno.ForeignLibraryInterface>(
  lib: ZeroCopyLibrary<S>,
  batch: RecordBatch,
  caller: string,
): LentStructs {
  const budget = { nodes: MAX_LENT_NODES };
  const root = describe(
    new Field("", new Struct(batch.schema.fields), false),
    batch.data,
    "the batch",
    budget,
  );
  const nodes = flatten(root);
  const views: ArrayBufferView[] = [];
  for (const n of nodes) {
    for (const { view } of n.buffers) {
      if (view === null) continue;
      // A disposed ArrowBatch's table, or a transferred ArrayBuffer: Zig would read none.
      views.push(gateLent(view, undefined, caller, `column ${n.where}`));
    }
  }
  const names = nodes.map((n) => [encoder.encode(n.format + "\0"), encoder.encode(n.name + "\0")]);
  // Structs first (8-aligned), then each node's buffer and children lists, then the strings.
  let size = nodes.length * (SCHEMA_BYTES + ARRAY_BYTES);
  const listsAt = size;
  for (const n of nodes) size += 8 * (n.buffers.length + 2 * n.children.length);
  const stringsAt = size;
  for (const [format, name] of names) size += format.length + name.length;
  const memory = new Uint8Array(size);
  const view = new DataView(memory.buffer);
  const symbols = lib.symbols as unknown as AbiFunctions;
  const address = (v: ArrayBufferView) => {
    // Reading `buffer` moves a small on-heap TypedArray's bytes off the heap,
    // where garbage collection cannot move them before the call.
    void v.buffer;
    return BigInt(symbols.zc_address_of(v.byteLength === 0 ? EMPTY : v as BufferSource));
  };
  const base = address(memory);
  const schemaAt = (i: number) => i * SCHEMA_BYTES;
  const arrayAt = (i: number) => nodes.length * SCHEMA_BYTES + i * ARRAY_BYTES;
  const schemaRelease = BigInt(symbols.zc_arrow_lent_release(0));
  const arrayRelease = BigInt(symbols.zc_arrow_lent_release(1));
  const put = (at: number, value: bigint | number) => view.setBigInt64(at, BigInt(value), true);
  let lists = listsAt;
  let strings = stringsAt;
  const indexOf = new Map<Node, number>();
  nodes.forEach((n, i) => indexOf.set(n, i));
  nodes.forEach((n, i) => {
    const [format, name] = names[i];
    memory.set(format, strings);
    put(schemaAt(i) + SchemaOffset.format, base + BigInt(strings));
    strings += format.length;
    memory.set(name, strings);
    put(schemaAt(i) + SchemaOffset.name, base + BigInt(strings));
    strings += name.length;
    put(schemaAt(i) + SchemaOffset.flags, n.flags);
    put(schemaAt(i) + SchemaOffset.n_children, n.children.length);
    put(schemaAt(i) + SchemaOffset.release, schemaRelease);
    put(arrayAt(i) + ArrayOffset.length, n.length);
    put(arrayAt(i) + ArrayOffset.null_count, n.nullCount);
    put(arrayAt(i) + ArrayOffset.offset, n.offset);
    put(arrayAt(i) + ArrayOffset.n_buffers, n.buffers.length);
    put(arrayAt(i) + ArrayOffset.n_children, n.children.length);
    put(arrayAt(i) + ArrayOffset.release, arrayRelease);
    put(arrayAt(i) + ArrayOffset.buffers, base + BigInt(lists));
    for (const { view: buffer, back } of n.buffers) {
      put(lists, buffer === null ? 0n : address(buffer) - BigInt(back));
      lists += 8;
    }
    if (n.children.length > 0) {
      put(schemaAt(i) + SchemaOffset.children, base + BigInt(lists));
      for (const child of n.children) {
        put(lists, base + BigInt(schemaAt(indexOf.get(child)!)));
        lists += 8;
      }
      put(arrayAt(i) + ArrayOffset.children, base + BigInt(lists));
      for (const child of n.children) {
        put(lists, base + BigInt(arrayAt(indexOf.get(child)!)));
        lists += 8;
      }
    }
  });
  return {
    schema: memory.subarray(schemaAt(0), schemaAt(0) + SCHEMA_BYTES),
    array: memory.subarray(arrayAt(0), arrayAt(0) + ARRAY_BYTES),
    views: [memory, ...views],
    owners: ownerOf(batch) === undefined ? [] : [ownerOf(batch)!],
  };
}

/**
 * Waits for a call that returned a thenable (a nonblocking export) while
 * `views` stay referenced, so that neither the structs nor the buffers they
 * point at are collected under Zig; then refuses the result if any was
 * detached meanwhile, since Zig may have read memory that moved.
 */
export async function afterSettled<T>(
  pending: PromiseLike<T>,
  views: readonly ArrayBufferView[],
  caller: string,
): Promise<T> {
  const value = await pending;
  checkLentAfterCall(caller, views);
  return value;
}

/**
 * {@linkcode lendBatch} for each batch of a table in turn.
 *
 * @param lib The library whose function reads the batches.
 * @param table The table to lend.
 * @param call Calls the Zig function with one batch's structs.
 * @returns What each call returned, in batch order.
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
export function lendTable<S extends Deno.ForeignLibraryInterface, R>(
  lib: ZeroCopyLibrary<S>,
  table: Table,
  call: (schema: Uint8Array<ArrayBuffer>, array: Uint8Array<ArrayBuffer>) => R,
): R[] {
  return table.batches.map((batch) => lendBatch(lib, batch, call));
}
