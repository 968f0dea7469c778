/**
 * Reading a batch Zig handed over (`zerocopy.arrow.handOverBatch`) as
 * apache-arrow objects in place. The memory starts with a directory Zig wrote
 * (zig/zerocopy/arrow/directory.zig): per array, its lengths, flags, format,
 * name and buffers as byte offsets and lengths into the same memory, never
 * addresses. Every offset and length is checked against the memory before a
 * view is made of it, so a directory someone overwrote can make the import
 * fail, never read outside the memory. Nothing is copied.
 *
 * @module
 */

import { type Data, Dictionary, Field, RecordBatch, Schema, Struct, Table, Type } from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import type { ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";
import {
  bufferCount,
  FLAG_NULLABLE,
  HEADER_BYTES,
  HeaderOffset,
  NODE_BYTES,
  NodeOffset,
  typeOfFormat,
} from "./c_data.ts";
import { childRowsOf, makeColumn } from "./make_column.ts";

const utf8 = new TextDecoder();
const NULLABLE = Number(FLAG_NULLABLE);
const NO_NULLS = new Uint8Array(0);

// Deeper nesting than this is refused: the directory's preorder already makes
// each node count once, so this only bounds the recursion.
const MAX_DEPTH = 64;

/** Reads one handed-over batch's directory, checking each offset against the memory. */
class DirectoryReader {
  readonly #view: DataView;
  readonly #bytes: Uint8Array<ArrayBuffer>;
  readonly #count: number;
  readonly #nodesAt: number;
  /** The next node in preorder: each node is read once, so the walk ends. */
  #next = 0;

  constructor(bytes: Uint8Array<ArrayBuffer>) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < HEADER_BYTES) {
      throw invalid(`${bytes.byteLength} bytes cannot hold a batch's directory`);
    }
    this.#count = this.word(HeaderOffset.node_count);
    this.#nodesAt = this.word(HeaderOffset.nodes_at);
    if (
      this.#count < 1 || this.#nodesAt % 8 !== 0 || this.#nodesAt < HEADER_BYTES ||
      this.#nodesAt + this.#count * NODE_BYTES > bytes.byteLength
    ) {
      throw invalid(`its directory of ${this.#count} nodes at byte ${this.#nodesAt} does not fit the memory`);
    }
  }

  word(at: number): number {
    // Two 32-bit reads instead of a BigInt: an import reads dozens of words.
    const low = this.#view.getUint32(at, true);
    const high = this.#view.getInt32(at + 4, true);
    if (high >= 0x200000 || high < -0x200000) {
      throw invalid(`a field at byte ${at} holds ${this.#view.getBigInt64(at, true)}, out of range`);
    }
    return high * 0x1_0000_0000 + low;
  }

  /** Rows of the root struct: the batch's. */
  get rootRows(): number {
    return this.word(this.#nodesAt + NodeOffset.length);
  }

  /** Whether every node was read: a directory with nodes no parent counts is not Zig's. */
  get complete(): boolean {
    return this.#next === this.#count;
  }

  string(at: number, length: number, what: string, where: string): string {
    const offset = this.word(at);
    if (offset < 0 || length < 0 || offset + length > this.#bytes.byteLength) {
      throw invalid(`${describe(what, where)} lies outside the memory handed over`);
    }
    // Names and formats are short and mostly ASCII: read them without a decoder.
    if (length <= 64) {
      let text = "";
      for (let i = offset; i < offset + length; i++) {
        const byte = this.#bytes[i];
        if (byte >= 0x80) return utf8.decode(this.#bytes.subarray(offset, offset + length));
        text += String.fromCharCode(byte);
      }
      return text;
    }
    return utf8.decode(this.#bytes.subarray(offset, offset + length));
  }

  /** The byte offset of `bytes` bytes of buffer `i` of the node at `node`, checked. */
  #region(node: number, i: number, bytes: number, what: string, where: string, alignment: number): number {
    const offset = this.word(node + NodeOffset.buffer_at + 8 * i);
    const length = this.word(node + NodeOffset.buffer_len + 8 * i);
    if (length < bytes) {
      throw invalid(`${describe(what, where)} has ${length} bytes but must hold ${bytes}`);
    }
    if (offset < 0 || offset + bytes > this.#bytes.byteLength) {
      throw invalid(`${describe(what, where)} points outside the memory handed over`);
    }
    if ((this.#bytes.byteOffset + offset) % alignment !== 0) {
      throw invalid(`${describe(what, where)} is not aligned to ${alignment} bytes`);
    }
    return offset;
  }

  bytesAt(
    node: number,
    i: number,
    count: number,
    what: string,
    where: string,
    alignment: number,
  ): Uint8Array<ArrayBuffer> {
    const offset = this.#region(node, i, count, what, where, alignment);
    return this.#bytes.subarray(offset, offset + count);
  }

  /**
   * A field and its data; `shift` is where the parent's row 0 is among this
   * array's rows, `rows` how many the parent needs (undefined: its own length,
   * for a list's items or a dictionary).
   */
  node(shift: number, wanted: number | undefined, path: string, depth: number): { field: Field; data: Data } {
    if (depth > MAX_DEPTH) throw invalid(`${path} is nested more than ${MAX_DEPTH} deep`);
    if (this.#next >= this.#count) throw invalid(`${path} is not in its directory of ${this.#count} nodes`);
    const at = this.#nodesAt + NODE_BYTES * this.#next++;
    const view = this.#view;
    const nameLength = view.getUint32(at + NodeOffset.name_len, true);
    const name = this.string(at + NodeOffset.name_at, nameLength, "the name of $", path);
    const where = name === "" ? path : `column "${name}"`;
    const formatLength = view.getUint32(at + NodeOffset.format_len, true);
    const format = this.string(at + NodeOffset.format_at, formatLength, "the format of $", where);
    const flags = view.getUint32(at + NodeOffset.flags, true);
    const nChildren = view.getUint32(at + NodeOffset.n_children, true);
    if (nChildren > this.#count - this.#next) {
      throw invalid(`${where} has ${nChildren} children, more than its directory holds`);
    }
    const length = this.word(at + NodeOffset.length);
    const offset = this.word(at + NodeOffset.offset);
    const nullCount = this.word(at + NodeOffset.null_count);
    const rows = wanted ?? length;
    if (length < 0 || offset < 0 || nullCount < -1 || nullCount > length || shift + rows > length) {
      throw invalid(
        `${where} has length ${length}, offset ${offset}, null count ${nullCount} for ${rows} rows`,
      );
    }
    const start = shift + offset;
    // The parameterized formats need their children's fields first.
    const fields: Field[] = [];
    const datas: Data[] = [];
    const childRows = childRowsOf(format, start, rows);
    if (childRows === null && nChildren > 0) {
      throw invalid(`${where} (format "${format}") has ${nChildren} children`);
    }
    for (let i = 0; i < nChildren; i++) {
      const child = this.node(childRows!.shift, childRows!.rows, `child ${i} of ${where}`, depth + 1);
      fields.push(child.field);
      datas.push(child.data);
    }
    let type = typeOfFormat(format, fields, where);
    if (fields.length !== nChildren) {
      throw invalid(`${where} (format "${format}") has ${nChildren} children`);
    }
    const nBuffers = view.getUint32(at + NodeOffset.n_buffers, true);
    if (nBuffers !== bufferCount(type)) {
      throw invalid(`${where} (format "${format}") has ${nBuffers} buffers, not ${bufferCount(type)}`);
    }
    let dictionary: Data | undefined;
    if (view.getUint32(at + NodeOffset.dictionary, true) !== 0) {
      if (type.typeId !== Type.Int) {
        throw invalid(`${where} is dictionary-encoded with indices of format "${format}"`);
      }
      dictionary = this.node(0, undefined, `the dictionary of ${where}`, depth + 1).data;
      type = new Dictionary(dictionary.type, type as never);
    }
    const bitmapBytes = Math.ceil((start + rows) / 8);
    const nullBitmap = nullCount === 0 || this.word(at + NodeOffset.buffer_len) === 0
      ? undefined
      : this.bytesAt(at, 0, bitmapBytes, "the validity bitmap of $", where, 1);
    // A shared empty bitmap spares apache-arrow allocating one per column with no nulls.
    // The producer's null count, when it covers exactly these rows, spares
    // apache-arrow counting the bitmap (O(rows)) on the column's first access.
    const common = {
      offset: start,
      length: rows,
      nullCount: !nullBitmap ? 0 : shift === 0 && rows === length ? nullCount : -1,
      nullBitmap: nullBitmap ?? NO_NULLS,
    };
    const data = makeColumn(
      type,
      common,
      (i, bytes, alignment, what) => this.bytesAt(at, i, bytes, `${what} $`, where, alignment),
      datas,
      dictionary,
      where,
    );
    const nullable = (flags & NULLABLE) !== 0;
    return { field: new Field(name, type, nullable), data };
  }
}

/** A message's subject, built only when there is an error to report: `$` stands for `where`. */
function describe(what: string, where: string): string {
  return what.replace("$", () => where);
}

function invalid(what: string): ZeroCopyError {
  return new ZeroCopyError("ARROW_INVALID", `Invalid Arrow batch: ${what}`);
}

/** The apache-arrow record batch over a handed-over batch's memory. */
export function readBatch(buffer: ZeroCopyBuffer<"u8">): RecordBatch {
  const reader = new DirectoryReader(buffer.bytes);
  const root = reader.node(0, reader.rootRows, "the batch", 0);
  if (!reader.complete) throw invalid("its directory holds nodes outside the tree of its root");
  if (!(root.data.type instanceof Struct)) {
    throw invalid(`its root has format "${root.data.type}", not a struct ("+s")`);
  }
  if (root.data.nullCount > 0) throw invalid("its root struct has nulls");
  return new RecordBatch(new Schema(root.data.type.children), root.data as Data<Struct>);
}

// A table's chunk offsets, allocated while no batch is mapped. V8 runs a
// scavenge whenever a typed array's memory is allocated while young
// ArrayBuffers hold 64 MB or more of external memory (twice the largest
// semi-space), and Deno allocates every typed array's memory off the heap, so
// the `Uint32Array` apache-arrow's `Table` allocates for its offsets cost a
// collection per big batch (one per import at 10 M rows). The table takes
// the spare instead; a dispose, once the batch is unmapped, allocates the next.
let spareOffsets: Uint32Array | null = new Uint32Array(2);

/** A table of one batch, allocating no memory while the batch is mapped when a spare is at hand. */
export function tableOf(batch: RecordBatch): Table {
  const offsets = spareOffsets;
  if (offsets === null) return new Table([batch]);
  spareOffsets = null;
  offsets[0] = 0;
  offsets[1] = batch.numRows;
  return new Table(batch.schema, [batch], offsets);
}

/** Allocates the next table's offsets if the last were taken: call with no batch just mapped. */
export function restockTableOffsets(): void {
  spareOffsets ??= new Uint32Array(2);
}
