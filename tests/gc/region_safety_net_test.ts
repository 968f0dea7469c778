// Run with --v8-flags=--expose-gc: a region or ring never disposed is freed
// once, and only once nothing reaches its memory: neither the region nor any
// view of a slice it handed over.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { type LibraryStats, Region, Ring } from "../../mod.ts";
import { lib } from "../_helpers.ts";
import { collect, gc } from "./_collect.ts";

/**
 * Collects until `released` more buffers were released than at `before` and
 * none is live beyond it, then a few rounds more: each release is counted once,
 * whichever thread ran it (a Node-API finalizer may still be counting on a V8
 * thread when the live count is read).
 */
async function collectAll(before: LibraryStats, released: number): Promise<void> {
  const done = () => {
    const now = lib.stats();
    return now.liveBuffers === before.liveBuffers && now.totalReleased === before.totalReleased + released;
  };
  await collect(done);
  await collect(() => false, 4);
  assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  assertEquals(lib.stats().totalReleased, before.totalReleased + released);
}

describe("the safety net of regions and rings", () => {
  it("needs --expose-gc to be tested", () => {
    assert(gc, "run this suite with --v8-flags=--expose-gc");
  });

  it("frees a region dropped without dispose after garbage collection, once", async () => {
    const before = lib.stats();
    (() => {
      for (let i = 0; i < 20; i++) {
        const region = Region.create(lib, 4096);
        region.adopt("f64", (out) => lib.symbols.zc_region_generate_f64(10, out));
      }
    })();
    // Handed over, not live: a collection during the loop may already have freed the first ones.
    assertEquals(lib.stats().totalHandedOver, before.totalHandedOver + 20);
    await collectAll(before, 20);
    assertEquals(lib.stats().liveBytes, before.liveBytes);
  });

  it("keeps a dropped region while a slice's view still reaches it, then frees it", async () => {
    const before = lib.stats();
    let kept: Float64Array | null = (() => {
      const region = Region.create(lib, 4096);
      return region.adopt("f64", (out) => lib.symbols.zc_region_generate_f64(10, out));
    })();
    await collect(() => false, 10);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
    assertEquals(kept[9], 4.5);
    kept = null;
    await collectAll(before, 1);
  });

  it("frees a ring dropped with slots still held, once", async () => {
    const before = lib.stats();
    (() => {
      const ring = Ring.create(lib, "u8", { slots: 4, slotLength: 256 });
      for (let i = 0; i < 3; i++) ring.next((out) => lib.symbols.zc_ring_generate_u8(i, 256, out));
    })();
    await collectAll(before, 1);
  });

  it("does not free again a region or ring that was disposed", async () => {
    const before = lib.stats();
    (() => {
      for (let i = 0; i < 10; i++) {
        Region.create(lib, 1024)[Symbol.dispose]();
        Ring.create(lib, "f32", { slots: 2, slotLength: 16 })[Symbol.dispose]();
      }
    })();
    await collect(() => false, 10);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 20);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  });
});
