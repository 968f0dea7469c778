// Lending apache-arrow data built to lie: makeData trusts whatever lengths,
// offsets and children it is given, so each lie must end in a typed refusal
// before Zig is called, and data that tells the truth must still be lent.
// Random cases: tests/property/arrow_lend_test.ts.

import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { Field, Float64, Int32, makeData, type RecordBatch, Struct, Utf8 } from "apache-arrow";
import { ZeroCopyError } from "../mod.ts";
import { lendBatch } from "../arrow.ts";
import { lib } from "./_helpers.ts";
import { batchOf, checksum } from "./_arrow_lend.ts";

function refused(batch: RecordBatch, code: string, words: string): void {
  const result = checksum(batch);
  assert(result instanceof ZeroCopyError, `lent: status ${result}`);
  assertEquals(result.code, code, result.message);
  assertStringIncludes(result.message, words);
}

const utf8 = (offsets: number[], characters: number) =>
  makeData({
    type: new Utf8(),
    length: offsets.length - 1,
    nullCount: 0,
    valueOffsets: new Int32Array(offsets),
    data: new Uint8Array(characters).fill(97),
  });

describe("lendBatch refuses data that lies about its memory", () => {
  it("a length past its values", () => {
    const data = makeData({ type: new Int32(), length: 2 ** 30, nullCount: 0, data: new Int32Array(4) });
    refused(batchOf(data), "ARROW_INVALID", "values");
  });

  it("an offset past its values", () => {
    const data = makeData({ type: new Int32(), offset: 3, length: 4, nullCount: 0, data: new Int32Array(4) });
    const result = checksum(batchOf(data));
    // apache-arrow slices values to the first row: 4 rows need 16 bytes from there.
    if (!(result instanceof ZeroCopyError)) assertEquals(result, 0);
    const past = makeData({ type: new Float64(), length: 5, nullCount: 0, data: new Float64Array(4) });
    refused(batchOf(past), "ARROW_INVALID", "values");
  });

  it("a utf8 offset past its characters, in the middle as at the end", () => {
    refused(batchOf(utf8([0, 2, 4], 3)), "ARROW_INVALID", "past its 3 bytes");
    refused(batchOf(utf8([0, 900, 2], 3)), "ARROW_INVALID", "offset 1");
  });

  it("utf8 offsets that decrease or start below 0", () => {
    refused(batchOf(utf8([0, 3, 1, 3], 3)), "ARROW_INVALID", "below the one before");
    refused(batchOf(utf8([-4, 0], 3)), "ARROW_INVALID", "first offset");
  });

  it("fewer utf8 offsets than rows", () => {
    const data = makeData({
      type: new Utf8(),
      length: 10,
      nullCount: 0,
      valueOffsets: new Int32Array([0, 1]),
      data: new Uint8Array(4),
    });
    refused(batchOf(data), "ARROW_INVALID", "offsets");
  });

  it("a validity bitmap shorter than its rows", () => {
    const data = makeData({
      type: new Int32(),
      length: 64,
      nullCount: 3,
      nullBitmap: new Uint8Array(1),
      data: new Int32Array(64),
    });
    refused(batchOf(data), "ARROW_INVALID", "validity bitmap");
  });

  it("a null count above its length", () => {
    const data = makeData({
      type: new Int32(),
      length: 2,
      nullCount: 9,
      nullBitmap: new Uint8Array(8),
      data: new Int32Array(2),
    });
    refused(batchOf(data), "ARROW_INVALID", "null count");
  });

  it("a child shorter than its parent", () => {
    const child = makeData({ type: new Int32(), length: 2, nullCount: 0, data: new Int32Array(2) });
    const field = new Field("c", new Int32(), true);
    const parent = makeData({ type: new Struct([field]), length: 1000, nullCount: 0, children: [child] });
    refused(batchOf(parent, "s"), "ARROW_INVALID", "rows where its parent needs 1000");
  });

  it("children that do not match their type", () => {
    const field = new Field("c", new Int32(), true);
    const parent = makeData({ type: new Struct([field, field]), length: 1, nullCount: 0, children: [] });
    refused(batchOf(parent, "s"), "ARROW_INVALID", "children");
  });
});

describe("lendBatch given what is no batch", () => {
  it("refuses it with a typed error", () => {
    assertEquals(
      assertThrows(() => lendBatch(lib, {} as RecordBatch, () => 0), ZeroCopyError).code,
      "INVALID_ARGUMENT",
    );
  });
});
