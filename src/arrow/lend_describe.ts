/**
 * What a lent batch's C Data structs will say, node by node, checked against
 * the memory behind it before any address is taken. apache-arrow's `Data`
 * trusts whatever lengths, offsets and children it is given (`makeData`), so
 * every claim a consumer would follow is checked here: lengths and offsets
 * against each buffer's bytes, children against their parent, each offset of a
 * string, bytes or list column (monotone and within the characters or the
 * items) and each dictionary index of a valid row (within the dictionary), so
 * that no consumer reading within what the structs say can read past a buffer.
 * Fixed-width columns cost O(1) each; offsets and indices O(rows).
 *
 * @module
 */

import {
  type Data,
  type DataType,
  type Dictionary,
  Field,
  type FixedSizeList,
  type LargeList,
  type List,
  type Map_,
  type Struct,
  Type,
} from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import { FLAG_NULLABLE, formatOfType, offsetWidthOfFormat, widthOfFormat } from "./c_data.ts";
import { bytesOf, memoryOf } from "../buffer/_memory_of.ts";

// The same budget as Zig's reader (reader.Limits): a batch whose children are
// shared many ways, or nested in a loop, ends in a refusal, not a walk of every path.
const MAX_LENT_NODES = 1 << 16;
const MAX_LENT_DEPTH = 64;

/** Arrays left to describe in one batch. */
export interface Budget {
  nodes: number;
}

/** One struct pair to write: a column, a struct's field, or the batch itself. */
export interface Node {
  where: string;
  format: string;
  name: string;
  flags: bigint;
  length: number;
  nullCount: number;
  offset: number;
  /**
   * Each buffer, and how many bytes before the view its C pointer starts;
   * `checked` marks one whose values (offsets, indices, the bitmap that says
   * which indices count) were checked, which must not change while lent.
   */
  buffers: { view: ArrayBufferView | null; back: number; checked?: boolean }[];
  children: Node[];
  /** The values a dictionary-encoded column's indices point at. */
  dictionary?: Node;
}

function invalid(where: string, problem: string): ZeroCopyError {
  return new ZeroCopyError(
    "ARROW_INVALID",
    `Cannot lend ${where}: ${problem}; build the column with apache-arrow's builders or vectorFromArray, or fix the lengths given to makeData`,
  );
}

function count(value: unknown, where: string, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(where, `its ${what} is ${String(value)}, not a whole number of at least 0`);
  }
  return value;
}

function needBytes(
  view: unknown,
  bytes: number,
  align: number,
  where: string,
  what: string,
  checked = false,
): ArrayBufferView {
  // A column of no rows may come with no buffer at all.
  if ((view === undefined || view === null) && bytes === 0) return EMPTY_VIEW;
  // The engine's view of the memory: a subclass's own getters could claim more.
  const memory = memoryOf(view);
  if (memory === undefined || !memory.view) throw invalid(where, `its ${what} is not a TypedArray`);
  if (checked && memory.shared) {
    throw invalid(
      where,
      `its ${what} are in a SharedArrayBuffer, which another thread could change once they are checked; copy them into an ArrayBuffer`,
    );
  }
  if (memory.detached) {
    throw new ZeroCopyError(
      "DETACHED",
      `Cannot lend ${where}: the memory of its ${what} was detached (its ArrowBatch was disposed, or its ArrayBuffer transferred); lend a live table`,
    );
  }
  const held = bytesOf(view as ArrayBufferView);
  if (held.byteLength < bytes) {
    throw invalid(
      where,
      `its ${what} holds ${held.byteLength} bytes where its length and offset need ${bytes}`,
    );
  }
  if (held.byteOffset % align !== 0) {
    throw invalid(where, `its ${what} starts at byte ${held.byteOffset}, not a multiple of ${align}`);
  }
  return view as ArrayBufferView;
}

const EMPTY_VIEW = new Uint8Array(0);

const bitmapBytes = (bits: number) => Math.ceil(bits / 8);

/**
 * Describes `data` (whose declared type `field` names) as C Data nodes, after
 * checking every buffer it points at.
 *
 * @throws {ZeroCopyError} `ARROW_INVALID` naming the column and what does not
 * fit; `ARROW_UNSUPPORTED` for a type with no supported format.
 */
export function describe(
  field: Field,
  data: Data,
  where: string,
  budget: Budget = { nodes: MAX_LENT_NODES },
  depth = 0,
): Node {
  if (--budget.nodes < 0 || depth > MAX_LENT_DEPTH) {
    throw new ZeroCopyError(
      "ARROW_INVALID",
      `Cannot lend the batch: ${where} is past ${MAX_LENT_NODES} arrays or ${MAX_LENT_DEPTH} levels of nesting ` +
        "(a child shared or nested in a loop?); lend a batch whose columns are trees",
    );
  }
  const type: DataType = data.type;
  // The layout checked is the one the format string written for it says: a
  // type read twice could tell the second read another width or list size.
  const format = formatOfType(type, where);
  const isDictionary = type.typeId === Type.Dictionary;
  const length = count(data.length, where, "length");
  // apache-arrow leaves the offset unset on a column of no rows.
  const offset = count(data.offset ?? 0, where, "offset");
  const nullCount = data.nullCount;
  if (typeof nullCount !== "number" || nullCount > length) {
    throw invalid(where, `its null count ${String(nullCount)} exceeds its length ${length}`);
  }
  const bitmap = nullCount > 0 && data.nullBitmap && data.nullBitmap.byteLength > 0 ? data.nullBitmap : null;
  // apache-arrow keeps validity bitmaps (and bools) whole, with the offset counting into them.
  if (bitmap) needBytes(bitmap, bitmapBytes(offset + length), 1, where, "validity bitmap");
  const node: Node = {
    where,
    format,
    name: field.name,
    flags: field.nullable ? FLAG_NULLABLE : 0n,
    length,
    nullCount: bitmap ? nullCount : 0,
    offset,
    buffers: [{ view: bitmap, back: 0 }],
    children: [],
  };
  const listSize = format.startsWith("+w:") ? /^\+w:([0-9]+)$/.exec(format) : null;
  switch (isDictionary ? "dictionary" : listSize ? "+w" : format) {
    case "+s":
    case "+w": {
      // Its children are sliced already, so it gets offset 0 and, if it has nulls, a bitmap copied to bit 0.
      node.offset = 0;
      if (bitmap && offset !== 0) node.buffers[0] = { view: shiftedBitmap(bitmap, offset, length), back: 0 };
      const rows = listSize ? length * Number(listSize[1]) : length;
      node.children = describeChildren(type as Struct | FixedSizeList, data, where, rows, budget, depth);
      if (listSize && node.children.length !== 1) {
        throw invalid(where, `it has ${node.children.length} children, not 1`);
      }
      break;
    }
    case "+l":
    case "+L":
    case "+m": {
      // apache-arrow slices the offsets to the first row and keeps the child whole.
      const width = offsetWidthOfFormat(format);
      const offsets = needBytes(data.valueOffsets, width * (length + 1), width, where, "offsets", true);
      node.children = describeChildren(type as List | LargeList | Map_, data, where, 0, budget, depth);
      if (node.children.length !== 1) throw invalid(where, `it has ${node.children.length} children, not 1`);
      checkOffsets(offsets, width, length + 1, node.children[0].length, where, "rows of its child");
      node.buffers.push({ view: offsets, back: offset * width, checked: true });
      break;
    }
    case "b":
      node.buffers.push({
        view: needBytes(data.values, bitmapBytes(offset + length), 1, where, "values"),
        back: 0,
      });
      break;
    case "u":
    case "U":
    case "z":
    case "Z": {
      // apache-arrow slices offsets to the first row but keeps the characters whole.
      const width = offsetWidthOfFormat(format);
      const offsets = needBytes(data.valueOffsets, width * (length + 1), width, where, "offsets", true);
      const characters = needBytes(data.values, 0, 1, where, "characters");
      checkOffsets(offsets, width, length + 1, bytesOf(characters).byteLength, where, "bytes of characters");
      node.buffers.push({ view: offsets, back: offset * width, checked: true });
      node.buffers.push({ view: characters, back: 0 });
      break;
    }
    case "dictionary":
      describeDictionary(node, type as Dictionary, data, budget, depth);
      break;
    default: {
      const width = widthOfFormat(format);
      const element = (type as unknown as { ArrayType?: { BYTES_PER_ELEMENT: number } }).ArrayType
        ?.BYTES_PER_ELEMENT;
      if (width === 0 || element === undefined) throw invalid(where, `its type ${type} has no fixed width`);
      node.buffers.push({
        view: needBytes(data.values, width * length, element, where, "values"),
        back: offset * width,
      });
    }
  }
  return node;
}

/** The children of a struct or list, each checked against its field and the rows its parent needs. */
function describeChildren(
  type: Struct | FixedSizeList | List | LargeList | Map_,
  data: Data,
  where: string,
  rows: number,
  budget: Budget,
  depth: number,
): Node[] {
  // Each read once: a getter could give a second read another array.
  const fields = type.children as Field[];
  const children = data.children;
  if (!Array.isArray(fields) || !Array.isArray(children) || children.length !== fields.length) {
    throw invalid(where, `it has ${children?.length} children where its type has ${fields?.length}`);
  }
  return children.map((child, i) => {
    const childWhere = `${where}.${fields[i].name}`;
    if (!(child?.type) || child.type.typeId !== fields[i].type.typeId) {
      throw invalid(childWhere, `its data is ${child?.type}, where its field says ${fields[i].type}`);
    }
    const described = describe(fields[i], child, childWhere, budget, depth + 1);
    if (described.length < rows) {
      throw invalid(childWhere, `it has ${described.length} rows where its parent needs ${rows}`);
    }
    return described;
  });
}

/**
 * A dictionary-encoded column: its indices, like any integers, and its
 * dictionary (one chunk, as the C Data Interface has one array), each index
 * of a valid row within it: O(rows).
 */
function describeDictionary(node: Node, type: Dictionary, data: Data, budget: Budget, depth: number): void {
  const { where, length, offset, format } = node;
  // The indices' format (formatOfType gives a dictionary its indices' one); an integer's width is its bytes.
  const width = widthOfFormat(format);
  if (!/^[cCsSiIlL]$/.test(format)) {
    throw invalid(where, `its indices are of format "${format}", not integers`);
  }
  const indices = needBytes(data.values, width * length, width, where, "indices", true);
  node.buffers.push({ view: indices, back: offset * width, checked: true });
  const bitmap = node.buffers[0].view;
  if (bitmap !== null) {
    needBytes(bitmap, bitmapBytes(offset + length), 1, where, "validity bitmap", true);
    node.buffers[0].checked = true;
  }
  const chunks = (data.dictionary as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(chunks) || chunks.length !== 1) {
    throw new ZeroCopyError(
      "ARROW_UNSUPPORTED",
      `Cannot lend ${where}: its dictionary has ${Array.isArray(chunks) ? chunks.length : "no"} chunks, ` +
        "where the C Data Interface takes one array: rebuild the column (vectorFromArray) to merge them",
    );
  }
  const values = chunks[0] as Data;
  if (!(values?.type) || values.type.typeId !== type.dictionary.typeId) {
    throw invalid(where, `its dictionary is ${values?.type}, where its type says ${type.dictionary}`);
  }
  node.dictionary = describe(
    new Field("", type.dictionary, true),
    values,
    `the dictionary of ${where}`,
    budget,
    depth + 1,
  );
  checkIndices(node, bytesOf(indices), width, node.dictionary.length);
}

/**
 * Every index of a row valid by the bitmap lent (not by apache-arrow's
 * `getValid`, which a `Data` may override) from 0 to below the dictionary's length.
 */
function checkIndices(node: Node, bytes: Uint8Array, width: number, size: number): void {
  const { where, length, offset, format } = node;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signed = format === format.toLowerCase();
  const lent = node.buffers[0].view;
  // The bytes the consumer reads, whatever kind of TypedArray holds them.
  const bitmap = lent === null ? null : bytesOf(lent);
  for (let row = 0; row < length; row++) {
    const at = row * width;
    const index = width === 1
      ? (signed ? view.getInt8(at) : view.getUint8(at))
      : width === 2
      ? (signed ? view.getInt16(at, true) : view.getUint16(at, true))
      : width === 4
      ? (signed ? view.getInt32(at, true) : view.getUint32(at, true))
      : Number(signed ? view.getBigInt64(at, true) : view.getBigUint64(at, true));
    const bit = offset + row;
    if ((index < 0 || index >= size) && (bitmap === null || (bitmap[bit >> 3] & (1 << (bit & 7))) !== 0)) {
      throw invalid(where, `row ${row} has index ${index}, outside its dictionary of ${size} values`);
    }
  }
}

/** Every offset (`width` bytes each) within `limit` and none smaller than the one before: O(rows). */
function checkOffsets(
  view: ArrayBufferView,
  width: number,
  count: number,
  limit: number,
  where: string,
  what: string,
): void {
  const bytes = bytesOf(view);
  // needBytes checked the length and the alignment.
  const offsets = width === 4
    ? new Int32Array(bytes.buffer, bytes.byteOffset, count)
    : new BigInt64Array(bytes.buffer, bytes.byteOffset, count);
  let previous = Number(offsets[0]);
  if (previous < 0 || previous > limit) {
    throw invalid(where, `its first offset ${previous} is outside its ${limit} ${what}`);
  }
  for (let i = 1; i < count; i++) {
    const next = Number(offsets[i]);
    if (next < previous || next > limit) {
      throw invalid(
        where,
        `its offset ${i} is ${next}, ${
          next < previous ? `below the one before (${previous})` : `past its ${limit} ${what}`
        }`,
      );
    }
    previous = next;
  }
}

function shiftedBitmap(bitmap: Uint8Array, offset: number, length: number): Uint8Array {
  const shifted = new Uint8Array(Math.ceil(length / 8));
  for (let i = 0; i < length; i++) {
    const at = offset + i;
    if (bitmap[at >> 3] & (1 << (at & 7))) shifted[i >> 3] |= 1 << (i & 7);
  }
  return shifted;
}

/** The nodes depth first, the root first: the order the structs are written in. */
export function flatten(node: Node, into: Node[] = []): Node[] {
  into.push(node);
  for (const child of node.children) flatten(child, into);
  if (node.dictionary) flatten(node.dictionary, into);
  return into;
}
