// Run with --v8-flags=--expose-gc: buffers never disposed are freed by the
// FinalizationRegistry once, and only once, nothing can reach their memory.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { openDemo } from "../../mod.ts";
import { demo, lib, UNSCOPED_FFI } from "../_helpers.ts";
import { collect, gc } from "./_collect.ts";

describe("the FinalizationRegistry safety net", () => {
  it("needs --expose-gc to be tested", () => {
    assert(gc, "run this suite with --v8-flags=--expose-gc");
  });

  it("frees a buffer dropped without dispose after garbage collection", async () => {
    const before = lib.stats();
    (() => {
      for (let i = 0; i < 100; i++) demo.generate("f64", 1000);
    })();
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 100);
    await collect(() => lib.stats().liveBuffers === before.liveBuffers);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
    assertEquals(lib.stats().liveBytes, before.liveBytes);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 100);
  });

  it("keeps the memory while a user-made view still reaches it, then frees it", async () => {
    const before = lib.stats();
    let kept: Uint8Array | null = (() => new Uint8Array(demo.generate("u8", 256).view.buffer, 200, 56))();
    await collect(() => false, 10);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
    assertEquals(kept[55], 255);
    kept = null;
    await collect(() => lib.stats().liveBuffers === before.liveBuffers);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
  });

  it("does not free again a buffer that was disposed", async () => {
    const before = lib.stats();
    (() => {
      for (let i = 0; i < 50; i++) demo.generate("i32", 100)[Symbol.dispose]();
    })();
    await collect(() => false, 10);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 50);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  });
});

describe("the safety net in a worker", () => {
  it("frees a buffer the worker received and dropped, exactly once", async () => {
    const before = lib.stats();
    const worker = new Worker(new URL("./_dropping_worker.ts", import.meta.url), { type: "module" });
    try {
      const reply = new Promise<{ freed: boolean }>((resolve) =>
        worker.onmessage = (event) => resolve(event.data)
      );
      const transferred = demo.generate("f64", 1000).transfer();
      worker.postMessage(transferred, transferred.transferList);
      assertEquals(await reply, { freed: true });
    } finally {
      worker.terminate();
    }
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
  });
});

describe("a pin never disposed", () => {
  for (const mapping of ["node-api", "pointer-view"] as const) {
    const name =
      `lets the safety net free its buffer, disposed during the call, once both are garbage (${mapping})`;
    it(name, { ignore: mapping === "pointer-view" && !UNSCOPED_FFI }, async () => {
      const { generate, library } = await openDemo({ path: lib.path, mapping });
      const before = library.stats();
      (() => {
        const buffer = generate("f64", 1000);
        buffer.pin(); // never disposed
        buffer[Symbol.dispose]();
        assertEquals(buffer.state, "draining");
      })();
      assertEquals(library.stats().liveBuffers, before.liveBuffers + 1);
      await collect(() => library.stats().liveBuffers === before.liveBuffers);
      assertEquals(library.stats().liveBuffers, before.liveBuffers);
      assertEquals(library.stats().totalReleased, before.totalReleased + 1);
    });
  }
});
