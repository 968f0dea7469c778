// Run with --v8-flags=--expose-gc. Memory of a ZeroCopyBuffer lent by view to a
// nonblocking call and pinned for it (holdForNonblocking with its owner) must
// stay allocated until the hold ends, even when the user moves the ArrayBuffer
// into a shorter one meanwhile, which drops the old memory at once: a
// Node-API nonblocking call keeps its arguments' objects, not their memory.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { openDemo } from "../../mod.ts";
import { holdForNonblocking } from "../../src/buffer/gate_nonblocking.ts";
import { lib } from "../_helpers.ts";
import { collect, gc } from "./_collect.ts";

const demo = await openDemo({ path: lib.path, mapping: "node-api" });
const stats = () => demo.library.stats();

describe("an owner's memory held for a nonblocking call (Node-API mapping)", () => {
  it("is not freed by moving its ArrayBuffer away until the hold ends", async () => {
    assert(gc, "run this suite with --v8-flags=--expose-gc");
    const before = stats();
    const values = demo.generate("f64", 1 << 12);
    const held = holdForNonblocking([values.view], "held_owner_moved", values);
    assertEquals(held.views[0], values.view, "the owner's own view is lent, not a shadow");
    let moved: ArrayBuffer | null = values.view.buffer.transfer(8);
    for (let i = 0; i < 5; i++) gc!();
    assertEquals(stats().liveBuffers, before.liveBuffers + 1, "freed while a call held it");
    held.release("held_owner_moved", false);
    moved = null;
    await collect(() => stats().liveBuffers === before.liveBuffers);
    assertEquals(stats().liveBuffers, before.liveBuffers);
    assertEquals(stats().totalReleased, before.totalReleased + 1);
    assertEquals(moved, null);
  });
});
