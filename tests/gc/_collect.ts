// Shared by the GC suites, which run with --v8-flags=--expose-gc.

/** V8's `gc()`, present only under --expose-gc. */
export const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Collects garbage and yields to the event loop, where FinalizationRegistry
 * callbacks run, until `until()` holds or `rounds` rounds have passed.
 */
export async function collect(until: () => boolean, rounds = 50): Promise<void> {
  for (let i = 0; i < rounds && !until(); i++) {
    gc!();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
