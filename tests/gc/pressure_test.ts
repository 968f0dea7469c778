// Run with --v8-flags=--expose-gc: the safety net under load. A hundred
// thousand buffers are dropped without dispose, some with a view kept alive;
// Zig's counters prove each is freed exactly once and never under a view.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { ELEMENT_TYPES } from "../../mod.ts";
import { demo, lib } from "../_helpers.ts";
import { collect, gc } from "./_collect.ts";
import { turn } from "../_turn.ts";

const DROPPED = 100_000;
const KEEP_EVERY = 100;

/** The bytes written into the kept buffer `i`, distinct from the demo pattern. */
function marker(i: number, byte: number): number {
  return (i * 31 + byte * 7 + 1) & 0xff;
}

describe("the safety net under pressure", () => {
  it("needs --expose-gc to be tested", () => {
    assert(gc, "run this suite with --v8-flags=--expose-gc");
  });

  it("frees 100,000 dropped buffers exactly once and none that a kept view still reaches", async () => {
    const before = lib.stats();
    // Made in a closure, so that nothing but `kept` reaches the buffers afterwards.
    const kept = (() => {
      const views: Uint8Array[] = [];
      for (let i = 0; i < DROPPED; i++) {
        const buffer = demo.generate(ELEMENT_TYPES[i % ELEMENT_TYPES.length], 16 + (i % 241));
        if (i % KEEP_EVERY !== 0) continue;
        const view = new Uint8Array(buffer.view.buffer); // a view the user made, not the wrapper's
        for (let b = 0; b < view.length; b++) view[b] = marker(i, b);
        views.push(view);
      }
      return views;
    })();
    const keptCount = DROPPED / KEEP_EVERY;
    await collect(() => lib.stats().liveBuffers === before.liveBuffers + keptCount, 100);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + keptCount);
    assertEquals(lib.stats().totalReleased, before.totalReleased + DROPPED - keptCount);

    // Churn the allocator: memory freed under a kept view would now be reused and overwritten.
    for (let i = 0; i < 20_000; i++) demo.generate("u8", 16 + (i % 241))[Symbol.dispose]();
    kept.forEach((view, k) => {
      const i = k * KEEP_EVERY;
      for (let b = 0; b < view.length; b++) {
        if (view[b] !== marker(i, b)) throw new Error(`kept buffer ${i} changed at byte ${b}`);
      }
    });

    kept.length = 0;
    await collect(() => lib.stats().liveBuffers === before.liveBuffers, 100);
    const after = lib.stats();
    assertEquals(after.liveBuffers, before.liveBuffers);
    assertEquals(after.liveBytes, before.liveBytes);
    assertEquals(after.totalReleased - before.totalReleased, after.totalHandedOver - before.totalHandedOver);
    assertEquals(after.totalReleased, before.totalReleased + DROPPED + 20_000);
  });

  it("frees once when disposes and finalizers interleave", async () => {
    const before = lib.stats();
    const count = 20_000;
    // In its own function: an async frame keeps the variables it awaits with,
    // so the last buffer dropped here must not outlive the call.
    const churn = async () => {
      for (let i = 0; i < count; i++) {
        const buffer = demo.generate("f64", 8 + (i % 57));
        const view = buffer.view;
        // Half are disposed while finalizers of earlier drops are pending, half dropped.
        if (i % 2 === 0) buffer[Symbol.dispose]();
        if (view.length !== 0 && i % 2 === 0) throw new Error("a disposed buffer's view kept its length");
        if (i % 1000 === 999) {
          gc!();
          await turn();
        }
      }
    };
    await churn();
    await collect(() => lib.stats().liveBuffers === before.liveBuffers, 100);
    const after = lib.stats();
    assertEquals(after.liveBuffers, before.liveBuffers);
    assertEquals(after.totalReleased, before.totalReleased + count);
  });

  it("does not free again a buffer disposed after its wrapper's views were collected", async () => {
    const before = lib.stats();
    const buffers = Array.from({ length: 5000 }, (_, i) => demo.generate("i32", 4 + (i % 29)));
    // Views made and dropped: collecting them must not trigger the safety net while the wrapper lives.
    for (const buffer of buffers) new Int32Array(buffer.view.buffer, 0, 1);
    await collect(() => false, 5);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + buffers.length);
    for (const buffer of buffers) buffer[Symbol.dispose]();
    buffers.length = 0;
    await collect(() => false, 5);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 5000);
  });
});
