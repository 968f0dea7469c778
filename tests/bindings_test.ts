// Bindings generated from Zig (tests/fixtures/bindings_fixture.ts, written by
// `zig build bindings` from zig/fixtures/bindings_fixture.zig): the tables and
// wrappers must match what the Zig exports are.

import { assert, assertEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { ELEMENT_TYPES, Region, Ring, ZeroCopyError } from "../mod.ts";
import { typedArrayOf } from "../src/abi/element_types.ts";
import { abiLayout, abiSymbols, libzerocopySymbols } from "../src/abi/symbols.ts";
import { open, symbols } from "./fixtures/bindings_fixture.ts";
import { fixturePath } from "./_helpers.ts";

const fixture = await open(fixturePath("bindings_fixture"));

describe("bindings generated from Zig", () => {
  it("describe each export with the FFI types of its Zig signature", () => {
    assertEquals(symbols.make_i32, { parameters: ["u32", "buffer"], result: "i32" });
    assertEquals(symbols.sum_f64, { parameters: ["buffer", "u32"], result: "f64" });
    assertEquals(symbols.scale, { parameters: ["f64", "i32"], result: "f64" });
    assertEquals(abiSymbols.zc_release, { parameters: ["buffer"], result: "void" });
    assertEquals(abiSymbols.zc_allocate, { parameters: ["u32", "u64", "buffer"], result: "i32" });
  });

  it("carry nonblocking for the exports Zig marks so", () => {
    assertEquals(libzerocopySymbols.zc_sum_f64_after.nonblocking, true);
    assertEquals("nonblocking" in libzerocopySymbols.zc_sum_f64, false);
  });

  it("give zerocopy's own layouts from zig/zerocopy/abi.zig", () => {
    assertEquals(abiLayout.structs.Descriptor.size, 48);
    assertEquals(abiLayout.structs.Descriptor.fields.element_type, 40);
    assertEquals(Object.keys(abiLayout.element_types), [...ELEMENT_TYPES]);
    assertEquals(Object.keys(abiLayout.element_sizes), [...ELEMENT_TYPES]);
  });

  it("give each element type the byte size of the TypedArray that views it", () => {
    for (const type of ELEMENT_TYPES) {
      assertEquals(abiLayout.element_sizes[type], typedArrayOf(type).BYTES_PER_ELEMENT, type);
    }
  });

  for (const type of ELEMENT_TYPES) {
    it(`return a ZeroCopyBuffer<${type}> from make_${type} and sum a lent array with sum_${type}`, () => {
      const before = fixture.library.stats();
      {
        using buffer = fixture[`make_${type}`](200);
        assertEquals(buffer.type, type);
        assertEquals(buffer.length, 200);
        const expected = type.startsWith("f") ? 199 * 200 / 2 : 2 * (99 * 100 / 2);
        assertEquals(
          Number((fixture[`sum_${type}`] as (v: typeof buffer.view) => number)(buffer.view)),
          expected,
        );
      }
      assertEquals(fixture.library.stats().liveBuffers, before.liveBuffers);
    });
  }

  it("throw the typed error for a non-ok status", () => {
    fixture.fail_with(0);
    const error = assertThrows(() => fixture.fail_with(1), ZeroCopyError);
    assertEquals(error.code, "OUT_OF_MEMORY");
    assert(error.message.includes("fail_with"));
  });

  it("pass plain scalars through", () => {
    assertEquals(fixture.scale(1.5, 4), 6);
  });

  it("take a Region for a function that hands over into one and return the slice's view", () => {
    assertEquals(symbols.carve_f32, { parameters: ["u32", "buffer"], result: "i32" });
    using region = Region.create(fixture.library, 1024);
    const slice = fixture.carve_f32(4, region);
    assertEquals(slice, new Float32Array([0, 1, 2, 3]));
    const rows = fixture.carve_batch_u16(3, 2, region);
    assertEquals(rows.map((row) => Array.from(row)), [[0, 0], [1, 1], [2, 2]]);
    assertEquals(assertThrows(() => fixture.carve_f32(1000, region), ZeroCopyError).code, "FULL");
  });

  it("take a Ring for a function that fills a slot and return the slot", () => {
    using ring = Ring.create(fixture.library, "u8", { slots: 1, slotLength: 16 });
    {
      using slot = fixture.fill_slot(7, 3, ring);
      assertEquals(slot.view, new Uint8Array([7, 7, 7]));
      assertEquals(assertThrows(() => fixture.fill_slot(1, 1, ring), ZeroCopyError).code, "FULL");
    }
    assertEquals(ring.held, 0);
  });

  it("refuse to lend a detached array", () => {
    using buffer = fixture.make_f64(4);
    const view = buffer.view;
    buffer[Symbol.dispose]();
    assertEquals(assertThrows(() => fixture.sum_f64(view), ZeroCopyError).code, "DETACHED");
  });
});
