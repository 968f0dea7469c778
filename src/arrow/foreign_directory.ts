/**
 * The record batch a foreign array's directory describes (zig/zerocopy/arrow/foreign.zig
 * `ForeignHeader`, `ForeignNode`), its buffers viewed in place: every type
 * the reader takes, dictionaries and lists included. Zig checked the
 * structs and sized each buffer from what the producer claims (every offset
 * read once); each view is checked here against the buffer it lies in.
 *
 * @module
 */

import { type Data, Dictionary, Field, RecordBatch, Schema, Struct, Type } from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import type { ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";
import { abiLayout } from "../abi/symbols.ts";
import { FLAG_NULLABLE, typeOfFormat } from "./c_data.ts";
import { childRowsOf, makeColumn } from "./make_column.ts";

const Header = abiLayout.structs.ForeignHeader.fields;
const HEADER_BYTES = abiLayout.structs.ForeignHeader.size;
const Node = abiLayout.structs.ForeignNode.fields;
const NODE_BYTES = abiLayout.structs.ForeignNode.size;
const NULLABLE = Number(FLAG_NULLABLE);
const NO_NULLS = new Uint8Array(0);
const EMPTY = new Uint8Array(0);
const MAX_DEPTH = 64;
const utf8 = new TextDecoder();

function invalid(what: string): ZeroCopyError {
  return new ZeroCopyError("ARROW_INVALID", `Cannot read the Arrow array the engine produced: ${what}`);
}

/**
 * The batch `directory` describes, over `buffers` (the descriptors Zig handed
 * over, in slot order).
 *
 * @throws {ZeroCopyError} `ARROW_INVALID` for a directory that does not fit
 * together; `ARROW_UNSUPPORTED` for a format the reader does not know.
 */
export function readForeignDirectory(
  directory: Uint8Array<ArrayBuffer>,
  buffers: readonly ZeroCopyBuffer<"u8">[],
): RecordBatch {
  const view = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
  const nodeCount = view.getUint32(Header.node_count, true);
  const stringsAt = view.getUint32(Header.strings_at, true);
  if (HEADER_BYTES + nodeCount * NODE_BYTES > directory.byteLength) {
    throw invalid(`its directory of ${nodeCount} arrays does not fit ${directory.byteLength} bytes`);
  }
  let next = 0;
  const text = (at: number, length: number) => {
    if (stringsAt + at + length > directory.byteLength) {
      throw invalid("a name or format lies outside its directory");
    }
    return utf8.decode(directory.subarray(stringsAt + at, stringsAt + at + length));
  };

  // `shift` is where the parent's row 0 is among this array's rows: Zig's
  // `start` includes it already, but the producer's null count then no longer covers the rows read.
  const node = (
    shift: number,
    wanted: number | undefined,
    path: string,
    depth: number,
  ): { field: Field; data: Data } => {
    if (depth > MAX_DEPTH) throw invalid(`${path} is nested more than ${MAX_DEPTH} deep`);
    if (next >= nodeCount) throw invalid(`${path} is missing from its directory`);
    const at = HEADER_BYTES + NODE_BYTES * next++;
    const length = Number(view.getBigUint64(at + Node.length, true));
    const start = Number(view.getBigUint64(at + Node.start, true));
    const nullCount = Number(view.getBigInt64(at + Node.null_count, true));
    const nChildren = view.getUint32(at + Node.n_children, true);
    const slots = [0, 1, 2].map((i) => view.getUint32(at + Node.buffer_slots + 4 * i, true));
    const format = text(
      view.getUint32(at + Node.format_at, true),
      view.getUint32(at + Node.format_len, true),
    );
    const name = text(view.getUint32(at + Node.name_at, true), view.getUint32(at + Node.name_len, true));
    const where = name === "" ? path : `column "${name}"`;
    const rows = wanted ?? length;
    if (rows > length) throw invalid(`${where} has ${length} rows where its parent needs ${rows}`);
    const childRows = childRowsOf(format, start, rows);
    if (childRows === null && nChildren > 0) {
      throw invalid(`${where} (format "${format}") has ${nChildren} children`);
    }
    const fields: Field[] = [];
    const datas: Data[] = [];
    for (let i = 0; i < nChildren; i++) {
      const child = node(childRows!.shift, childRows!.rows, `child ${i} of ${where}`, depth + 1);
      fields.push(child.field);
      datas.push(child.data);
    }
    let type = typeOfFormat(format, fields, where);
    let dictionary: Data | undefined;
    if (view.getUint32(at + Node.dictionary, true) !== 0) {
      if (type.typeId !== Type.Int) {
        throw invalid(`${where} is dictionary-encoded with indices of format "${format}"`);
      }
      dictionary = node(0, undefined, `the dictionary of ${where}`, depth + 1).data;
      type = new Dictionary(dictionary.type, type as never);
    }
    const bytesOf = (slot: number) => {
      if (slot === 0) return undefined;
      const buffer = buffers[slot - 1];
      if (buffer === undefined) {
        throw invalid(`${where} names buffer ${slot}, past the ${buffers.length} handed over`);
      }
      return buffer.bytes;
    };
    const bitmap = bytesOf(slots[0]);
    if (bitmap !== undefined && bitmap.byteLength < Math.ceil((start + rows) / 8)) {
      throw invalid(`the validity bitmap of ${where} is shorter than its rows`);
    }
    const common = {
      offset: start,
      length: rows,
      nullCount: bitmap === undefined ? 0 : shift === 0 && rows === length ? nullCount : -1,
      nullBitmap: bitmap ?? NO_NULLS,
    };
    const data = makeColumn(
      type,
      common,
      (i, bytes, alignment, what) => {
        // No buffer: nothing to view (an empty column's one offset reads as 0).
        const all = bytesOf(slots[i]) ?? (bytes <= 8 ? new Uint8Array(8) : EMPTY);
        if (all.byteLength < bytes || all.byteOffset % alignment !== 0) {
          throw invalid(
            `${what} ${where} are not aligned to ${alignment} bytes or are shorter than ${bytes}`,
          );
        }
        return all as Uint8Array<ArrayBuffer>;
      },
      datas,
      dictionary,
      where,
    );
    return { field: new Field(name, type, (view.getUint32(at + Node.flags, true) & NULLABLE) !== 0), data };
  };

  const root = node(0, undefined, "the batch", 0).data;
  if (!(root.type instanceof Struct)) throw invalid(`its root has format "${root.type}", not a struct`);
  if (root.nullCount > 0) throw invalid("its root struct has nulls");
  if (next !== nodeCount) throw invalid("its directory holds arrays outside the tree of its root");
  return new RecordBatch(new Schema(root.type.children), root as Data<Struct>);
}
