// Run with --v8-flags=--expose-gc. Under the Node-API mapping the release
// travels with the memory: an ArrayBuffer the user moves away with standard
// JavaScript (transfer(), structuredClone, postMessage) keeps the memory alive
// wherever it lands, however often garbage is collected, and the memory is
// freed exactly once, when the last ArrayBuffer holding it dies.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { openDemo, type TransferredBuffer } from "../../mod.ts";
import { lib } from "../_helpers.ts";
import { collect, gc } from "./_collect.ts";
import { assertIntactAfterGc, MOVED_LENGTH, movedOut } from "./_moved.ts";

// Explicitly the Node-API mapping, whatever ZEROCOPY_MAPPING says: these are
// the transfers the pointer-view mapping cannot make safe.
const demo = await openDemo({ path: lib.path, mapping: "node-api" });
const stats = () => demo.library.stats();
const LENGTH = MOVED_LENGTH;
const HELD = "the moved memory changed while it was held";

describe("memory moved away under the Node-API mapping", () => {
  it("is the mapping the library reports", () => {
    assert(gc, "run this suite with --v8-flags=--expose-gc");
    assertEquals(demo.library.mapping, "node-api");
  });

  it("survives ArrayBuffer.prototype.transfer() and is freed once after", async () => {
    const before = stats();
    let moved: Float64Array | null = movedOut(demo, (view) => new Float64Array(view.buffer.transfer()));
    await assertIntactAfterGc(moved, HELD);
    assertEquals(stats().liveBuffers, before.liveBuffers + 1);
    moved = null;
    await collect(() => stats().liveBuffers === before.liveBuffers);
    assertEquals(stats().liveBuffers, before.liveBuffers);
    assertEquals(stats().totalReleased, before.totalReleased + 1);
  });

  it("survives structuredClone with a transfer list and is freed once after", async () => {
    const before = stats();
    let moved: Float64Array | null = movedOut(
      demo,
      (view) => structuredClone(view, { transfer: [view.buffer] }),
    );
    await assertIntactAfterGc(moved, HELD);
    assertEquals(stats().liveBuffers, before.liveBuffers + 1);
    moved = null;
    await collect(() => stats().liveBuffers === before.liveBuffers);
    assertEquals(stats().totalReleased, before.totalReleased + 1);
  });

  it("frees at once a moved ArrayBuffer the user detaches", () => {
    const before = stats();
    const moved = movedOut(demo, (view) => new Float64Array(view.buffer.transfer()));
    moved.buffer.transfer(0);
    assertEquals(stats().liveBuffers, before.liveBuffers);
    assertEquals(stats().totalReleased, before.totalReleased + 1);
  });

  for (const end of ["drops it", "is terminated"] as const) {
    it(`reaches a Worker that imports nothing of zerocopy, keeps it through GCs, then ${end}: freed once`, async () => {
      const before = stats();
      const worker = new Worker(new URL("./_holding_worker.ts", import.meta.url), { type: "module" });
      try {
        const reply = () =>
          new Promise<Record<string, unknown>>((resolve) =>
            worker.onmessage = (event) => resolve(event.data)
          );
        let received = reply();
        (() => {
          const view = demo.generate("f64", LENGTH).view;
          worker.postMessage(view, [view.buffer]);
        })();
        assertEquals(await received, { received: LENGTH });
        for (let i = 0; i < 5; i++) gc!();
        received = reply();
        worker.postMessage("check");
        assertEquals(await received, { intact: true });
        assertEquals(stats().liveBuffers, before.liveBuffers + 1);
        if (end === "drops it") {
          received = reply();
          worker.postMessage("drop");
          assertEquals(await received, { dropped: true });
        }
      } finally {
        worker.terminate();
      }
      // The worker's thread never called into zerocopy, so its finalizer left
      // the release for this thread, which stats() drains.
      await collect(() => stats().liveBuffers === before.liveBuffers);
      assertEquals(stats().liveBuffers, before.liveBuffers);
      assertEquals(stats().totalReleased, before.totalReleased + 1);
    });
  }

  it("frees the memory of a transfer() message that is never received", async () => {
    const before = stats();
    (() => {
      const transferred: TransferredBuffer = demo.generate("f64", LENGTH).transfer();
      assert(transferred.memory instanceof ArrayBuffer, "the message carries the memory");
    })(); // the message is garbage from here, never received
    assertEquals(stats().liveBuffers, before.liveBuffers + 1);
    await collect(() => stats().liveBuffers === before.liveBuffers);
    assertEquals(stats().liveBuffers, before.liveBuffers);
    assertEquals(stats().totalReleased, before.totalReleased + 1);
  });

  it("frees the dropped buffers of a synchronous loop as it runs, not when it yields", () => {
    const before = stats();
    const bytes = 64 * 1024;
    let peak = 0;
    for (let i = 0; i < 32_000; i++) {
      demo.library.allocate("u8", bytes).view[0] = 1;
      if (i % 1000 === 999) peak = Math.max(peak, stats().liveBytes - before.liveBytes);
    }
    // 32,000 × 64 KB is 2 GB; V8 counts external memory and collects as it grows.
    assert(peak < 1024 * 1024 * 1024, `${peak} bytes were live at once`);
  });
});
