// A worker terminated while its nonblocking call runs on another thread: the
// call reads only memory that stays allocated until it returns, and then
// what the worker held for it and what it handed over are released, once.
// Under the pointer-view mapping every buffer of a terminated worker stays
// allocated (nothing frees memory an isolate dropped); the call must still
// read only live memory.

import { assertEquals, assertGreater } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { hooks, lib } from "./_helpers.ts";
import type { TerminatedCall } from "./_terminated_worker.ts";
import { keptTable } from "./_kept_table.ts";
import { lendBatch } from "../arrow.ts";

const CALLS: readonly TerminatedCall[] = ["histogram", "sum", "arrow batch", "arrow copy"];

/** Starts `call` in a new worker and terminates the worker while the call runs. */
async function terminateDuring(call: TerminatedCall): Promise<void> {
  const worker = new Worker(new URL("./_terminated_worker.ts", import.meta.url), { type: "module" });
  const started = new Promise((resolve, reject) => {
    worker.onmessage = resolve;
    worker.onerror = reject;
  });
  worker.postMessage(call);
  await started;
  await new Promise((resolve) => setTimeout(resolve, 50));
  worker.terminate();
}

/** Live buffers once they drop to `target`, or after `ms` milliseconds (stats() frees what waits). */
async function liveBuffersSettling(target: number, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let live = lib.stats().liveBuffers;
  while (live > target && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    live = lib.stats().liveBuffers;
  }
  return live;
}

describe("a worker terminated during a nonblocking call", () => {
  for (const call of CALLS) {
    it(
      `(${call}) leaves nothing allocated once the call returned`,
      { ignore: lib.mapping !== "node-api" },
      async () => {
        const before = lib.stats().liveBuffers;
        await terminateDuring(call);
        assertEquals(await liveBuffersSettling(before, 10_000), before);
      },
    );
  }

  it(
    "keeps the batch a stream lent to a consumer that still holds its array, until the consumer lets go",
    async () => {
      // What the kept array reads while the worker that lent it lives: its checksum then.
      const expected = new BigUint64Array(1);
      const batch = keptTable().batches[0];
      assertEquals(lendBatch(lib, batch, (s, a) => lib.symbols.zc_arrow_checksum(s, a, expected)), 0);
      await terminateDuring("kept stream");
      // The worker and its finalizers are gone; the consumer still reads the batch (a read of freed
      // memory faults in the checked library) and lets it go.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const now = new BigUint64Array(1);
      assertEquals(hooks.symbols.zc_arrow_demo_checksum_kept(now), 0);
      assertEquals(now[0], expected[0]);
      hooks.symbols.zc_arrow_demo_release_kept();
    },
  );

  it(
    "under the pointer-view mapping leaves what the worker held allocated, and the process runs on",
    { ignore: lib.mapping !== "pointer-view" },
    async () => {
      const before = lib.stats().liveBuffers;
      for (const call of CALLS) await terminateDuring(call);
      // Past every call's end: they read live memory, or the process would be gone.
      await new Promise((resolve) => setTimeout(resolve, 600));
      assertGreater(lib.stats().liveBuffers, before);
    },
  );
});
