// Run with --v8-flags=--expose-gc. A region or ring whose memory the user
// moved away (a slice's view.buffer.transfer()) is freed by the Node-API
// mapping once the moved ArrayBuffer dies. The Region or Ring object left
// behind must then get a typed STALE_HANDLE from Zig, which recognizes it by
// handle, never by reading its freed memory: a region or ring allocated
// after it (quite likely at the same address) keeps its data and its slots.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { openDemo, Region, Ring } from "../../mod.ts";
import { assertCode, lib } from "../_helpers.ts";
import { collect, gc } from "./_collect.ts";

// The Node-API mapping frees moved memory; pointer-view leaves it allocated.
const demo = await openDemo({ path: lib.path, mapping: "node-api" });
const library = demo.library;
const symbols = library.symbols;
const stats = () => library.stats();

/** Moves `view`'s whole ArrayBuffer away and drops it, then collects until Zig freed it. */
async function moveAwayAndCollect(view: ArrayBufferView<ArrayBuffer>, liveBefore: number): Promise<void> {
  (() => view.buffer.transfer())();
  await collect(() => stats().liveBuffers === liveBefore);
  assertEquals(stats().liveBuffers, liveBefore, "the moved memory was not collected");
}

describe("a region or ring whose memory was moved away and collected", () => {
  it("needs --expose-gc and the Node-API mapping", () => {
    assert(gc, "run this suite with --v8-flags=--expose-gc");
    assertEquals(library.mapping, "node-api");
  });

  it("a stale Region refuses reset and adopt; the region now at its place keeps its data", async () => {
    const before = stats();
    const size = 1 << 16;
    const stale = Region.create(library, size);
    const slice = stale.adopt("u8", (out) => symbols.zc_region_generate_u8(16, out));
    await moveAwayAndCollect(slice, before.liveBuffers);
    using fresh = Region.create(library, size);
    const kept = fresh.adopt("f64", (out) => symbols.zc_region_generate_f64(64, out));
    const copy = kept.slice();
    assertCode(() => stale.reset(), "STALE_HANDLE");
    assertCode(() => stale.adopt("f64", (out) => symbols.zc_region_generate_f64(64, out)), "STALE_HANDLE");
    assertCode(
      () => stale.adoptBatch("f64", (out) => symbols.zc_region_generate_batch_f64(2, 4, out)),
      "STALE_HANDLE",
    );
    // Nothing reset the fresh region: its next slice follows the first, which is unchanged.
    const next = fresh.adopt("f64", (out) => symbols.zc_region_generate_f64(1, out));
    assertEquals(next.byteOffset, 64 * 8);
    assertEquals(kept, copy);
    stale[Symbol.dispose]();
    fresh[Symbol.dispose]();
    assertEquals(stats().liveBuffers, before.liveBuffers);
  });

  it("a stale Ring refuses next and release; the ring now at its place keeps its slots", async () => {
    const before = stats();
    const options = { slots: 2, slotLength: 1 << 15 };
    const stale = Ring.create(library, "u8", options);
    const held = stale.next((out) => symbols.zc_ring_generate_u8(1, 64, out));
    await moveAwayAndCollect(held.view, before.liveBuffers);
    using fresh = Ring.create(library, "u8", options);
    const first = fresh.next((out) => symbols.zc_ring_generate_u8(7, 64, out));
    assertCode(() => stale.release(held), "STALE_HANDLE");
    assertCode(() => stale.next((out) => symbols.zc_ring_generate_u8(2, 64, out)), "STALE_HANDLE");
    // The fresh ring still holds its first slot: the stale release reached nothing.
    const second = fresh.next((out) => symbols.zc_ring_generate_u8(8, 64, out));
    assert(first.index !== second.index);
    assertCode(() => fresh.next((out) => symbols.zc_ring_generate_u8(9, 64, out)), "FULL");
    assertEquals([first.view[0], second.view[0]], [7, 8]);
    fresh.release(first);
    fresh.release(second);
    stale[Symbol.dispose]();
    fresh[Symbol.dispose]();
    assertEquals(stats().liveBuffers, before.liveBuffers);
  });
});
