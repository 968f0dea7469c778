// Shared by the property tests: how a sequence of random operations is run
// against a model, and how Zig's live counts are checked against it.

import { assertEquals } from "@std/assert";
import fc from "fast-check";
import type { LibraryStats } from "../../mod.ts";
import { collect, gc } from "../gc/_collect.ts";

/** What was dropped undisposed: the safety net may or may not have freed it yet. */
export interface Drops {
  dropped: number;
  droppedBytes: number;
}

/** The number of sequences to run: ZEROCOPY_PROPERTY_RUNS, 300 when unset. */
export const RUNS: number = Number(Deno.env.get("ZEROCOPY_PROPERTY_RUNS") ?? 300);

/**
 * Throws unless Zig counts at least the model's live buffers and bytes, and at
 * most those plus the dropped ones.
 */
export function checkLiveCounts(
  stats: LibraryStats,
  base: Pick<LibraryStats, "liveBuffers" | "liveBytes">,
  live: { buffers: number; bytes: number },
  drops: Drops,
): void {
  const buffers = stats.liveBuffers - base.liveBuffers - live.buffers;
  const bytes = stats.liveBytes - base.liveBytes - live.bytes;
  if (buffers < 0 || buffers > drops.dropped || bytes < 0 || bytes > drops.droppedBytes) {
    throw new Error(
      `Zig counts ${buffers} buffers / ${bytes} bytes beyond the model's live ones; ${drops.dropped} / ${drops.droppedBytes} were dropped`,
    );
  }
}

/**
 * Runs RUNS random sequences of `ops`, each against a new model, checking after
 * every step; afterwards (with --expose-gc) the safety net must have freed
 * every drop. Counted from a collected heap and across runs: under the Node-API
 * mapping garbage collection frees, at any allocation, what was dropped before.
 * Returns the number of steps checked.
 */
export async function runSequences<M extends Drops, Op>(options: {
  library: { stats(): LibraryStats };
  ops: fc.Arbitrary<Op>;
  newModel: () => M;
  apply: (model: M, step: Op) => void;
  check: (model: M, base: LibraryStats) => void;
  /** Disposes what the model still holds, after each sequence. */
  cleanup: (model: M) => void;
}): Promise<number> {
  return await runSequencesAsync({
    ...options,
    apply: (model, step) => Promise.resolve(options.apply(model, step)),
    leftLive: () => ({ buffers: 0, bytes: 0 }),
    runs: RUNS,
  });
}

/**
 * `runSequences` for steps that await (a worker, a message): the same checks,
 * through `fc.asyncProperty`. `leftLive` names what stays counted live on
 * purpose once everything is let go (memory the pointer-view mapping left
 * allocated); `beforeFinalCount` lets go of what holds memory across runs.
 */
export async function runSequencesAsync<M extends Drops, Op>(options: {
  library: { stats(): LibraryStats };
  ops: fc.Arbitrary<Op>;
  newModel: () => M;
  apply: (model: M, step: Op) => Promise<void>;
  check: (model: M, base: LibraryStats) => void;
  cleanup: (model: M) => void;
  leftLive: () => { buffers: number; bytes: number };
  beforeFinalCount?: () => void;
  /** Sequences to run. */
  runs: number;
}): Promise<number> {
  const { library } = options;
  await collect(() => false, 3);
  const start = library.stats();
  let steps = 0;
  const drops: Drops = { dropped: 0, droppedBytes: 0 };
  await fc.assert(
    fc.asyncProperty(fc.array(options.ops, { maxLength: 40, size: "max" }), async (sequence) => {
      const model = options.newModel();
      model.dropped = drops.dropped;
      model.droppedBytes = drops.droppedBytes;
      try {
        for (const step of sequence) {
          await options.apply(model, step);
          options.check(model, start);
          steps++;
        }
      } finally {
        options.cleanup(model);
        drops.dropped = model.dropped;
        drops.droppedBytes = model.droppedBytes;
      }
    }),
    { numRuns: options.runs },
  );
  options.beforeFinalCount?.();
  if (gc) {
    const left = options.leftLive();
    const expected = {
      liveBuffers: start.liveBuffers + left.buffers,
      liveBytes: start.liveBytes + left.bytes,
    };
    const counted = () => {
      const { liveBuffers, liveBytes } = library.stats();
      return { liveBuffers, liveBytes };
    };
    await collect(() => counted().liveBuffers === expected.liveBuffers, 50);
    assertEquals(counted(), expected);
  }
  return steps;
}
