/**
 * Arrow arrays another library produced, read in place: Zig checks the
 * foreign `ArrowSchema` + `ArrowArray` and hands each buffer over as a
 * `ZeroCopyBuffer<"u8">` whose release drops one reference to the array; the
 * producer's `release` runs once the last of them is released (dispose, or
 * garbage collection under either mapping). zig/zerocopy/arrow/foreign.zig
 * writes the directory read here.
 *
 * @module
 */

import { type Data, Field, makeData, RecordBatch, Schema, Struct, Type } from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import { STATUS } from "../abi/layout.ts";
import { DESCRIPTOR_WORDS } from "../buffer/descriptor.ts";
import type { ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";
import type { ZeroCopyLibrary } from "../library/library.ts";
import { FLAG_NULLABLE, typeOfFormat } from "../arrow/c_data.ts";
import { abiLayout } from "../abi/symbols.ts";

// The directory's layout, from the ABI manifest (foreign.zig `ForeignHeader`, `ForeignNode`).
const Header = abiLayout.structs.ForeignHeader.fields;
const HEADER_BYTES = abiLayout.structs.ForeignHeader.size;
const Node = abiLayout.structs.ForeignNode.fields;
const NODE_BYTES = abiLayout.structs.ForeignNode.size;
const NULLABLE = Number(FLAG_NULLABLE);
const NO_NULLS = new Uint8Array(0);
const utf8 = new TextDecoder();

/** Why Zig refused an array (foreign.zig `Failure`). */
export const FAILURES: Record<number, string> = {
  1: "has a column of Arrow format $ which is not supported (supported: integers, floats, bool, utf8, timestamps, fixed-size lists, structs): cast it in the query (to double, varchar, ...)",
  2: "does not fit together: a count or a length is out of range for its type or its parent",
  3: "is larger than the walk's budget (65,536 arrays, 64 levels of nesting)",
  6: "has a utf8 offset below zero or below the one before it",
};

/** What a foreign array's import made: the batch, and the buffers it views. */
export interface ForeignBatch {
  readonly batch: RecordBatch;
  readonly buffers: ZeroCopyBuffer<"u8">[];
}

/** The libzerocopy exports this module calls. */
interface ForeignSymbols {
  zc_arrow_foreign_adopt(
    schema: BufferSource,
    array: BufferSource,
    directory: BufferSource,
    directoryLength: bigint,
    buffers: BufferSource,
    buffersLength: bigint,
  ): number;
  zc_arrow_foreign_release(schema: BufferSource | null, array: BufferSource | null): void;
  zc_release(descriptor: BufferSource): void;
}

function symbolsOf(lib: ZeroCopyLibrary): ForeignSymbols {
  return lib.symbols as unknown as ForeignSymbols;
}

/**
 * One attempt of an adoption in Zig: it writes the directory (the header, the
 * nodes, the strings) into `directory` and hands each buffer over into `slots`
 * (`slots.length / DESCRIPTOR_WORDS` descriptors), and returns a status: `full`
 * when either is too small (the header says how much is needed).
 */
export type AdoptAttempt = (directory: Uint8Array<ArrayBuffer>, slots: BigUint64Array<ArrayBuffer>) => number;

// Room for a batch of a few dozen columns at the first attempt: a retry walks the array again.
const FIRST_DIRECTORY_BYTES = 16384;
const FIRST_SLOTS = 128;

/**
 * The memory lent to Zig for adoptions, kept from one chunk to the next of a
 * result (and grown when a chunk needs more): a result of thousands of chunks
 * allocates it once.
 */
export class AdoptScratch {
  directory: Uint8Array<ArrayBuffer> = new Uint8Array(FIRST_DIRECTORY_BYTES);
  slots: BigUint64Array<ArrayBuffer> = new BigUint64Array(DESCRIPTOR_WORDS * FIRST_SLOTS);
}

/**
 * Runs `attempt` until the lent memory is large enough, then reads what Zig
 * adopted: the batch and the buffers it views, or null for a directory of no
 * node (the end of a result). A refusal is thrown as Zig explained it;
 * `onRefused` runs first, for what the caller must give back.
 *
 * @throws {ZeroCopyError} `ARROW_UNSUPPORTED` or `ARROW_INVALID` naming what Zig refused.
 */
export function adoptChunk(
  lib: ZeroCopyLibrary,
  attempt: AdoptAttempt,
  onRefused?: (status: number) => void,
  scratch: AdoptScratch = new AdoptScratch(),
): ForeignBatch | null {
  for (;;) {
    const { directory, slots } = scratch;
    const status = attempt(directory, slots);
    const header = new DataView(directory.buffer);
    if (status === STATUS.full) {
      scratch.directory = new Uint8Array(
        Math.max(directory.length, header.getUint32(Header.directory_needed, true)),
      );
      scratch.slots = new BigUint64Array(
        DESCRIPTOR_WORDS * Math.max(1, header.getUint32(Header.buffers_needed, true)),
      );
      continue;
    }
    if (status !== STATUS.ok) {
      onRefused?.(status);
      const failure = header.getUint32(Header.failure, true);
      const stringsAt = header.getUint32(Header.strings_at, true);
      const format = utf8.decode(
        directory.subarray(stringsAt, stringsAt + header.getUint32(Header.strings_len, true)),
      );
      const why = (FAILURES[failure] ?? `was refused (status ${status})`).replace("$", `"${format}"`);
      throw new ZeroCopyError(
        failure === 1 ? "ARROW_UNSUPPORTED" : "ARROW_INVALID",
        `Cannot read the Arrow array the engine produced: it ${why}`,
      );
    }
    if (header.getUint32(Header.node_count, true) === 0) return null;
    const buffers = wrapBuffers(lib, slots, header.getUint32(Header.buffer_count, true));
    try {
      return { batch: readDirectory(directory, buffers), buffers };
    } catch (error) {
      for (const buffer of buffers) buffer[Symbol.dispose]();
      throw error;
    }
  }
}

/**
 * Adopts the foreign array in `array` (described by `schema`, both C Data
 * structs a producer filled, lent to Zig for this call only): from here on the
 * buffers own it, and `array` is left released. A refused array is released
 * through its producer before the error is thrown; `schema` stays the caller's.
 *
 * @throws {ZeroCopyError} `ARROW_UNSUPPORTED` or `ARROW_INVALID` naming what Zig refused.
 */
export function adoptForeign(
  lib: ZeroCopyLibrary,
  schema: Uint8Array<ArrayBuffer>,
  array: Uint8Array<ArrayBuffer>,
): ForeignBatch {
  const symbols = symbolsOf(lib);
  const adopted = adoptChunk(
    lib,
    (directory, slots) =>
      symbols.zc_arrow_foreign_adopt(
        schema,
        array,
        directory,
        BigInt(directory.length),
        slots,
        BigInt(slots.length / DESCRIPTOR_WORDS),
      ),
    () => symbols.zc_arrow_foreign_release(null, array),
  );
  if (adopted === null) throw invalid("its directory has no node");
  return adopted;
}

/** Each descriptor Zig wrote into `slots` as a buffer; on a failure, the rest released. */
export function wrapBuffers(
  lib: ZeroCopyLibrary,
  slots: BigUint64Array<ArrayBuffer>,
  count: number,
): ZeroCopyBuffer<"u8">[] {
  const buffers: ZeroCopyBuffer<"u8">[] = [];
  let i = 0;
  try {
    for (; i < count; i++) {
      const slot = slots.subarray(i * DESCRIPTOR_WORDS, (i + 1) * DESCRIPTOR_WORDS);
      buffers.push(lib.adopt("u8", (out) => {
        out.set(slot);
        slot.fill(0n); // one owner: the copy just made
      }));
    }
  } catch (error) {
    for (const buffer of buffers) buffer[Symbol.dispose]();
    // From the slot that failed: an adopt that threw before its callback left it whole (a zeroed slot releases nothing).
    for (; i < count; i++) {
      symbolsOf(lib).zc_release(slots.subarray(i * DESCRIPTOR_WORDS, (i + 1) * DESCRIPTOR_WORDS));
    }
    throw error;
  }
  return buffers;
}

function invalid(what: string): ZeroCopyError {
  return new ZeroCopyError("ARROW_INVALID", `Cannot read the Arrow array the engine produced: ${what}`);
}

/** The batch the directory describes, its buffers viewed in place. */
export function readDirectory(
  directory: Uint8Array<ArrayBuffer>,
  buffers: ZeroCopyBuffer<"u8">[],
): RecordBatch {
  const view = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
  const nodeCount = view.getUint32(Header.node_count, true);
  const stringsAt = view.getUint32(Header.strings_at, true);
  let next = 0;
  const bytesOf = (slot: number): Uint8Array<ArrayBuffer> | undefined =>
    slot === 0 ? undefined : buffers[slot - 1].bytes;
  const text = (at: number, length: number) =>
    utf8.decode(directory.subarray(stringsAt + at, stringsAt + at + length));

  const node = (rows: number | undefined, path: string): { field: Field; data: Data } => {
    if (next >= nodeCount) throw invalid(`${path} is missing from its directory`);
    const at = HEADER_BYTES + NODE_BYTES * next++;
    const length = Number(view.getBigUint64(at + Node.length, true));
    const start = Number(view.getBigUint64(at + Node.start, true));
    const nullCount = Number(view.getBigInt64(at + Node.null_count, true));
    const nChildren = view.getUint32(at + Node.n_children, true);
    const flags = view.getUint32(at + Node.flags, true);
    const slots = [0, 1, 2].map((i) => view.getUint32(at + Node.buffer_slots + 4 * i, true));
    const format = text(
      view.getUint32(at + Node.format_at, true),
      view.getUint32(at + Node.format_len, true),
    );
    const name = text(view.getUint32(at + Node.name_at, true), view.getUint32(at + Node.name_len, true));
    const where = name === "" ? path : `column "${name}"`;
    const count = rows ?? length;
    const listSize = /^\+w:([1-9][0-9]*)$/.exec(format);
    const childRows = listSize ? count * Number(listSize[1]) : count;
    const fields: Field[] = [];
    const datas: Data[] = [];
    for (let i = 0; i < nChildren; i++) {
      const child = node(childRows, `child ${i} of ${where}`);
      fields.push(child.field);
      datas.push(child.data);
    }
    const type = typeOfFormat(format, fields, where);
    const bitmap = bytesOf(slots[0]);
    const common = {
      type,
      offset: start,
      length: count,
      nullCount: bitmap === undefined ? 0 : start === 0 && count === length ? nullCount : -1,
      nullBitmap: bitmap ?? NO_NULLS,
    };
    let data: Data;
    switch (type.typeId) {
      case Type.Struct:
        data = makeData({ ...common, type: type as Struct, children: datas });
        break;
      case Type.FixedSizeList:
        data = makeData({ ...common, type, child: datas[0] } as never);
        break;
      case Type.Bool:
        data = makeData({ ...common, type, data: bytesOf(slots[1]) ?? new Uint8Array(0) } as never);
        break;
      case Type.Utf8: {
        const offsetBytes = bytesOf(slots[1]);
        const offsets = offsetBytes === undefined
          ? new Int32Array(1)
          : typed(Int32Array, offsetBytes, start, count + 1, where);
        const values = bytesOf(slots[2]) ?? new Uint8Array(0);
        data = makeData({ ...common, type, valueOffsets: offsets, data: values } as never);
        break;
      }
      default: {
        // Numbers and timestamps: apache-arrow indexes values from the view's start.
        const ArrayType = (type as unknown as { ArrayType: TypedArrayConstructor }).ArrayType;
        const all = bytesOf(slots[1]);
        const values = all === undefined ? new ArrayType(0) : typed(ArrayType, all, start, count, where);
        data = makeData({ ...common, type, data: values } as never);
      }
    }
    return { field: new Field(name, type, (flags & NULLABLE) !== 0), data };
  };

  const root = node(undefined, "the batch");
  if (!(root.data.type instanceof Struct)) {
    throw invalid(`its root has format "${root.data.type}", not a struct`);
  }
  if (root.data.nullCount > 0) throw invalid("its root struct has nulls");
  return new RecordBatch(new Schema(root.data.type.children), root.data as Data<Struct>);
}

type TypedArrayConstructor = {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): ArrayBufferView;
  new (length: number): ArrayBufferView;
  readonly BYTES_PER_ELEMENT: number;
};

/** `count` elements from element `start` of a foreign buffer, which must be aligned for them. */
function typed<A extends TypedArrayConstructor>(
  ArrayType: A,
  bytes: Uint8Array<ArrayBuffer>,
  start: number,
  count: number,
  where: string,
): InstanceType<A> {
  const width = ArrayType.BYTES_PER_ELEMENT;
  if ((bytes.byteOffset % width) !== 0 || (start + count) * width > bytes.byteLength) {
    throw invalid(`the values of ${where} are not aligned to ${width} bytes or are too short`);
  }
  return new ArrayType(bytes.buffer, bytes.byteOffset + start * width, count) as InstanceType<A>;
}
