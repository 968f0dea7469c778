/**
 * Reading a batch Zig handed over (`zerocopy.arrow.handOverBatch`) as
 * apache-arrow objects in place: the C Data structs live inside the handed-over
 * memory, so every pointer in them is checked to land inside it and turned
 * into an offset, and every Arrow buffer becomes a view of the one
 * `ArrayBuffer`. Nothing is copied and no pointer is dereferenced by Deno.
 *
 * @module
 */

import { type Data, Field, makeData, RecordBatch, Schema, Struct, Table, Type } from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import { bufferInternals, type ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";
import { DescriptorOffset } from "../abi/layout.ts";
import {
  ARRAY_BYTES,
  ArrayOffset,
  BlockOffset,
  bufferCount,
  FLAG_NULLABLE,
  SCHEMA_BYTES,
  SchemaOffset,
  typeOfFormat,
} from "./c_data.ts";

const utf8 = new TextDecoder();
const NULLABLE = Number(FLAG_NULLABLE);
const NO_NULLS = new Uint8Array(0);

// Deeper nesting than this is refused rather than recursed into: a cycle of
// child pointers in bad memory would otherwise never end.
const MAX_DEPTH = 64;

/** Reads one handed-over batch's structs, checking each pointer against the memory. */
class BlockReader {
  readonly #view: DataView;
  readonly #bytes: Uint8Array<ArrayBuffer>;
  readonly #base: number;

  constructor(bytes: Uint8Array<ArrayBuffer>, base: number) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#base = base;
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

  /** The offset in the memory of a pointer to `bytes` bytes, or null for a null pointer. */
  offsetOf(at: number, bytes: number, what: string, where: string, alignment = 1): number | null {
    const low = this.#view.getUint32(at, true);
    const high = this.#view.getUint32(at + 4, true);
    if (low === 0 && high === 0) return null;
    const offset = high * 0x1_0000_0000 + low - this.#base;
    if (high >= 0x200000 || offset < 0 || offset + bytes > this.#bytes.byteLength) {
      throw invalid(`${describe(what, where)} points outside the memory handed over`);
    }
    if ((this.#base + offset) % alignment !== 0) {
      throw invalid(`${describe(what, where)} is not aligned to ${alignment} bytes`);
    }
    return offset;
  }

  string(at: number, what: string, where: string): string {
    const offset = this.offsetOf(at, 1, what, where);
    if (offset === null) return "";
    const end = this.#bytes.indexOf(0, offset);
    if (end < 0) {
      throw invalid(`${describe(what, where)} is not null-terminated inside the memory handed over`);
    }
    // Names and formats are short and mostly ASCII: read them without a decoder.
    if (end - offset <= 64) {
      let text = "";
      for (let i = offset; i < end; i++) {
        const byte = this.#bytes[i];
        if (byte >= 0x80) return utf8.decode(this.#bytes.subarray(offset, end));
        text += String.fromCharCode(byte);
      }
      return text;
    }
    return utf8.decode(this.#bytes.subarray(offset, end));
  }

  /** A view of `count` elements of `Type` at the pointer at `at`. */
  buffer<A extends Uint8ArrayConstructor | Int32ArrayConstructor>(
    ArrayType: A,
    at: number,
    count: number,
    what: string,
    where: string,
  ): InstanceType<A> {
    const bytes = count * ArrayType.BYTES_PER_ELEMENT;
    const offset = this.offsetOf(at, bytes, what, where, ArrayType.BYTES_PER_ELEMENT);
    if (offset === null) {
      if (bytes > 0) throw invalid(`${describe(what, where)} is null but must hold ${bytes} bytes`);
      return new ArrayType(0) as InstanceType<A>;
    }
    return new ArrayType(this.#bytes.buffer, this.#bytes.byteOffset + offset, count) as InstanceType<A>;
  }

  bytesAt(
    at: number,
    count: number,
    what: string,
    where: string,
    alignment: number,
  ): Uint8Array<ArrayBuffer> {
    const offset = this.offsetOf(at, count, what, where, alignment);
    if (offset === null) {
      if (count > 0) throw invalid(`${describe(what, where)} is null but must hold ${count} bytes`);
      return new Uint8Array(0);
    }
    return this.#bytes.subarray(offset, offset + count);
  }

  /** A field and its data; `shift` is where the parent's row 0 is among this array's rows. */
  node(schemaAt: number, arrayAt: number, shift: number, rows: number, path: string, depth: number): {
    field: Field;
    data: Data;
  } {
    if (depth > MAX_DEPTH) throw invalid(`${path} is nested more than ${MAX_DEPTH} deep`);
    const name = this.string(schemaAt + SchemaOffset.name, "the name of $", path);
    const where = name === "" ? path : `column "${name}"`;
    const format = this.string(schemaAt + SchemaOffset.format, "the format of $", where);
    const flags = this.#view.getUint32(schemaAt + SchemaOffset.flags, true);
    const nChildren = this.word(schemaAt + SchemaOffset.n_children);
    if (this.word(arrayAt + ArrayOffset.n_children) !== nChildren || nChildren < 0 || nChildren > 1 << 16) {
      throw invalid(`${where}: its schema and array disagree on the number of children`);
    }
    if (
      this.#view.getUint32(arrayAt + ArrayOffset.dictionary, true) !== 0 ||
      this.#view.getUint32(arrayAt + ArrayOffset.dictionary + 4, true) !== 0
    ) {
      throw new ZeroCopyError("ARROW_UNSUPPORTED", `${where} is dictionary-encoded, which is not supported`);
    }
    const length = this.word(arrayAt + ArrayOffset.length);
    const offset = this.word(arrayAt + ArrayOffset.offset);
    const nullCount = this.word(arrayAt + ArrayOffset.null_count);
    if (length < 0 || offset < 0 || nullCount < -1 || nullCount > length || shift + rows > length) {
      throw invalid(
        `${where} has length ${length}, offset ${offset}, null count ${nullCount} for ${rows} rows`,
      );
    }
    const start = shift + offset;
    const schemaChildren = this.offsetOf(
      schemaAt + SchemaOffset.children,
      nChildren * 8,
      "$'s children",
      where,
      8,
    );
    const arrayChildren = this.offsetOf(
      arrayAt + ArrayOffset.children,
      nChildren * 8,
      "$'s children",
      where,
      8,
    );
    const kids = (childShift: number, childRows: number) => {
      const fields: Field[] = [];
      const datas: Data[] = [];
      for (let i = 0; i < nChildren; i++) {
        const childPath = `child ${i} of ${where}`;
        const s = this.offsetOf(schemaChildren! + 8 * i, SCHEMA_BYTES, "$", childPath, 8);
        const a = this.offsetOf(arrayChildren! + 8 * i, ARRAY_BYTES, "$", childPath, 8);
        if (s === null || a === null) throw invalid(`${childPath} is null`);
        const child = this.node(s, a, childShift, childRows, childPath, depth + 1);
        fields.push(child.field);
        datas.push(child.data);
      }
      return { fields, datas };
    };
    // The parameterized formats need their children's fields first.
    const listSize = /^\+w:([1-9][0-9]*)$/.exec(format);
    const children = format === "+s"
      ? kids(start, rows)
      : listSize
      ? kids(start * Number(listSize[1]), rows * Number(listSize[1]))
      : { fields: [], datas: [] };
    const type = typeOfFormat(format, children.fields, where);
    if (children.fields.length !== nChildren) {
      throw invalid(`${where} (format "${format}") has ${nChildren} children`);
    }
    const nBuffers = this.word(arrayAt + ArrayOffset.n_buffers);
    if (nBuffers !== bufferCount(type)) {
      throw invalid(`${where} (format "${format}") has ${nBuffers} buffers, not ${bufferCount(type)}`);
    }
    const buffers = this.offsetOf(arrayAt + ArrayOffset.buffers, nBuffers * 8, "$'s buffers", where, 8);
    if (buffers === null) throw invalid(`${where} has no buffer list`);
    const end = start + rows;
    const bitmapBytes = Math.ceil(end / 8);
    const nullBitmap = nullCount === 0
      ? undefined
      : this.offsetOf(buffers, bitmapBytes, "the validity bitmap of $", where) === null
      ? undefined
      : this.bytesAt(buffers, bitmapBytes, "the validity bitmap of $", where, 1);
    // A shared empty bitmap spares apache-arrow allocating one per column with no nulls.
    // The producer's null count, when it covers exactly these rows, spares
    // apache-arrow counting the bitmap (O(rows)) on the column's first access.
    const common = {
      type,
      offset: start,
      length: rows,
      nullCount: !nullBitmap ? 0 : shift === 0 && rows === length ? nullCount : -1,
      nullBitmap: nullBitmap ?? NO_NULLS,
    };
    let data: Data;
    switch (type.typeId) {
      case Type.Struct:
        data = makeData({ ...common, type: type as Struct, children: children.datas });
        break;
      case Type.FixedSizeList:
        data = makeData({ ...common, type, child: children.datas[0] } as never);
        break;
      case Type.Bool:
        data = makeData(
          {
            ...common,
            type,
            data: this.bytesAt(buffers + 8, bitmapBytes, "the values of $", where, 1),
          } as never,
        );
        break;
      case Type.Utf8: {
        const offsets = this.buffer(Int32Array, buffers + 8, end + 1, "the offsets of $", where).subarray(
          start,
        );
        const last = offsets.length === 0 ? 0 : offsets[offsets.length - 1];
        if (last < 0 || (offsets.length > 0 && offsets[0] > last)) {
          throw invalid(`${where} has decreasing offsets`);
        }
        const values = this.bytesAt(buffers + 16, last, "the characters of $", where, 1);
        data = makeData({ ...common, type, valueOffsets: offsets, data: values } as never);
        break;
      }
      default: {
        // Numbers and timestamps: apache-arrow indexes values from the view's start.
        const ArrayType = (type as unknown as { ArrayType: { BYTES_PER_ELEMENT: number } }).ArrayType;
        const width = ArrayType.BYTES_PER_ELEMENT;
        const all = this.bytesAt(buffers + 8, end * width, "the values of $", where, width);
        const values = new (ArrayType as unknown as Uint8ArrayConstructor)(
          all.buffer,
          all.byteOffset + start * width,
          rows,
        );
        data = makeData({ ...common, type, data: values } as never);
      }
    }
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
  const descriptor = bufferInternals.descriptorOf(buffer);
  const base = Number(
    new DataView(descriptor.buffer, descriptor.byteOffset).getBigUint64(DescriptorOffset.ptr, true),
  );
  const bytes = buffer.bytes;
  if (bytes.byteLength < BlockOffset.array + ARRAY_BYTES) {
    throw invalid(`${bytes.byteLength} bytes cannot hold a batch's root structs`);
  }
  const reader = new BlockReader(bytes, base);
  const rows = reader.word(BlockOffset.array + ArrayOffset.length);
  const root = reader.node(BlockOffset.schema, BlockOffset.array, 0, rows, "the batch", 0);
  if (!(root.data.type instanceof Struct)) {
    throw invalid(`its root has format "${root.data.type}", not a struct ("+s")`);
  }
  if (root.data.nullCount > 0) throw invalid("its root struct has nulls");
  return new RecordBatch(new Schema(root.data.type.children), root.data as Data<Struct>);
}

/** A table of one batch. */
export function tableOf(batch: RecordBatch): Table {
  return new Table([batch]);
}
