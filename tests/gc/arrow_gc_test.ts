// Run with --v8-flags=--expose-gc: an Arrow batch never disposed goes back to
// Zig once nothing reaches its memory, a table kept alone keeps it, and a batch
// outlives the library object it came from.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import type { Table } from "apache-arrow";
import { openLibrary } from "../../mod.ts";
import { adoptBatch } from "../../arrow.ts";
import { lib } from "../_helpers.ts";
import { collect, gc } from "./_collect.ts";

const demoBatch = (rows: number) =>
  adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(BigInt(rows), 1, out));

describe("Arrow batches and garbage collection", () => {
  it("needs --expose-gc to be tested", () => {
    assert(gc, "run this suite with --v8-flags=--expose-gc");
  });

  it("gives back, exactly once, a batch and its table collected without dispose", async () => {
    const before = lib.stats();
    (() => {
      for (let i = 0; i < 20; i++) {
        const batch = demoBatch(500);
        assertEquals(batch.table.getChild("f64")!.get(2), -2);
      }
    })();
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 20);
    await collect(() => lib.stats().liveBuffers === before.liveBuffers);
    const after = lib.stats();
    assertEquals(after.liveBuffers, before.liveBuffers);
    assertEquals(after.liveBytes, before.liveBytes);
    assertEquals(after.totalReleased, before.totalReleased + 20);
  });

  it("keeps the memory while only the apache-arrow table is kept, then gives it back", async () => {
    const before = lib.stats();
    let table: Table | null = (() => demoBatch(300).table)();
    await collect(() => false, 10);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
    assertEquals(table.getChild("utf8")!.get(7), "r7");
    table = null;
    await collect(() => lib.stats().liveBuffers === before.liveBuffers);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
  });

  it("outlives the library object it came from, and is given back through it", async () => {
    const before = lib.stats(); // the same library file: the same counters
    const batch = await (async () => {
      const other = await openLibrary({ path: lib.path });
      return adoptBatch(other, (out) => other.symbols.zc_arrow_demo_batch(50n, 0, out));
    })();
    await collect(() => false, 10); // the library object is garbage now; the batch is not
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
    assertEquals(batch.table.getChild("u8")!.get(3), 112);
    batch[Symbol.dispose]();
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
  });
});
