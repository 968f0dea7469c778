// Buffers of 64 KB dropped without dispose by a task that keeps yielding, as a
// long-running service that forgets to dispose would: without any forced
// collection, the memory Zig counts live must stay bounded under each mapping,
// freed at the garbage collector's own pace. bench/drops.ts runs the same with
// 100,000 buffers and reports the resident memory.

import { assert } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { type MappingKind, openDemo } from "../../mod.ts";
import { lib, UNSCOPED_FFI } from "../_helpers.ts";
import { collect } from "./_collect.ts";
import { turn } from "../_turn.ts";

const MAPPINGS: readonly MappingKind[] = UNSCOPED_FFI ? ["node-api", "pointer-view"] : ["node-api"];
const DROPPED = 4_000;
const BYTES = 64 * 1024;
// 256 MB are dropped in all: a bound well under that proves they are freed as the task runs (the
// collector paces itself, so the peak moves with the machine's load: 75 MB seen beside other suites).
const BOUND = 160 * 1024 * 1024;

describe("64 KB buffers dropped undisposed with a turn of the event loop between", () => {
  for (const mapping of MAPPINGS) {
    it(`keep the live memory under ${BOUND >> 20} MB under ${mapping}`, async () => {
      const { library } = await openDemo({ path: lib.path, mapping });
      const base = library.stats();
      let peak = 0;
      for (let i = 0; i < DROPPED; i++) {
        library.allocate("u8", BYTES).view[i % BYTES] = 1;
        await turn();
        // A service idles now and then: without a moment's pause, V8's concurrent marking on a loaded
        // machine may not finish within the loop at all (244 MB seen live), whatever the mapping frees.
        if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 1));
        if (i % 100 === 0) peak = Math.max(peak, library.stats().liveBytes - base.liveBytes);
      }
      assert(peak <= BOUND, `${(peak / 2 ** 20).toFixed(0)} MB were live at once`);
      await collect(() => library.stats().liveBuffers === base.liveBuffers);
    });
  }
});
