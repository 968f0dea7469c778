// Lending a table or a sequence of batches to native code as one Arrow C
// stream whose callbacks are Zig's: a native consumer (the demo's) reads every
// batch with no copy and gets the checksum lendBatch gives batch by batch;
// sources of mixed schemas, empty or of the wrong kind are typed errors; an
// array the consumer keeps past the call keeps its batch pinned until released;
// the stream refuses reads once the loan ended.

import { assert, assertEquals, assertRejects } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { Float64, Int32, Table, tableFromArrays, Utf8, vectorFromArray } from "apache-arrow";
import { ZeroCopyError } from "../mod.ts";
import { adoptStream, type ArrowBatch, lendBatch, lendStream } from "../arrow.ts";
import { hooks, lib } from "./_helpers.ts";

function sample(rows: number, from = 0): Table {
  const ids = Array.from({ length: rows }, (_, i) => from + i);
  return new Table({
    id: vectorFromArray(ids, new Int32()),
    v: vectorFromArray(ids.map((i) => i / 4), new Float64()),
    s: vectorFromArray(ids.map((i) => (i % 5 === 0 ? null : `s${i}`)), new Utf8()),
  });
}

/** What lendBatch's checksum gives each batch, summed as the consumer sums. */
function expectedChecksum(table: Table): bigint {
  const out = new BigUint64Array(1);
  let sum = 0n;
  for (const batch of table.batches) {
    assertEquals(lendBatch(lib, batch, (s, a) => lib.symbols.zc_arrow_checksum(s, a, out)), 0);
    sum = (sum + out[0]) & 0xffff_ffff_ffff_ffffn;
  }
  return sum;
}

async function consume(source: Parameters<typeof lendStream>[1], keep = 0) {
  const sum = new BigUint64Array(1);
  const rows = new BigUint64Array(1);
  const status = await lendStream(
    lib,
    source,
    (address) => hooks.symbols.zc_arrow_demo_consume_stream(address, keep, sum, rows),
  );
  return { status, sum: sum[0], rows: Number(rows[0]) };
}

describe("lendStream", () => {
  it("lends a table's batches as one stream a native consumer reads in place", async () => {
    const parts = [sample(100), sample(50, 100), sample(7, 150)];
    const table = new Table(parts.flatMap((part) => part.batches));
    const result = await consume(table);
    assertEquals(result, { status: 0, sum: expectedChecksum(table), rows: 157 });
  });

  it("lends an async generator of batches, and a single batch", async () => {
    const table = sample(30);
    async function* batches() {
      yield table.batches[0];
      yield sample(5, 30).batches[0];
    }
    assertEquals((await consume(batches())).rows, 35);
    assertEquals((await consume(table.batches[0])).rows, 30);
  });

  it("lends a dictionary-encoded column with its dictionary, batch after batch", async () => {
    // tableFromArrays makes strings dictionary-encoded: the consumer must read the values, not the indices.
    const parts = [
      tableFromArrays({ s: ["a", "bb", "a", "ccc"], x: new Int32Array([1, 2, 3, 4]) }),
      tableFromArrays({ s: ["bb", "dddd"], x: new Int32Array([5, 6]) }),
    ];
    const expected = (expectedChecksum(parts[0]) + expectedChecksum(parts[1])) & 0xffff_ffff_ffff_ffffn;
    assertEquals(await consume(parts.flatMap((part) => part.batches)), { status: 0, sum: expected, rows: 6 });
  });

  it("lends the batches of a stream Zig produced, read as ArrowBatches", async () => {
    const batches = [];
    for await (const batch of adoptStream(lib, (out) => lib.symbols.zc_arrow_demo_stream(3, 20n, 0, out))) {
      batches.push(batch);
    }
    const result = await consume(batches);
    assertEquals(result.rows, 60);
    assertEquals(result.sum, expectedChecksum(new Table(batches.map((b) => b.recordBatch))));
    for (const batch of batches) batch[Symbol.dispose]();
  });

  it("reads intact batches whose memory JavaScript moved or disposed once they were lent", async () => {
    const sum = new BigUint64Array(1), rows = new BigUint64Array(1);
    const read = (address: bigint) => hooks.symbols.zc_arrow_demo_consume_stream(address, 0, sum, rows);
    // JavaScript's own memory, detached (and collected) before the consumer reads it.
    const own = sample(200);
    const ownSum = expectedChecksum(own);
    let detached = 0;
    const ownStatus = await lendStream(lib, own, (address) => {
      for (const column of own.batches[0].data.children) {
        for (const view of [column.values, column.valueOffsets, column.nullBitmap]) {
          const buffer = view?.buffer;
          if (buffer instanceof ArrayBuffer && !buffer.detached) detached += buffer.transfer() ? 1 : 0;
        }
      }
      (globalThis as { gc?: () => void }).gc?.();
      return read(address);
    });
    assert(detached >= 3, `detached ${detached} buffers`);
    assertEquals({ status: ownStatus, sum: sum[0], rows: Number(rows[0]) }, {
      status: 0,
      sum: ownSum,
      rows: 200,
    });
    // Memory Zig handed over, disposed before the consumer reads it.
    const batches: ArrowBatch[] = [];
    for await (const batch of adoptStream(lib, (out) => lib.symbols.zc_arrow_demo_stream(3, 50n, 0, out))) {
      batches.push(batch);
    }
    const zigSum = expectedChecksum(new Table(batches.map((b) => b.recordBatch)));
    const zigStatus = await lendStream(lib, batches, (address) => {
      for (const batch of batches) batch[Symbol.dispose]();
      return read(address);
    });
    assertEquals({ status: zigStatus, sum: sum[0], rows: Number(rows[0]) }, {
      status: 0,
      sum: zigSum,
      rows: 150,
    });
  });

  it("refuses a batch of another schema, an empty source and what is not a batch", async () => {
    const mixed = [sample(3).batches[0], tableFromArrays({ other: new Float64Array([1]) }).batches[0]];
    assertEquals((await assertRejects(() => consume(mixed), ZeroCopyError)).code, "ARROW_INVALID");
    assertEquals((await assertRejects(() => consume([]), ZeroCopyError)).code, "INVALID_ARGUMENT");
    assertEquals((await assertRejects(() => consume([{}] as never), ZeroCopyError)).code, "INVALID_ARGUMENT");
    assertEquals((await assertRejects(() => consume(42 as never), ZeroCopyError)).code, "INVALID_ARGUMENT");
    await assertRejects(() => lendStream(lib, sample(1), 7 as never), ZeroCopyError);
  });

  it("keeps a batch pinned while the consumer holds an array of it past the call", async () => {
    const table = sample(64);
    const kept = await consume(table, 1);
    assertEquals(kept.rows, 64);
    // The consumer still views the lent buffers: another loan goes through meanwhile.
    assertEquals((await consume(sample(8))).rows, 8);
    hooks.symbols.zc_arrow_demo_release_kept();
    assertEquals((await consume(sample(9))).rows, 9); // and lets go of the first loan's batches
  });

  it("refuses reads once the loan ended, and is freed when the consumer releases it then", async () => {
    let address = 0n;
    await lendStream(lib, sample(4), (a) => {
      address = a;
    });
    assert(address !== 0n);
    // The stream was given (to a consumer that never read it), and its loan ended: the demo consumer is refused.
    const sum = new BigUint64Array(1), rows = new BigUint64Array(1);
    assertEquals(await hooks.symbols.zc_arrow_demo_consume_stream(address, 0, sum, rows), 3);
  });
});
