// Every type beyond the first ones, lent from apache-arrow to Zig's reader: what Zig reads is what
// apache-arrow holds (the checksum of every value), sliced or whole, and data that lies is refused.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { Table, tableFromArrays } from "apache-arrow";
import { lendBatch } from "../arrow.ts";
import { lib } from "./_helpers.ts";
import { checksumBatch } from "./_arrow.ts";
import { typesBatch } from "./_arrow_types.ts";
import { batchOf } from "./_arrow_lend.ts";
import { open } from "./fixtures/arrow_demo.ts";

const arrowDemo = await open(lib.path);

function zigChecksum(batch: Parameters<typeof lendBatch>[1]): bigint {
  const out = new BigUint64Array(1);
  const status = lendBatch(lib, batch, (schema, array) => lib.symbols.zc_arrow_checksum(schema, array, out));
  assertEquals(status, 0, "zc_arrow_checksum refused the batch");
  return out[0];
}

describe("lendBatch lends every supported type", () => {
  it("a table tableFromArrays made of strings (a dictionary with int32 indices)", () => {
    const table = tableFromArrays({ s: ["a", "bb", "a", "ccc"], n: new Int32Array([1, 2, 3, 4]) });
    assertEquals(zigChecksum(table.batches[0]), checksumBatch(table.batches[0]));
  });

  for (const rows of [0, 1, 37, 1000]) {
    it(`dictionaries, dates, times, durations, decimals, intervals, binaries and lists (${rows} rows)`, () => {
      const batch = typesBatch(rows);
      const expected = checksumBatch(batch);
      assertEquals(zigChecksum(batch), expected);
      if (rows > 10) {
        const sliced = batch.slice(3, rows - 7);
        assertEquals(zigChecksum(sliced), checksumBatch(sliced));
        assert(checksumBatch(sliced) !== expected);
      }
    });
  }

  it("each column on its own, so that a checksum that differs names its column", () => {
    const batch = typesBatch(50);
    for (const field of batch.schema.fields) {
      const one = batchOf(batch.getChild(field.name)!.data[0], field.name);
      assertEquals(zigChecksum(one), checksumBatch(one), field.name);
    }
  });
});

describe("a batch of the new types lent to a nonblocking call", () => {
  it("reads every type as it was when the call began, dictionaries and list items included", async () => {
    const batch = typesBatch(300);
    const expected = checksumBatch(batch);
    const out = new BigUint64Array(1);
    const pending = arrowDemo.zc_arrow_demo_checksum_after(new Table([batch]), 30, out);
    // Zig reads after its pause: had it been given the buffers themselves, it would read these.
    const words = batch.getChild("dict_i32")!.data[0].dictionary!.data[0].values as Uint8Array;
    words.fill(0x41);
    (batch.getChild("list")!.data[0].children[0].values as Int32Array).fill(-1);
    await pending;
    assertEquals(out[0], expected);
    assert(checksumBatch(batch) !== expected);
  });

  it("lends a table tableFromArrays made of strings through lendBatch with nonblocking", async () => {
    const table = tableFromArrays({ s: Array.from({ length: 100 }, (_, i) => `w${i % 7}`) });
    const out = new BigUint64Array(1);
    await lendBatch(
      arrowDemo.library,
      table.batches[0],
      (schema, array) => arrowDemo.library.symbols.zc_arrow_demo_checksum_after(schema, array, 5, out),
      { nonblocking: true },
    );
    assertEquals(out[0], checksumBatch(table.batches[0]));
  });
});
