// Records (`zerocopy.RecordOut(T)`): a slice of an extern struct handed over,
// viewed through the layout the generator wrote from Zig's comptime layout,
// checked against the library's when the bindings bind, and freed once.

import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { checkRecordLayouts, ZeroCopyError } from "../mod.ts";
import { AllTypesLayout, open, symbols } from "./fixtures/bindings_fixture.ts";
import { fixturePath } from "./_helpers.ts";

const fixture = await open(fixturePath("bindings_fixture"));

/** What Zig writes into record `i` (zig/fixtures/bindings_fixture.zig `make_all_types`). */
function zigRecord(i: number) {
  return {
    f64_field: i / 2,
    u64_field: BigInt(i),
    i64_field: -BigInt(i),
    f32_field: i / 2,
    u32_field: i,
    i32_field: -i,
    u16_field: i & 0xffff,
    i16_field: -(i % 30000),
    u8_field: i & 0xff,
    i8_field: -(i % 100),
  };
}

/** A value at the edge of each field's range, to catch a wrong width or signedness. */
const extremes = {
  f64_field: -1.5e300,
  u64_field: 2n ** 64n - 1n,
  i64_field: -(2n ** 63n),
  f32_field: 3.5,
  u32_field: 2 ** 32 - 1,
  i32_field: -(2 ** 31),
  u16_field: 65535,
  i16_field: -32768,
  u8_field: 255,
  i8_field: -128,
};

describe("records", () => {
  it("are described by the struct's comptime layout, padding included", () => {
    assertEquals(AllTypesLayout.size, 48);
    assertEquals(AllTypesLayout.align, 8);
    assertEquals(AllTypesLayout.fields.i8_field, { offset: 41, type: "i8" });
    assertEquals(symbols.make_all_types.parameters, ["u32", "buffer"]);
  });

  it("read what Zig wrote into every field type", () => {
    using records = fixture.make_all_types(300);
    assertEquals(records.length, 300);
    for (const i of [0, 1, 127, 299]) assertEquals(records.get(i), zigRecord(i));
    assertEquals(records.getField(299, "i64_field"), -299n);
  });

  it("round-trip every field type through set and get, and through the columns", () => {
    using records = fixture.make_all_types(4);
    records.set(2, extremes);
    assertEquals(records.get(2), extremes);
    assertEquals(records.get(1), zigRecord(1), "a write leaked into the record before");
    assertEquals(records.get(3), zigRecord(3), "a write leaked into the record after");
    for (const [name, value] of Object.entries(extremes)) {
      const field = name as keyof typeof extremes;
      const column = records.column(field);
      assertEquals(column.array[column.offset + 2 * column.stride], value, name);
      assertEquals(column.stride * column.array.BYTES_PER_ELEMENT, 48);
      records.setField(0, field, value as never);
      assertEquals(records.getField(0, field), value, name);
    }
    const u32s = records.column("u32_field");
    u32s.array[u32s.offset + 3 * u32s.stride] = 7;
    assertEquals(records.get(3).u32_field, 7, "a column write is not seen by get");
  });

  it("refuse a bad index, field or value type with a typed error", () => {
    using records = fixture.make_all_types(2);
    const code = (f: () => unknown) => (assertThrows(f, ZeroCopyError) as ZeroCopyError).code;
    assertEquals(code(() => records.get(2)), "INVALID_ARGUMENT");
    assertEquals(code(() => records.getField(0, "nope" as never)), "INVALID_ARGUMENT");
    assertEquals(code(() => records.set(0, { u64_field: 1 as never })), "INVALID_ARGUMENT");
  });

  it("refuse a value the field would not store as it is, instead of wrapping it", () => {
    using records = fixture.make_all_types(1);
    const before = records.get(0);
    const refused = (write: () => unknown, ...parts: string[]) => {
      const error = assertThrows(write, ZeroCopyError);
      assertEquals(error.code, "INVALID_ARGUMENT", error.message);
      for (const part of parts) assertStringIncludes(error.message, part);
    };
    refused(
      () => records.setField(0, "u32_field", -1),
      'Field "u32_field" is u32',
      "from 0 to 4294967295",
      "-1",
    );
    refused(() => records.setField(0, "u8_field", 1.5), "1.5");
    refused(() => records.setField(0, "u8_field", 300), "300");
    refused(() => records.setField(0, "i8_field", -129));
    refused(() => records.setField(0, "i16_field", 32768));
    refused(() => records.setField(0, "u16_field", NaN), "NaN");
    refused(() => records.setField(0, "i32_field", 2 ** 31));
    refused(() => records.setField(0, "u64_field", -1n), "-1n", "BigInt");
    refused(() => records.setField(0, "u64_field", 2n ** 64n));
    refused(() => records.setField(0, "i64_field", 2n ** 63n));
    refused(() => records.set(0, { u32_field: 7, u8_field: 256 }), 'Field "u8_field"');
    refused(() => records.set(0, { nope: 1 } as never), '"nope"', '"u32_field"');
    refused(() => records.setField(0, "nope" as never, 1 as never), '"nope"');
    refused(() => records.set(0, null as never), "not null");
    refused(() => records.setField(0, "f64_field", "1" as never), '"1"');
    // Floats take any number, the edges of each integer type are in range.
    records.setField(0, "f64_field", NaN);
    records.setField(0, "f32_field", Infinity);
    records.setField(0, "i8_field", -128);
    records.setField(0, "u64_field", 2n ** 64n - 1n);
    const after = records.get(0);
    assertEquals(after.u8_field, before.u8_field, "a refused write changed the field");
    assertEquals(after.u32_field, before.u32_field, "a refused record was written in part");
    assert(Number.isNaN(after.f64_field));
  });

  it("are freed once, with the struct's alignment, when disposed", () => {
    const before = fixture.library.stats();
    const records = fixture.make_all_types(1000);
    assertEquals(fixture.library.stats().liveBytes, before.liveBytes + 48_000);
    records[Symbol.dispose]();
    records[Symbol.dispose]();
    assertEquals(fixture.library.stats().liveBuffers, before.liveBuffers);
    assertEquals((assertThrows(() => records.get(0), ZeroCopyError) as ZeroCopyError).code, "DISPOSED");
  });

  it("fail the load when the library's layout is not the generated one", () => {
    const library = JSON.stringify({ AllTypes: { ...AllTypesLayout, size: 40 } });
    const layoutsOf = (buffer: Uint8Array, length: number) => {
      const bytes = new TextEncoder().encode(library);
      buffer.set(bytes.subarray(0, length));
      return bytes.length;
    };
    const error = assertThrows(
      () => checkRecordLayouts(layoutsOf, { AllTypes: AllTypesLayout }),
      ZeroCopyError,
    );
    assertEquals(error.code, "LAYOUT_MISMATCH");
    assert(error.message.includes("AllTypes"));
    checkRecordLayouts(fixture.library.symbols.zc_record_layouts, { AllTypes: AllTypesLayout });
  });
});
