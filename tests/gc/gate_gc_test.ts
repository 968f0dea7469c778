// Run with --v8-flags=--expose-gc. The gate once garbage is collected: a
// frame moved to a worker that is then terminated has its memory freed (under
// the Node-API mapping), and any later native call through the frame must be
// refused with a ZeroCopyError rather than read what was freed. And memory
// dropped undisposed under the pointer-view mapping stays bounded while a
// task keeps yielding.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { type MappingKind, openDemo, ZeroCopyError } from "../../mod.ts";
import { lib, UNSCOPED_FFI } from "../_helpers.ts";
import { collect, gc } from "./_collect.ts";

const MAPPINGS: readonly MappingKind[] = UNSCOPED_FFI ? ["node-api", "pointer-view"] : ["node-api"];

for (const mapping of MAPPINGS) {
  const opened = openDemo({ path: lib.path, mapping });

  describe(`the README's worker example, the worker then terminated (${mapping})`, () => {
    for (const megabytes of [8, 64]) {
      it(`refuses demo.checksum on a ${megabytes} MB frame after gc(): MOVED, not a crash`, async () => {
        assert(gc, "run this suite with --v8-flags=--expose-gc");
        const demo = await opened;
        const before = demo.library.stats();
        const frame = demo.generate("f64", (megabytes << 20) / 8);
        const worker = new Worker(new URL("./_holding_worker.ts", import.meta.url), { type: "module" });
        const received = new Promise((resolve) => worker.onmessage = resolve);
        worker.postMessage(frame.view, [frame.view.buffer]);
        await received;
        worker.terminate();
        if (mapping === "node-api") {
          // The worker's heap is gone: the memory is freed, by its finalizer.
          await collect(() => demo.library.stats().liveBuffers === before.liveBuffers);
          assertEquals(demo.library.stats().liveBuffers, before.liveBuffers);
        } else {
          for (let i = 0; i < 3; i++) gc!();
        }
        let error: unknown;
        try {
          demo.checksum(frame);
        } catch (thrown) {
          error = thrown;
        }
        assert(error instanceof ZeroCopyError, `expected a ZeroCopyError, got ${error}`);
        assertEquals(error.code, "MOVED");
        assertEquals(frame.state, "moved");
        frame[Symbol.dispose](); // moved and seen: nothing left to do
        const after = demo.library.stats();
        if (mapping === "node-api") assertEquals(after.liveBuffers, before.liveBuffers);
        else assertEquals(after.abandonedBuffers, before.abandonedBuffers + 1);
      });
    }
  });
}
