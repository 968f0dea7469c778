// Run with --v8-flags=--expose-gc. A buffer a nonblocking wrapper pins, whose
// ArrayBuffer the user moves away during the call under the Node-API mapping:
// the call's result is right, garbage collected during the call frees nothing
// the moved view holds, and the memory is freed exactly once, when the moved
// ArrayBuffer dies.

import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { openDemo } from "../../mod.ts";
import { lib } from "../_helpers.ts";
import { collect, gc } from "./_collect.ts";

const demo = await openDemo({ path: lib.path, mapping: "node-api" });
const stats = () => demo.library.stats();

describe("a buffer moved during a nonblocking call (Node-API mapping)", () => {
  it("keeps its memory for the call and frees it once after the moved view dies", async () => {
    assert(gc, "run this suite with --v8-flags=--expose-gc");
    const before = stats();
    const values = demo.generate("f64", 1 << 17);
    const sum = demo.bindings.zc_sum_f64_after(values, 100);
    let moved: Float64Array | null = new Float64Array(values.view.buffer.transfer());
    for (let i = 0; i < 5; i++) gc!();
    assertAlmostEquals(await sum, ((1 << 17) * ((1 << 17) - 1)) / 4);
    assertEquals(moved[(1 << 17) - 1], ((1 << 17) - 1) / 2);
    // The buffer knows its memory moved: the moved ArrayBuffer frees it when it dies.
    values[Symbol.dispose]();
    assertEquals(values.state, "moved");
    assertEquals(stats().liveBuffers, before.liveBuffers + 1, "freed while the moved view holds it");
    moved = null;
    await collect(() => stats().liveBuffers === before.liveBuffers);
    assertEquals(stats().liveBuffers, before.liveBuffers);
    assertEquals(stats().totalReleased, before.totalReleased + 1);
  });
});
