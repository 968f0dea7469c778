// Arrow C streams read as async iterables of batches: a Zig producer's stream
// and a C producer's (filled in at an address Zig owns) give the same values
// as the batch adopted whole; each batch and the stream go back exactly once;
// streams that lie about their schema, fail midway, are released twice or are
// disposed mid-iteration end in typed errors with nothing leaked.

import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { ZeroCopyError } from "../mod.ts";
import { adoptBatch, adoptStream, type ArrowBatch, type ArrowStream, importStream } from "../arrow.ts";
import { hooks, lib } from "./_helpers.ts";

const LIE = 1;
const FAIL = 2;

function demoStream(batches: number, rows: number, options = 0): ArrowStream {
  return adoptStream(lib, (out) => lib.symbols.zc_arrow_demo_stream(batches, BigInt(rows), options, out));
}

function rowsOf(batch: ArrowBatch): unknown[] {
  return batch.table.toArray().map((row) =>
    JSON.stringify(row.toJSON(), (_, v) => typeof v === "bigint" ? `${v}` : v)
  );
}

describe("ArrowStream", () => {
  it("reads a Zig producer's batches in place, equal to the batch adopted whole", async () => {
    const before = lib.stats().liveBuffers;
    using whole = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(50n, 0, out));
    const expected = rowsOf(whole);
    const batches: ArrowBatch[] = [];
    for await (const batch of demoStream(3, 50)) batches.push(batch);
    assertEquals(batches.length, 3);
    for (const batch of batches) {
      assertEquals(
        batch.table.schema.fields.map((f) => f.name),
        whole.table.schema.fields.map((f) => f.name),
      );
      assertEquals(rowsOf(batch), expected);
    }
    assert(lib.stats().liveBuffers > before + 1, "the batches view buffers handed over");
    for (const batch of batches) batch[Symbol.dispose]();
    whole[Symbol.dispose]();
    assertEquals(lib.stats().liveBuffers, before);
  });

  it("reads another library's C stream filled in at the address it is given", async () => {
    using stream = importStream(lib, (address) => hooks.symbols.zc_arrow_demo_stream_c(2, 7n, 0, address));
    let rows = 0;
    for await (const batch of stream) {
      using _ = batch;
      rows += batch.numRows;
      assertEquals(batch.table.getChild("i32")?.length, 7);
    }
    assertEquals(rows, 14);
    assert(stream.disposed, "a stream read to its end is released");
  });

  it("refuses a producer that fills nothing, or reports a failure", () => {
    assertEquals(assertThrows(() => importStream(lib, () => {}), ZeroCopyError).code, "STREAM_FAILED");
    assertEquals(
      assertThrows(
        () => importStream(lib, (a) => hooks.symbols.zc_arrow_demo_stream_c(0, 1n, 0, a)),
        ZeroCopyError,
      )
        .code,
      "STREAM_FAILED",
    );
  });

  it("ends with ARROW_INVALID at a batch that lies about the schema; the batch before stays readable", async () => {
    const before = lib.stats().liveBuffers;
    const stream = demoStream(3, 4, LIE);
    const first = await stream.next();
    assert(!first.done);
    const error = await assertRejects(() => stream.next(), ZeroCopyError);
    assertEquals(error.code, "ARROW_INVALID");
    assertEquals((await assertRejects(() => stream.next(), ZeroCopyError)).code, "ARROW_INVALID");
    assertEquals(first.value.table.getChild("i8")?.length, 4);
    first.value[Symbol.dispose]();
    stream[Symbol.dispose]();
    assertEquals(lib.stats().liveBuffers, before);
  });

  it("fails midway with STREAM_FAILED carrying the producer's message", async () => {
    using stream = demoStream(3, 4, FAIL);
    const first = await stream.next();
    assert(!first.done);
    first.value[Symbol.dispose]();
    const error = await assertRejects(() => stream.next(), ZeroCopyError);
    assertEquals(error.code, "STREAM_FAILED");
    assert(error.message.includes("DemoStreamFailedAtItsSecondBatch"), error.message);
  });

  it("a break releases the producer early, and later reads are refused", async () => {
    const before = lib.stats().liveBuffers;
    const stream = demoStream(10, 100);
    for await (const batch of stream) {
      batch[Symbol.dispose]();
      break;
    }
    assert(stream.disposed);
    assertEquals((await assertRejects(() => stream.next(), ZeroCopyError)).code, "DISPOSED");
    stream[Symbol.dispose](); // twice: nothing
    assertEquals(lib.stats().liveBuffers, before);
  });

  it("disposed while a batch is being produced: that batch goes back, and the call rejects", async () => {
    const before = lib.stats().liveBuffers;
    const stream = demoStream(5, 200_000);
    (await stream.next()).value?.[Symbol.dispose](); // built ahead; the next one is built in get_next
    const pending = stream.next();
    await new Promise((resolve) => setTimeout(resolve, 1));
    stream[Symbol.dispose]();
    const settled = await pending.then(
      (result) => (result.done ? "done" : (result.value[Symbol.dispose](), "batch")),
      (error) => (error as ZeroCopyError).code,
    );
    assertEquals(settled, "DISPOSED");
    assertEquals(lib.stats().liveBuffers, before);
  });

  it("concurrent next() calls are served in order, one producer call at a time", async () => {
    using stream = demoStream(4, 3);
    const results = await Promise.all([
      stream.next(),
      stream.next(),
      stream.next(),
      stream.next(),
      stream.next(),
    ]);
    assertEquals(results.map((r) => r.done), [false, false, false, false, true]);
    for (const r of results) if (!r.done) r.value[Symbol.dispose]();
  });

  it("refuses what is not a stream-producing call or a libzerocopy", () => {
    assertThrows(() => adoptStream(lib, () => 0), ZeroCopyError);
    assertThrows(() => adoptStream(lib, 42 as never), ZeroCopyError);
    assertThrows(() => adoptStream({} as never, () => 0), ZeroCopyError);
  });

  it("a forged handle names nothing", async () => {
    const stream = adoptStream(lib, (out) => {
      new DataView(out.buffer).setBigUint64(0, 0x1234_5678_9abc_def0n, true);
      return 0;
    });
    assertEquals((await assertRejects(() => stream.next(), ZeroCopyError)).code, "STALE_HANDLE");
    stream[Symbol.dispose]();
  });
});
