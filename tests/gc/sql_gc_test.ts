// Run with --v8-flags=--expose-gc: a foreign Arrow batch (a SQL result, the
// hooks' counting producer) never disposed goes back to its producer exactly
// once, after the last view over any of its buffers is gone.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import type { Table } from "apache-arrow";
import { openLibrary } from "../../mod.ts";
import { connect, QueryResult } from "../../sql.ts";
import { adoptBatch } from "../../arrow.ts";
import { adoptForeign } from "../_foreign.ts";
import { ARRAY_BYTES, SCHEMA_BYTES } from "../../src/arrow/c_data.ts";
import { cDataSymbols } from "../../src/abi/symbols.ts";
import { testHooksSymbols } from "../fixtures/test_hooks.ts";
import { hooks, lib } from "../_helpers.ts";
import { collect, gc } from "./_collect.ts";

const producer = await openLibrary({ path: hooks.path, symbols: { ...cDataSymbols, ...testHooksSymbols } });
/**
 * Releases so far. Asking the library for its stats first runs the releases
 * Node-API finalizers left for a JavaScript thread (the `node-api` mapping).
 */
const releases = () => {
  producer.stats();
  return Number(producer.symbols.zc_test_foreign_releases());
};

function producerBatch(rows: number): QueryResult {
  const schema = new Uint8Array(SCHEMA_BYTES);
  const array = new Uint8Array(ARRAY_BYTES);
  assertEquals(producer.symbols.zc_test_foreign_batch(rows, 0, schema, array), 0);
  try {
    const adopted = adoptForeign(producer as never, schema, array);
    return new QueryResult([adopted.batch], adopted.buffers);
  } finally {
    producer.symbols.zc_arrow_foreign_release(schema, null);
  }
}

describe("foreign Arrow batches and garbage collection", () => {
  it("needs --expose-gc to be tested", () => {
    assert(gc, "run this suite with --v8-flags=--expose-gc");
  });

  it("releases each batch collected without dispose exactly once", async () => {
    const before = producer.stats();
    const released = releases();
    (() => {
      for (let i = 0; i < 20; i++) assertEquals(producerBatch(300).table.getChild("x")!.get(7), 3.5);
    })();
    await collect(() => releases() === released + 20);
    assertEquals(releases(), released + 20);
    assertEquals(producer.stats().liveBuffers, before.liveBuffers);
    await collect(() => false, 5);
    assertEquals(releases(), released + 20);
  });

  it("keeps the batch while one column's vector alone is kept, then releases it", async () => {
    const released = releases();
    let column: ReturnType<Table["getChild"]> = (() => producerBatch(100).table.getChild("s"))();
    await collect(() => false, 10);
    assertEquals(releases(), released);
    assertEquals(column!.get(5), "ab");
    column = null;
    await collect(() => releases() === released + 1);
    assertEquals(releases(), released + 1);
  });

  // libduckdb lies outside a path-scoped --allow-ffi: the scoped run leaves it out.
  it(
    { name: "gives a DuckDB result collected without dispose back to the engine" },
    async () => {
      using conn = await connect({ library: lib });
      const before = lib.stats();
      // In a function of its own, whose context (holding the last result) is gone when it returns.
      await (async () => {
        for (let i = 0; i < 10; i++) {
          const result = await conn.query("select i::integer as i, 'v' || i as s from range(3000) t(i)");
          assertEquals(result.table.getChild("s")!.get(2999), "v2999");
        }
      })();
      assert(lib.stats().liveBuffers > before.liveBuffers);
      await collect(() => lib.stats().liveBuffers === before.liveBuffers, 300);
      assertEquals(lib.stats().liveBuffers, before.liveBuffers);
      assertEquals(lib.stats().liveBytes, before.liveBytes);
    },
  );

  it("closes a connection collected without close, letting go of what it registered", async () => {
    const before = lib.stats().liveBuffers;
    await (async () => {
      const conn = await connect({ library: lib });
      const batch = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(1000n, 0, out));
      await conn.register("held", batch.table); // lent: the batch's buffer is pinned
      using result = await conn.query("select count(*)::integer as n from held");
      assertEquals(result.table.get(0)!.toJSON(), { n: 1000 });
      batch[Symbol.dispose]();
    })();
    assertEquals(lib.stats().liveBuffers, before + 1, "the registration defers the dispose");
    await collect(() => lib.stats().liveBuffers === before, 300);
    assertEquals(lib.stats().liveBuffers, before);
  });

  it("lets a connection and its stream dropped together go, the stream's result first", async () => {
    const before = lib.stats().liveBuffers;
    await (async () => {
      const conn = await connect({ library: lib });
      const batch = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(300_000n, 0, out));
      await conn.register("scanned", batch.table); // lent: the batch's buffer is pinned
      batch[Symbol.dispose]();
      // DuckDB's threads scan on for the stream between two reads, whatever finalizer runs first.
      const stream = conn.queryStream("select i32 from scanned");
      using first = (await stream.next()).value!;
      assert(first.numRows > 0);
    })();
    assertEquals(lib.stats().liveBuffers, before + 1, "the registration defers the dispose");
    await collect(() => lib.stats().liveBuffers === before, 300);
    assertEquals(lib.stats().liveBuffers, before);
  });

  it("lets the connection go when a stream is dropped between two batches", async () => {
    using conn = await connect({ library: lib });
    await (async () => {
      const stream = conn.queryStream("select range from range(100000)");
      using first = (await stream.next()).value!;
      assert(first.numRows > 0);
    })();
    // Until the dropped stream is collected, the connection is its: the next statement waits.
    const next = conn.query("select 7 as seven");
    let answered = false;
    next.then(() => answered = true, () => answered = true);
    await collect(() => answered, 300);
    assert(answered, "the dropped stream still holds the connection");
    using result = await next;
    assertEquals(result.table.get(0)!.toJSON(), { seven: 7 });
  });
});
