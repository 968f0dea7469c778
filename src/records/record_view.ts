/**
 * Records: a slice of a Zig `extern struct` handed over as one buffer
 * (`zerocopy.RecordOut(T)`), read and written through a view typed by the
 * struct's layout, which generated bindings write from Zig's comptime layout
 * and check against the library's when they bind.
 *
 * @module
 */

import { ELEMENT_INFO, type ElementType, type TypedArrayOf } from "../abi/element_types.ts";
import { ZeroCopyError } from "../errors.ts";
import { elementValueError, fitsElement } from "../abi/element_values.ts";
import { ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";
import { what } from "../buffer/gate.ts";

/** One field of a record: its byte offset and element type.
 *
 * @example A vertex layout, as the generator writes it
 * ```ts
 * import type { RecordLayout, RecordOf } from "@zerocopy/zerocopy";
 *
 * const VertexLayout = {
 *   size: 16,
 *   align: 4,
 *   fields: { x: { offset: 0, type: "f32" }, id: { offset: 12, type: "u32" } },
 * } as const satisfies RecordLayout;
 * const vertex: RecordOf<typeof VertexLayout> = { x: 0.5, id: 7 };
 * console.log(vertex.id); // 7
 * ```
 */
export interface RecordField {
  /** Byte offset from the start of the record (Zig's `@offsetOf`). */
  readonly offset: number;
  /** The field's element type. */
  readonly type: ElementType;
}

/** A record's layout, as Zig's comptime reflection gives it.
 *
 * @example A vertex layout, as the generator writes it
 * ```ts
 * import type { RecordLayout, RecordOf } from "@zerocopy/zerocopy";
 *
 * const VertexLayout = {
 *   size: 16,
 *   align: 4,
 *   fields: { x: { offset: 0, type: "f32" }, id: { offset: 12, type: "u32" } },
 * } as const satisfies RecordLayout;
 * const vertex: RecordOf<typeof VertexLayout> = { x: 0.5, id: 7 };
 * console.log(vertex.id); // 7
 * ```
 */
export interface RecordLayout {
  /** Bytes per record, padding included (`@sizeOf`). */
  readonly size: number;
  /** The record's alignment (`@alignOf`). */
  readonly align: number;
  /** Each field, by name. */
  readonly fields: { readonly [name: string]: RecordField };
}

/** The JavaScript value of an element type: a bigint for 64-bit integers, else a number.
 *
 * @example A vertex layout, as the generator writes it
 * ```ts
 * import type { RecordLayout, RecordOf } from "@zerocopy/zerocopy";
 *
 * const VertexLayout = {
 *   size: 16,
 *   align: 4,
 *   fields: { x: { offset: 0, type: "f32" }, id: { offset: 12, type: "u32" } },
 * } as const satisfies RecordLayout;
 * const vertex: RecordOf<typeof VertexLayout> = { x: 0.5, id: 7 };
 * console.log(vertex.id); // 7
 * ```
 */
export type FieldValue<T extends ElementType> = T extends "i64" | "u64" ? bigint : number;

/** One record as a plain object, typed by its layout.
 *
 * @example A vertex layout, as the generator writes it
 * ```ts
 * import type { RecordLayout, RecordOf } from "@zerocopy/zerocopy";
 *
 * const VertexLayout = {
 *   size: 16,
 *   align: 4,
 *   fields: { x: { offset: 0, type: "f32" }, id: { offset: 12, type: "u32" } },
 * } as const satisfies RecordLayout;
 * const vertex: RecordOf<typeof VertexLayout> = { x: 0.5, id: 7 };
 * console.log(vertex.id); // 7
 * ```
 */
export type RecordOf<L extends RecordLayout> = {
  -readonly [K in keyof L["fields"]]: FieldValue<L["fields"][K]["type"]>;
};

/**
 * One field of every record, as a TypedArray over the whole buffer with a
 * stride: record `i`'s field is `array[offset + i * stride]`.
 *
 * @example Double every vertex's x in place
 * ```ts ignore
 * const { array, offset, stride, length } = vertices.column("x");
 * for (let i = 0; i < length; i++) array[offset + i * stride] *= 2;
 * ```
 */
export interface RecordColumn<T extends ElementType> {
  /** A TypedArray of the field's type over the whole buffer. */
  readonly array: TypedArrayOf[T];
  /** Index in `array` of record 0's field. */
  readonly offset: number;
  /** Elements of `array` from one record's field to the next's. */
  readonly stride: number;
  /** Records. */
  readonly length: number;
}

const GETTERS = {
  i8: (v: DataView, o: number) => v.getInt8(o),
  u8: (v: DataView, o: number) => v.getUint8(o),
  i16: (v: DataView, o: number) => v.getInt16(o, true),
  u16: (v: DataView, o: number) => v.getUint16(o, true),
  i32: (v: DataView, o: number) => v.getInt32(o, true),
  u32: (v: DataView, o: number) => v.getUint32(o, true),
  i64: (v: DataView, o: number) => v.getBigInt64(o, true),
  u64: (v: DataView, o: number) => v.getBigUint64(o, true),
  f32: (v: DataView, o: number) => v.getFloat32(o, true),
  f64: (v: DataView, o: number) => v.getFloat64(o, true),
} as const satisfies Record<ElementType, (view: DataView, offset: number) => number | bigint>;

const SETTERS = {
  i8: (v: DataView, o: number, x: number) => v.setInt8(o, x),
  u8: (v: DataView, o: number, x: number) => v.setUint8(o, x),
  i16: (v: DataView, o: number, x: number) => v.setInt16(o, x, true),
  u16: (v: DataView, o: number, x: number) => v.setUint16(o, x, true),
  i32: (v: DataView, o: number, x: number) => v.setInt32(o, x, true),
  u32: (v: DataView, o: number, x: number) => v.setUint32(o, x, true),
  i64: (v: DataView, o: number, x: bigint) => v.setBigInt64(o, x, true),
  u64: (v: DataView, o: number, x: bigint) => v.setBigUint64(o, x, true),
  f32: (v: DataView, o: number, x: number) => v.setFloat32(o, x, true),
  f64: (v: DataView, o: number, x: number) => v.setFloat64(o, x, true),
} as const;

/**
 * Records a Zig library handed over, typed by their layout: `get`/`set` one
 * record or one field, and `column` for a field of every record as a strided
 * TypedArray. It owns the buffer: dispose it (`using`) to free the records.
 *
 * @typeParam L The layout, as the generated bindings declare it.
 *
 * @example Read mesh vertices an author's Zig library made
 * ```ts ignore
 * import { open } from "./bindings.ts";
 *
 * const lib = await open();
 * using vertices = lib.make_vertices(8);
 * console.log(vertices.get(0)); // { x: 0, y: 0, z: 0, id: 0 }
 * const xs = vertices.column("x"); // Float32Array with stride 4
 * ```
 */
export class RecordView<L extends RecordLayout> implements Disposable {
  /** The layout the records are read with. */
  readonly layout: L;
  /** The bytes, owned by this view. */
  readonly buffer: ZeroCopyBuffer<"u8">;
  #data: DataView | undefined;

  /**
   * Views `buffer` as records of `layout`.
   *
   * @param buffer Bytes a `RecordOut(T)` handed over; this view owns it from here on.
   * @param layout The records' layout.
   * @throws {ZeroCopyError} `INVALID_SHAPE` when the byte length is not a whole
   * number of records; `INVALID_ARGUMENT` for a buffer that is not a
   * `ZeroCopyBuffer` or a layout that is not one (a field outside the record,
   * an unknown type). The buffer is disposed when the layout is refused.
   */
  constructor(buffer: ZeroCopyBuffer<"u8">, layout: L) {
    if (!(buffer instanceof ZeroCopyBuffer)) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `A RecordView views the ZeroCopyBuffer<"u8"> a RecordOut(T) handed over, not ${
          what(buffer)
        }: pass what lib.adopt("u8", ...) or a generated binding returned`,
      );
    }
    const bad = layoutProblem(layout);
    if (bad !== undefined) {
      buffer[Symbol.dispose]();
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Invalid record layout: ${bad}; pass the layout the generated bindings export (zig build bindings)`,
      );
    }
    if (buffer.byteLength % layout.size !== 0) {
      const bytes = buffer.byteLength;
      buffer[Symbol.dispose]();
      throw new ZeroCopyError(
        "INVALID_SHAPE",
        `${bytes} bytes are not a whole number of ${layout.size}-byte records: the library and its bindings disagree; regenerate the bindings`,
      );
    }
    this.buffer = buffer;
    this.layout = layout;
  }

  /** Records in the buffer. */
  get length(): number {
    return this.buffer.byteLength / this.layout.size;
  }

  /** Record `index` as a plain object (a copy of its fields). */
  get(index: number): RecordOf<L> {
    const base = this.#base(index);
    const data = this.#view();
    const record: Record<string, number | bigint> = {};
    for (const [name, field] of Object.entries(this.layout.fields)) {
      record[name] = GETTERS[field.type](data, base + field.offset);
    }
    return record as RecordOf<L>;
  }

  /**
   * Writes the fields `record` names into record `index`; the others keep their values.
   *
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` for an index out of range, an
   * unknown field, or a value its field would not store as it is (out of
   * range, not an integer, a number for a 64-bit field): then nothing is written.
   */
  set(index: number, record: Partial<RecordOf<L>>): void {
    const base = this.#base(index);
    if (typeof record !== "object" || record === null) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Record ${index} can only be set from an object of fields, not ${
          record === null ? "null" : typeof record
        }; pass { field: value }`,
      );
    }
    const entries = Object.entries(record);
    // Every value is checked before any is written: a refused record leaves the old one whole.
    for (const [name, value] of entries) this.#check(name, value);
    for (const [name, value] of entries) this.#write(base, name, value as number | bigint);
  }

  /** Field `name` of record `index`. */
  getField<K extends keyof L["fields"] & string>(index: number, name: K): FieldValue<L["fields"][K]["type"]> {
    const field = this.#field(name);
    return GETTERS[field.type](this.#view(), this.#base(index) + field.offset) as FieldValue<
      L["fields"][K]["type"]
    >;
  }

  /**
   * Sets field `name` of record `index`.
   *
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` as {@linkcode RecordView.prototype.set}.
   */
  setField<K extends keyof L["fields"] & string>(
    index: number,
    name: K,
    value: FieldValue<L["fields"][K]["type"]>,
  ): void {
    this.#write(this.#base(index), name, value);
  }

  /**
   * Field `name` of every record as a strided TypedArray, with no copy.
   *
   * @throws {ZeroCopyError} `INVALID_SHAPE` when the layout does not allow one
   * (the field's offset or the record size not a multiple of its size).
   */
  column<K extends keyof L["fields"] & string>(name: K): RecordColumn<L["fields"][K]["type"]> {
    const field = this.#field(name);
    const info = ELEMENT_INFO[field.type];
    if (field.offset % info.bytes !== 0 || this.layout.size % info.bytes !== 0) {
      throw new ZeroCopyError(
        "INVALID_SHAPE",
        `Field ${name} (${field.type} at byte ${field.offset} of ${this.layout.size}) is not aligned for a ${field.type} TypedArray: read it with get() or getField()`,
      );
    }
    return {
      array: info.view(this.buffer.view.buffer) as TypedArrayOf[L["fields"][K]["type"]],
      offset: field.offset / info.bytes,
      stride: this.layout.size / info.bytes,
      length: this.length,
    };
  }

  /** Frees the records, once. */
  [Symbol.dispose](): void {
    this.#data = undefined;
    this.buffer[Symbol.dispose]();
  }

  #view(): DataView {
    // Rebuilt when the buffer's memory is gone, so a disposed view throws DISPOSED.
    if (this.#data === undefined || this.#data.byteLength !== this.buffer.byteLength) {
      this.#data = new DataView(this.buffer.view.buffer);
    }
    return this.#data;
  }

  #base(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Record index ${index} is out of range: there are ${this.length} records`,
      );
    }
    return index * this.layout.size;
  }

  #field(name: string): RecordField {
    const field = Object.hasOwn(this.layout.fields, name) ? this.layout.fields[name] : undefined;
    if (field === undefined) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `No field ${JSON.stringify(name)} in these records: the fields are ${
          Object.keys(this.layout.fields).map((field) => `"${field}"`).join(", ")
        }; use one of them`,
      );
    }
    return field;
  }

  #check(name: string, value: unknown): RecordField {
    const field = this.#field(name);
    if (!fitsElement(field.type, value)) throw elementValueError(field.type, value, `Field "${name}"`);
    return field;
  }

  #write(base: number, name: string, value: number | bigint): void {
    const field = this.#check(name, value);
    (SETTERS[field.type] as (v: DataView, o: number, x: number | bigint) => void)(
      this.#view(),
      base + field.offset,
      value,
    );
  }
}

/**
 * Compares the record layouts generated bindings were written with against
 * the library's own (its `zc_record_layouts` export), as the ABI's are
 * compared at load. Generated `bind()` calls it.
 *
 * @param layoutsOf The library's `zc_record_layouts` symbol.
 * @param expected The generated layouts, by record name.
 * @throws {ZeroCopyError} `LAYOUT_MISMATCH` naming the first record that
 * differs, or for an answer that is not JSON; `INVALID_ARGUMENT` for arguments
 * of the wrong kind.
 *
 * @example Check an author's record layouts
 * ```ts ignore
 * checkRecordLayouts(lib.symbols.zc_record_layouts, { Vertex: VertexLayout });
 * ```
 */
export function checkRecordLayouts(
  layoutsOf: (buffer: Uint8Array<ArrayBuffer>, length: number) => number,
  expected: { readonly [name: string]: RecordLayout },
): void {
  if (typeof layoutsOf !== "function") {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `checkRecordLayouts takes the library's zc_record_layouts symbol, not ${
        what(layoutsOf)
      }: pass lib.symbols.zc_record_layouts`,
    );
  }
  if (typeof expected !== "object" || expected === null) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `checkRecordLayouts compares against the generated layouts by record name, not ${
        what(expected)
      }: pass { Name: NameLayout }`,
    );
  }
  const length = layoutsOf(new Uint8Array(0), 0);
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new ZeroCopyError(
      "LAYOUT_MISMATCH",
      `The library's zc_record_layouts answered ${
        what(length)
      } for its length, not a byte count: rebuild the library with the zerocopy Zig module that wrote its bindings`,
    );
  }
  const bytes = new Uint8Array(length);
  layoutsOf(bytes, length);
  let actual: Record<string, RecordLayout>;
  try {
    actual = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new ZeroCopyError(
      "LAYOUT_MISMATCH",
      `The library's zc_record_layouts wrote ${length} bytes that are not JSON: rebuild the library with the zerocopy Zig module that wrote its bindings`,
      { cause },
    );
  }
  for (const [name, layout] of Object.entries(expected)) {
    if (JSON.stringify(actual[name]) !== JSON.stringify(layout)) {
      throw new ZeroCopyError(
        "LAYOUT_MISMATCH",
        `The library's ${name} records are ${
          JSON.stringify(actual[name])
        }, but the bindings were generated for ${
          JSON.stringify(layout)
        }: regenerate the bindings (zig build bindings) and rebuild the library together`,
      );
    }
  }
}

/** What is wrong with `layout` as a record layout, or undefined when nothing is. */
function layoutProblem(layout: unknown): string | undefined {
  if (typeof layout !== "object" || layout === null) {
    return `got ${what(layout)}, not { size, align, fields }`;
  }
  const { size, align, fields } = layout as Partial<RecordLayout>;
  if (!Number.isSafeInteger(size) || size! <= 0) return `size ${what(size)} is not a positive integer`;
  if (!Number.isSafeInteger(align) || align! <= 0) return `align ${what(align)} is not a positive integer`;
  if (typeof fields !== "object" || fields === null) {
    return `fields is ${what(fields)}, not an object of fields`;
  }
  for (const [name, field] of Object.entries(fields)) {
    const type = (field as Partial<RecordField> | null)?.type;
    const offset = (field as Partial<RecordField> | null)?.offset;
    if (typeof type !== "string" || !Object.hasOwn(ELEMENT_INFO, type)) {
      return `field "${name}" has type ${what(type)}, not an element type`;
    }
    if (!Number.isSafeInteger(offset) || offset! < 0 || offset! + ELEMENT_INFO[type].bytes > size!) {
      return `field "${name}" at offset ${what(offset)} does not fit in a ${size}-byte record`;
    }
  }
  return undefined;
}
