// Shared by the GC suites, which run with --v8-flags=--expose-gc.

import { turn } from "../_turn.ts";

/** V8's `gc()`, present only under --expose-gc. */
export const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Collects garbage and yields to the event loop, where FinalizationRegistry
 * callbacks run, until `until()` holds or `rounds` rounds have passed. Every
 * eighth round also waits 5 ms: Node-API finalizers may run on a V8
 * background thread, which a bare turn of the loop does not wait for.
 */
export async function collect(until: () => boolean, rounds = 50): Promise<void> {
  for (let i = 0; i < rounds && !until(); i++) {
    gc?.();
    await turn();
    if (i % 8 === 7) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
