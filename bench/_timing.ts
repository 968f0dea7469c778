/**
 * Timing loops shared by the Deno report and the Bun script, so both runtimes
 * are measured the same way: no runtime API beyond `performance.now()`.
 *
 * @module
 */

/** The sizes every approach is measured at, as a label and a byte count. */
export interface Size {
  /** How the report names the size. */
  readonly label: string;
  /** Bytes; a multiple of 1024 so the bench library can take it in KiB. */
  readonly bytes: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/**
 * A smoke run (`report.ts --smoke`, `bench/run.sh --smoke`): every case on the
 * two smallest sizes with short budgets, to see that the bench runs, not to
 * measure; nothing is written.
 */
// Read through globalThis: Bun runs this module too (bench/bun/handover.ts), where there is no `Deno`.
export const SMOKE: boolean = (globalThis as { Deno?: { args: string[] } }).Deno?.args.includes("--smoke") ??
  false;

const ALL_SIZES: readonly Size[] = [
  { label: "8 KB", bytes: 8 * KiB },
  { label: "1 MB", bytes: MiB },
  { label: "10 MB", bytes: 10 * MiB },
  { label: "100 MB", bytes: 100 * MiB },
  { label: "1 GB", bytes: GiB },
  { label: "4 GB", bytes: 4 * GiB },
];

/** 8 KB to 1 GiB, then 4 GiB where memory allows; "MB" and "GB" are binary here. */
export const SIZES: readonly Size[] = SMOKE ? ALL_SIZES.slice(0, 2) : ALL_SIZES;

/** One measured case at one size: the median cost of one iteration. */
export interface Measurement {
  /** Median nanoseconds per iteration over the samples. */
  readonly medianNs: number;
  /** Fastest sample, nanoseconds per iteration. */
  readonly minNs: number;
  /** Samples taken; each times `batch` iterations. */
  readonly samples: number;
  /** Iterations per sample: fast cases run in batches so the clock's resolution does not matter. */
  readonly batch: number;
}

/** How long to measure one case at one size. */
export interface Budget {
  /** Stop taking samples after this many milliseconds (at least `minSamples` are taken). */
  readonly ms: number;
  /** Samples to take even when the budget is spent. */
  readonly minSamples: number;
  /** Stop after this many samples. */
  readonly maxSamples: number;
}

/** The default budget: enough samples for a stable median, about half a second per case. */
export const DEFAULT_BUDGET: Budget = SMOKE
  ? { ms: 20, minSamples: 2, maxSamples: 3 }
  : { ms: 500, minSamples: 5, maxSamples: 51 };

// A batch lasts this long: far above performance.now()'s resolution, and long
// enough to take in several minor GCs, so a median batch carries its share of
// the garbage collection the case causes instead of dodging it.
const MIN_BATCH_MS = 10;
// Runs before calibrating, so that batch sizes are not picked from unoptimized code.
const WARM_UP_MS = 50;

/**
 * Runs `iteration` in timed batches and returns the median cost of one call.
 * Warms it up first, so the JIT has compiled it before the clock starts.
 * Between batches it yields to the event loop, as a real program does, so
 * that FinalizationRegistry callbacks and other deferred work can run.
 */
export async function measure(iteration: () => void, budget: Budget = DEFAULT_BUDGET): Promise<Measurement> {
  const batch = calibrate(iteration);
  const perIteration: number[] = [];
  const deadline = performance.now() + budget.ms;
  while (
    perIteration.length < budget.maxSamples &&
    (perIteration.length < budget.minSamples || performance.now() < deadline)
  ) {
    await yieldToEventLoop();
    const start = performance.now();
    for (let i = 0; i < batch; i++) iteration();
    perIteration.push(((performance.now() - start) * 1e6) / batch);
  }
  perIteration.sort((a, b) => a - b);
  return {
    medianNs: median(perIteration),
    minNs: perIteration[0],
    samples: perIteration.length,
    batch,
  };
}

/** Warms `iteration` up and finds how many calls make a batch last `MIN_BATCH_MS`. */
function calibrate(iteration: () => void): number {
  const warm = performance.now() + WARM_UP_MS;
  do iteration(); while (performance.now() < warm);
  let batch = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) iteration();
    const elapsed = performance.now() - start;
    if (elapsed >= MIN_BATCH_MS) break;
    batch *= elapsed < MIN_BATCH_MS / 16 ? 8 : 2;
  }
  // One more round at the final batch size warms up the optimized code.
  if (batch > 1) { for (let i = 0; i < batch; i++) iteration(); }
  return batch;
}

/** The median of numbers sorted in ascending order. */
export function median(sorted: readonly number[]): number {
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Lets timers, finalizers and other queued tasks run. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
