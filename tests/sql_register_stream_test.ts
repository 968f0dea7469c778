// Streams registered with DuckDB (src/sql/register_stream.ts): an ArrowStream
// Zig hands over or another library fills, a QueryStream of another query or
// of the same connection, and (async) iterables of batches. Each is read to
// its end at registration, queried many times, and its batches go once, at
// unregister or close; batches read from a stream are pinned, not copied.

import { assert, assertEquals, assertRejects } from "@std/assert";
import { beforeEach, describe, it } from "@std/testing/bdd";
import { RecordBatch, tableFromArrays } from "apache-arrow";
import { connect } from "../sql.ts";
import { adoptStream, type ArrowBatch, importStream } from "../arrow.ts";
import { hooks, lib } from "./_helpers.ts";
import { assertErrorCode, one } from "./_sql.ts";

// Demo streams alive, less those of other tests the collector has not reached yet.
let liveBefore = 0;
const demoLive = (): number => Number(lib.symbols.zc_arrow_demo_stream_live()) - liveBefore;
beforeEach(() => {
  liveBefore = Number(lib.symbols.zc_arrow_demo_stream_live());
});

function demoStream(batches: number, rows: number, options = 0) {
  return adoptStream(lib, (out) => lib.symbols.zc_arrow_demo_stream(batches, BigInt(rows), options, out));
}

/** The demo batch's `f64` column summed over `rows` rows (zig/demo/demo_arrow.zig: row * 0.5 - 3). */
function f64Sum(rows: number): number {
  return Array.from({ length: rows }, (_, row) => row * 0.5 - 3).reduce((a, b) => a + b, 0);
}

describe("Connection.register of a stream", () => {
  it("registers every batch of an ArrowStream, scans it again and again, and releases it at unregister", async () => {
    using conn = await connect({ library: lib });
    const before = lib.stats().liveBuffers;
    await conn.register("streamed", demoStream(3, 1000));
    assertEquals(demoLive(), 0, "the stream was read to its end and released");
    assert(lib.stats().liveBuffers > before, "the registration holds the stream's batches");
    for (let i = 0; i < 3; i++) {
      const row = await one(conn, "select count(*)::integer as n, sum(f64) as s from streamed");
      assertEquals(row.n, 3000);
      assertEquals(row.s, 3 * f64Sum(1000));
    }
    await conn.unregister("streamed");
    assertEquals(lib.stats().liveBuffers, before, "every batch went at unregister");
  });

  it("registers a stream another library's producer filled (importStream)", async () => {
    using conn = await connect({ library: lib });
    const stream = importStream(lib, (address) => hooks.symbols.zc_arrow_demo_stream_c(2, 50n, 0, address));
    await conn.register("imported", stream);
    assertEquals((await one(conn, "select count(*)::integer as n from imported")).n, 100);
    assertEquals(demoLive(), 0);
  });

  it("gives the stream's batches back at close", async () => {
    const before = lib.stats().liveBuffers;
    {
      await using conn = await connect({ library: lib });
      await conn.register("streamed", demoStream(2, 3000));
      assertEquals((await one(conn, "select count(*)::integer as n from streamed")).n, 6000);
    }
    assertEquals(lib.stats().liveBuffers, before);
  });

  it("registers the QueryStream of another connection, and of its own", async () => {
    using conn = await connect({ library: lib });
    using other = await connect({ library: lib });
    const before = lib.stats().liveBuffers;
    await conn.register("ints", other.queryStream("select range::integer as i from range(10000)"));
    assertEquals(
      (await one(conn, "select count(*)::integer as n, sum(i)::bigint as s from ints")).s,
      49995000n,
    );
    // The stream holds this connection until it ends: the registration reads it first, then takes its turn.
    await conn.register("own", conn.queryStream("select i * 2 as j from ints"));
    assertEquals((await one(conn, "select sum(j)::bigint as s from own")).s, 99990000n);
    await conn.unregister("own");
    await conn.unregister("ints");
    assertEquals(lib.stats().liveBuffers, before);
  });

  it("registers an async generator of JavaScript batches, and a sync iterable of the user's batches", async () => {
    using conn = await connect({ library: lib });
    async function* batches() {
      for (let i = 0; i < 5; i++) {
        yield tableFromArrays({ k: Int32Array.from({ length: 100 }, (_, j) => i * 100 + j) }).batches[0];
      }
    }
    await conn.register("generated", batches());
    assertEquals(
      (await one(conn, "select count(distinct k)::integer as n, max(k) as m from generated")).n,
      500,
    );
    const owned: ArrowBatch[] = [];
    for await (const batch of demoStream(2, 10)) owned.push(batch);
    await conn.register("users", owned);
    await conn.unregister("users");
    assertEquals(owned.map((batch) => batch.numRows), [10, 10], "the user's batches stay the user's");
    for (const batch of owned) batch[Symbol.dispose]();
  });

  it("pins the memory of batches read from a stream rather than copying it: writes show in queries", async () => {
    using conn = await connect({ library: lib });
    const owned: ArrowBatch[] = [];
    for await (const batch of demoStream(2, 100)) owned.push(batch);
    await conn.register("pinned", owned);
    const values = owned[1].recordBatch.getChild("f64")!.data[0].values as Float64Array;
    values[7] = 1e9;
    assertEquals((await one(conn, "select max(f64) as m from pinned")).m, 1e9);
    await conn.unregister("pinned");
    for (const batch of owned) batch[Symbol.dispose]();
  });

  it("registers a table over QueryResults without copying them (pinned until unregister)", async () => {
    using conn = await connect({ library: lib });
    const before = lib.stats().liveBuffers;
    const result = await conn.query("select range::double as x from range(5000)");
    await conn.register("results", [result]);
    result[Symbol.dispose]();
    assert(lib.stats().liveBuffers > before, "the registration's pins defer the dispose");
    assertEquals((await one(conn, "select sum(x) as s from results")).s, 12497500);
    await conn.unregister("results");
    assertEquals(lib.stats().liveBuffers, before);
  });
});

describe("Connection.register of a stream, misused", () => {
  it("fails with the producer's error midway: nothing registered, everything read released", async () => {
    using conn = await connect({ library: lib });
    const before = lib.stats().liveBuffers;
    assertErrorCode(
      await assertRejects(() => conn.register("broken", demoStream(4, 100, 2))),
      "STREAM_FAILED",
    );
    assertEquals(lib.stats().liveBuffers, before);
    assertEquals(demoLive(), 0);
    assertErrorCode(await assertRejects(() => conn.query("select * from broken")), "SQL_ERROR");
    await conn.register("broken", demoStream(1, 10)); // the name is free again
  });

  it("refuses a generator that throws midway with STREAM_FAILED and its cause, and releases what it read", async () => {
    using conn = await connect({ library: lib });
    const before = lib.stats().liveBuffers;
    const stream = demoStream(3, 10);
    async function* failing() {
      for await (const batch of stream) {
        yield batch;
        throw new Error("the source broke");
      }
    }
    const error = await assertRejects(() => conn.register("failing", failing()));
    assertErrorCode(error, "STREAM_FAILED");
    assertEquals(((error as Error).cause as Error).message, "the source broke");
    stream[Symbol.dispose]();
    assertEquals(demoLive(), 0);
    // The generator's batch was the user's: it was not disposed by the registration.
    assert(lib.stats().liveBuffers >= before);
  });

  it("refuses batches whose schema changes with ARROW_INVALID, and tells the generator", async () => {
    using conn = await connect({ library: lib });
    let finished = false;
    async function* changing() {
      try {
        yield tableFromArrays({ a: new Int32Array([1]) }).batches[0];
        yield tableFromArrays({ a: new Float64Array([1]) }).batches[0];
        yield tableFromArrays({ a: new Int32Array([1]) }).batches[0];
      } finally {
        finished = true;
      }
    }
    assertErrorCode(await assertRejects(() => conn.register("changing", changing())), "ARROW_INVALID");
    assert(finished, "the generator was ended");
    const before = lib.stats().liveBuffers;
    assertErrorCode(await assertRejects(() => conn.register("lying", demoStream(3, 10, 1))), "ARROW_INVALID");
    assertEquals(lib.stats().liveBuffers, before);
    assertEquals(demoLive(), 0);
  });

  it("refuses a stream read already (INVALID_ARGUMENT) or disposed (DISPOSED)", async () => {
    using conn = await connect({ library: lib });
    const read = demoStream(1, 10);
    for await (using _ of read);
    assertErrorCode(await assertRejects(() => conn.register("read", read)), "INVALID_ARGUMENT");
    const disposed = demoStream(1, 10);
    disposed[Symbol.dispose]();
    assertErrorCode(await assertRejects(() => conn.register("disposed", disposed)), "DISPOSED");
    const query = conn.queryStream("select 1 as one");
    for await (using _batch of query);
    assertErrorCode(await assertRejects(() => conn.register("query", query)), "INVALID_ARGUMENT");
    const cut = conn.queryStream("select 1 as one");
    await cut.return();
    assertErrorCode(await assertRejects(() => conn.register("cut", cut)), "DISPOSED");
  });

  it("refuses a stream disposed during its registration, and releases everything it read", async () => {
    using conn = await connect({ library: lib });
    const before = lib.stats().liveBuffers;
    const stream = demoStream(50, 1000);
    const registering = conn.register("torn", stream);
    stream[Symbol.dispose]();
    assertErrorCode(await assertRejects(() => registering), "DISPOSED");
    assertEquals(lib.stats().liveBuffers, before);
    assertEquals(demoLive(), 0);
    using other = await connect({ library: lib });
    const query = other.queryStream("select range as i from range(100000)");
    const registeringQuery = conn.register("torn_query", query);
    await query.return();
    assertErrorCode(await assertRejects(() => registeringQuery), "DISPOSED");
    assertEquals(lib.stats().liveBuffers, before);
    assertErrorCode(await assertRejects(() => conn.query("select * from torn_query")), "SQL_ERROR");
  });

  it("refuses a stream of non-batches with INVALID_ARGUMENT, after giving back what it read", async () => {
    using conn = await connect({ library: lib });
    const stream = demoStream(2, 10);
    async function* mixed() {
      for await (const batch of stream) yield batch;
      yield { numRows: 1 };
    }
    const before = lib.stats().liveBuffers;
    assertErrorCode(await assertRejects(() => conn.register("mixed", mixed() as never)), "INVALID_ARGUMENT");
    assertErrorCode(await assertRejects(() => conn.register("numbers", [1, 2] as never)), "INVALID_ARGUMENT");
    assertErrorCode(await assertRejects(() => conn.register("empty", [])), "INVALID_ARGUMENT");
    assertErrorCode(await assertRejects(() => conn.register("string", "abc" as never)), "INVALID_ARGUMENT");
    assert(lib.stats().liveBuffers >= before);
  });

  it("keeps the name taken while the stream is read; unregister and close wait for it", async () => {
    using conn = await connect({ library: lib });
    const registering = conn.register("busy", demoStream(5, 100));
    assertErrorCode(
      await assertRejects(() => conn.register("busy", tableFromArrays({ a: new Int32Array([1]) }))),
      "INVALID_ARGUMENT",
    );
    await conn.unregister("busy"); // waits for the registration, then ends it
    await registering;
    assertErrorCode(await assertRejects(() => conn.query("select * from busy")), "SQL_ERROR");
    const before = lib.stats().liveBuffers;
    const late = conn.register("late", demoStream(5, 100));
    conn.close();
    assertErrorCode(await assertRejects(() => late), "DISPOSED");
    assertEquals(lib.stats().liveBuffers, before);
    assertEquals(demoLive(), 0);
  });

  it("takes a record batch's rows, not the batch as an iterable of rows", async () => {
    using conn = await connect({ library: lib });
    const batch = tableFromArrays({ a: new Int32Array([1, 2]) }).batches[0];
    assert(batch instanceof RecordBatch);
    await conn.register("rb", batch);
    assertEquals((await one(conn, "select count(*)::integer as n from rb")).n, 2);
  });
});
