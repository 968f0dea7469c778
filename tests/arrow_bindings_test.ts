// Generated bindings of exports that hand an Arrow batch over or take one
// (tests/fixtures/arrow_demo.ts, from zig/demo/demo_arrow.zig batch_exports):
// an ArrowBatch returned and released once, an apache-arrow RecordBatch or
// Table lent as one parameter, for synchronous and nonblocking calls.

import { assert, assertEquals, assertRejects, assertStringIncludes, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { Float16, makeData, makeVector, Table, tableFromArrays } from "apache-arrow";
import { ZeroCopyError } from "../mod.ts";
import { ArrowBatch, lendBatch } from "../arrow.ts";
import { open } from "./fixtures/arrow_demo.ts";
import { checksumBatch, DEMO_COLUMNS, expectedValue, plain } from "./_arrow.ts";
import { lib } from "./_helpers.ts";

const arrowDemo = await open(lib.path);
const library = arrowDemo.library;
const WITH_NULLS = 1;
const UNSUPPORTED_FORMAT = 4;

function readings(rows: number) {
  return tableFromArrays({
    id: Int32Array.from({ length: rows }, (_, i) => i * 3 - 7),
    value: Float64Array.from({ length: rows }, (_, i) => i / 4),
  });
}

describe("a generated wrapper of an export with a RecordBatchOut", () => {
  it("returns an ArrowBatch whose table holds Zig's values", () => {
    using batch = arrowDemo.zc_arrow_demo_table(20, WITH_NULLS);
    assert(batch instanceof ArrowBatch);
    assertEquals(batch.table.schema.fields.map((f) => f.name), [...DEMO_COLUMNS]);
    for (const column of DEMO_COLUMNS) {
      const vector = batch.table.getChild(column)!;
      for (let row = 0; row < 20; row++) {
        assertEquals(plain(column, vector.get(row)), expectedValue(column, row, true), `${column}[${row}]`);
      }
    }
  });

  it("holds one buffer, released once when disposed", () => {
    const before = library.stats();
    const batch = arrowDemo.zc_arrow_demo_table(1000n, 0);
    assertEquals(library.stats().liveBuffers, before.liveBuffers + 1);
    batch[Symbol.dispose]();
    batch[Symbol.dispose]();
    const after = library.stats();
    assertEquals(after.liveBuffers, before.liveBuffers);
    assertEquals(after.liveBytes, before.liveBytes);
    assertEquals(after.totalReleased, before.totalReleased + 1);
    assertEquals(assertThrows(() => batch.table, ZeroCopyError).code, "DISPOSED");
  });

  it("refuses a batch that fails the import with a typed error, leaving nothing live", () => {
    const before = library.stats();
    const error = assertThrows(() => arrowDemo.zc_arrow_demo_table(10, UNSUPPORTED_FORMAT), ZeroCopyError);
    assertEquals(error.code, "ARROW_UNSUPPORTED");
    assertStringIncludes(error.message, '"e"');
    const after = library.stats();
    assertEquals(after.liveBuffers, before.liveBuffers);
    assertEquals(after.totalReleased, before.totalReleased + 1);
  });

  it("checks its integers before calling, handing nothing over", () => {
    const before = library.stats();
    assertEquals(
      assertThrows(() => arrowDemo.zc_arrow_demo_table(-1, 0), ZeroCopyError).code,
      "INVALID_ARGUMENT",
    );
    assertEquals(library.stats().totalHandedOver, before.totalHandedOver);
  });
});

describe("a generated wrapper of an export taking a batch", () => {
  it("lends a Table or a RecordBatch as one parameter, read in place by Zig", () => {
    const table = readings(1000);
    const expected = checksumBatch(table.batches[0]);
    const out = new BigUint64Array(1);
    arrowDemo.zc_arrow_demo_checksum(table, out);
    assertEquals(out[0], expected);
    out[0] = 0n;
    arrowDemo.zc_arrow_demo_checksum(table.batches[0], out);
    assertEquals(out[0], expected);
  });

  it("lends a table Zig handed over back to Zig", () => {
    using batch = arrowDemo.zc_arrow_demo_table(50, WITH_NULLS);
    const out = new BigUint64Array(1);
    arrowDemo.zc_arrow_demo_checksum(batch.table, out);
    assertEquals(out[0], checksumBatch(batch.recordBatch));
  });

  it("refuses what is not a batch, and a table of several batches, calling nothing", () => {
    const out = new BigUint64Array([42n]);
    const table = readings(4);
    for (const wrong of [new Float64Array(4), null, { numRows: 4 }, table.concat(readings(2))]) {
      const error = assertThrows(
        () => arrowDemo.zc_arrow_demo_checksum(wrong as unknown as typeof table, out),
        ZeroCopyError,
      );
      assertEquals(error.code, "INVALID_ARGUMENT");
      assertStringIncludes(error.message, 'argument "batch" of zc_arrow_demo_checksum');
    }
    assertEquals(out[0], 42n);
  });

  it("refuses a column whose memory was detached", () => {
    const out = new BigUint64Array([42n]);
    const batch = arrowDemo.zc_arrow_demo_table(10, 0);
    const kept = batch.table;
    batch[Symbol.dispose]();
    assertEquals(
      assertThrows(() => arrowDemo.zc_arrow_demo_checksum(kept, out), ZeroCopyError).code,
      "DETACHED",
    );
    const values = new Float64Array([1, 2, 3]);
    const table = tableFromArrays({ values });
    values.buffer.transfer();
    const error = assertThrows(() => arrowDemo.zc_arrow_demo_checksum(table, out), ZeroCopyError);
    assertEquals(error.code, "DETACHED");
    assertStringIncludes(error.message, "values");
    assertEquals(out[0], 42n);
  });

  it("refuses an unsupported column type before calling", () => {
    const out = new BigUint64Array([42n]);
    const halves = makeVector(
      makeData({ type: new Float16(), length: 2, nullCount: 0, data: new Uint16Array(2) }),
    );
    const table = new Table({ half: halves });
    assertEquals(
      assertThrows(() => arrowDemo.zc_arrow_demo_checksum(table, out), ZeroCopyError).code,
      "ARROW_UNSUPPORTED",
    );
    assertEquals(out[0], 42n);
  });
});

describe("a batch lent to a nonblocking call", () => {
  it("stays lent until the generated wrapper's call settles", async () => {
    const table = readings(5000);
    const out = new BigUint64Array(1);
    await arrowDemo.zc_arrow_demo_checksum_after(table, 20, out);
    assertEquals(out[0], checksumBatch(table.batches[0]));
  });

  it("reads what a column held when the call began, even if it is transferred or resized during the call", async () => {
    const values = new Float64Array(4096).fill(1.5);
    const table = tableFromArrays({ values });
    const expected = checksumBatch(table.batches[0]);
    const out = new BigUint64Array(1);
    const pending = arrowDemo.zc_arrow_demo_checksum_after(table, 30, out);
    values.buffer.transfer(16);
    await pending;
    assertEquals(out[0], expected);
  });

  it("reads a plain column as it was when the call began: a copy JavaScript cannot free or change", async () => {
    const values = new Float64Array(4096).fill(1.5);
    const table = tableFromArrays({ values });
    const expected = checksumBatch(table.batches[0]);
    const out = new BigUint64Array(1);
    const pending = arrowDemo.zc_arrow_demo_checksum_after(table, 30, out);
    // Zig reads after its pause: had it been given the column itself, it would sum these.
    values.fill(-3);
    await pending;
    assertEquals(out[0], expected);
    assert(checksumBatch(table.batches[0]) !== expected);
  });

  it("refuses a resizable column before calling", async () => {
    const values = new Float64Array(new ArrayBuffer(64, { maxByteLength: 128 }));
    const out = new BigUint64Array([42n]);
    const error = await assertRejects(
      () => arrowDemo.zc_arrow_demo_checksum_after(tableFromArrays({ values }), 1, out),
      ZeroCopyError,
    );
    assertEquals(error.code, "INVALID_ARGUMENT");
    assertStringIncludes(error.message, "resizable");
    assertEquals(out[0], 42n);
  });

  it("makes lendBatch hold a nonblocking call's structs and buffers until it settles", async () => {
    const table = readings(3000);
    const out = new BigUint64Array(1);
    const pending = lendBatch(
      library,
      table.batches[0],
      (schema, array) => library.symbols.zc_arrow_demo_checksum_after(schema, array, 20, out),
      { nonblocking: true },
    );
    assert(pending instanceof Promise);
    (table.batches[0].getChild("id")!.data[0].values.buffer as ArrayBuffer).transfer(8);
    assertEquals(await pending, 0);
    assertEquals(out[0], checksumBatch(readings(3000).batches[0]));
  });

  it("refuses a synchronous lend's structs to a nonblocking symbol with a typed error", async () => {
    const out = new BigUint64Array(1);
    const error = await assertRejects(
      async () =>
        await lendBatch(
          library,
          readings(10).batches[0],
          (schema, array) => library.symbols.zc_arrow_demo_checksum_after(schema, array, 1, out),
        ),
      ZeroCopyError,
    );
    assertEquals(error.code, "INVALID_ARGUMENT");
    assertStringIncludes(error.message, "nonblocking: true");
  });

  it("keeps memory Zig handed over allocated when its ArrowBatch is disposed during the call", async () => {
    const before = library.stats();
    const batch = arrowDemo.zc_arrow_demo_table(2000, WITH_NULLS);
    const expected = checksumBatch(batch.recordBatch);
    const out = new BigUint64Array(1);
    const pending = arrowDemo.zc_arrow_demo_checksum_after(batch.table, 50, out);
    batch[Symbol.dispose]();
    // Still allocated: Zig is reading it.
    assertEquals(library.stats().liveBuffers, before.liveBuffers + 1);
    await pending;
    assertEquals(out[0], expected);
    assertEquals(library.stats().liveBuffers, before.liveBuffers);
    assertEquals(library.stats().totalReleased, before.totalReleased + 1);
  });

  // The columns of the batch itself, of a selection and of a new Table over its batches are the ArrowBatch's
  // own apache-arrow Data: pinned, no copy. A slice's are new Data: lent through a copy, which the call holds.
  for (
    const [derivation, derive, pinned] of [
      ["its record batch", (table: Table) => table.batches[0], true],
      ["a selection of its columns", (table: Table) => table.select(["i32", "f64", "utf8"]), true],
      ["a new Table over its batches", (table: Table) => new Table(table.batches), true],
      ["a slice of its table", (table: Table) => table.slice(0, 1500), false],
    ] as const
  ) {
    it(`reads ${derivation} intact when its ArrowBatch is disposed during the call (${pinned ? "pinned" : "copied"})`, async () => {
      const before = library.stats();
      const batch = arrowDemo.zc_arrow_demo_table(2000, WITH_NULLS);
      const derived = derive(batch.table);
      const lent = derived instanceof Table ? derived.batches[0] : derived;
      const expected = checksumBatch(lent);
      const out = new BigUint64Array(1);
      const pending = lendBatch(
        library,
        lent,
        (schema, array) => library.symbols.zc_arrow_demo_checksum_after(schema, array, 40, out),
        { nonblocking: true },
      );
      batch[Symbol.dispose]();
      assertEquals(library.stats().liveBuffers, before.liveBuffers + (pinned ? 1 : 0));
      assertEquals(await pending, 0);
      assertEquals(out[0], expected);
      assertEquals(library.stats().liveBuffers, before.liveBuffers);
      assertEquals(library.stats().totalReleased, before.totalReleased + 1);
    });
  }

  it("refuses a bad argument to lendBatch with a typed error", () => {
    const table = readings(2);
    assertEquals(
      assertThrows(() => lendBatch(library, table as never, () => 0), ZeroCopyError).code,
      "INVALID_ARGUMENT",
    );
  });
});
