/**
 * Measuring: every case at every size in interleaved rounds, the pointer-view
 * handover in a process of its own, then the Bun script on the same library.
 *
 * @module
 */

import { BENCH_LIBRARY_PATH, type BenchLibrary, openBenchLibrary, poolOf } from "./_bench_library.ts";
import { type Case, CASES, drain, type Prepared, prepareStream, STREAMS } from "./_cases.ts";
import { costVsSizeSvg, type Series } from "./_chart.ts";
import { describeMachine, loadAverage, type Machine } from "./_machine.ts";
import { medianOf, type Report, type Results, STREAM, targets, withSectionRatios } from "./_ratios.ts";
import { formatNs, formatRate } from "./_tables.ts";
import { type Budget, DEFAULT_BUDGET, measure, type Measurement, median, SIZES, SMOKE } from "./_timing.ts";
import type { BunResults } from "./bun/handover.ts";

/** Where a run writes results.json and the chart. */
export const RESULTS_DIR: URL = new URL("./results/", import.meta.url);
const BUN = new URL(".cache/node_modules/.bin/bun", import.meta.url).pathname;
const BUN_SCRIPT = new URL("./bun/handover.ts", import.meta.url).pathname;

// Each size runs its cases in rounds, interleaved, so that a slow spell of the
// machine (GC, another process) lands on every case alike; a case's figure is
// the median of its round medians. Fast cases take more samples per round:
// their medians move with GC timing.
const ROUNDS = 3;
const FAST_BUDGET: Budget = SMOKE ? DEFAULT_BUDGET : { ms: 400, minSamples: 5, maxSamples: 41 };
const SLOW_BUDGET: Budget = SMOKE ? DEFAULT_BUDGET : { ms: 700, minSamples: 1, maxSamples: 35 };

// A program uses one mapping, and V8 optimizes the code both mappings share
// for the one it meets. Measured in one process, the Node-API handover slowed
// by about a fifth once the pointer-view one had run: so that one runs in a
// process of its own, after this one's pools are freed.
const OWN_PROCESS: readonly string[] = ["ours_pointer_view"];

async function runDenoCases(lib: BenchLibrary, chosen: readonly Case[]): Promise<Results> {
  const results: Results = Object.fromEntries(chosen.map((c) => [c.key, {}]));
  for (const size of SIZES) {
    const cases = chosen.filter((c) => c.sizes.includes(size));
    const prepared = new Map<Case, Prepared>();
    try {
      for (const benchCase of cases) {
        const ready = benchCase.prepare(lib, size);
        if (ready === undefined) {
          progress(`${benchCase.key} ${size.label}: skipped, not enough memory`);
          results[benchCase.key][size.label] = null;
        } else {
          prepared.set(benchCase, ready);
        }
      }
      const rounds = new Map<Case, Measurement[]>([...prepared.keys()].map((c) => [c, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const [benchCase, ready] of prepared) {
          collectGarbage();
          rounds.get(benchCase)!.push(await measure(() => ready.run(), budgetOf(benchCase)));
        }
      }
      for (const [benchCase, measurements] of rounds) {
        const combined = perBuffer(combineRounds(measurements), benchCase.perRun ?? 1);
        results[benchCase.key][size.label] = combined;
        progress(`${benchCase.key} ${size.label}: ${formatNs(combined.medianNs)}`);
      }
    } finally {
      for (const ready of prepared.values()) ready[Symbol.dispose]();
    }
  }
  return results;
}

/** Each ring stream in rounds like the sizes: handovers through a ring, one slot held at a time. */
async function runStreams(lib: BenchLibrary, results: Results): Promise<void> {
  const prepared = STREAMS.map((stream) => ({ stream, ready: prepareStream(lib, stream) }));
  try {
    const rounds = prepared.map((): Measurement[] => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, { ready }] of prepared.entries()) {
        collectGarbage();
        rounds[i].push(await measure(() => ready.run(), FAST_BUDGET));
      }
    }
    for (const [i, { stream }] of prepared.entries()) {
      const combined = combineRounds(rounds[i]);
      results[stream.key] = { [STREAM]: combined };
      progress(`${stream.key}: ${formatRate(1e9 / combined.medianNs)} handovers/s`);
    }
  } finally {
    for (const { ready } of prepared) ready[Symbol.dispose]();
  }
}

/** A measurement of `count` buffers per run, as the cost of one buffer. */
function perBuffer(measurement: Measurement, count: number): Measurement {
  if (count === 1) return measurement;
  return { ...measurement, medianNs: measurement.medianNs / count, minNs: measurement.minNs / count };
}

/**
 * Starts each measurement from a collected heap, so that no case pays for the
 * garbage the previous one left (a copy's 100 MB buffers, say). Needs
 * --expose-gc, which bench/run.sh passes.
 */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function budgetOf(benchCase: Case): Budget {
  const fast = benchCase.group === "handover" && benchCase.key !== "copy" || benchCase.key === "ours_using";
  return fast ? FAST_BUDGET : SLOW_BUDGET;
}

/** The median of the round medians; the fastest sample of all; every sample counted. */
function combineRounds(measurements: readonly Measurement[]): Measurement {
  return {
    medianNs: median(measurements.map((m) => m.medianNs).sort((a, b) => a - b)),
    minNs: Math.min(...measurements.map((m) => m.minNs)),
    samples: measurements.reduce((sum, m) => sum + m.samples, 0),
    batch: Math.max(...measurements.map((m) => m.batch)),
  };
}

/** Runs the `OWN_PROCESS` cases in a Deno process of their own (`report.ts --only <keys>`). */
async function runInOwnProcess(): Promise<Results> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--v8-flags=--expose-gc",
      "--allow-ffi",
      "--allow-read",
      new URL("./report.ts", import.meta.url).pathname,
      "--only",
      ...OWN_PROCESS,
      ...(SMOKE ? ["--smoke"] : []),
    ],
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`The cases ${OWN_PROCESS.join(", ")} failed in their own process`);
  return JSON.parse(new TextDecoder().decode(output.stdout)) as Results;
}

/** Runs the Bun script on the same library after Deno's pools are freed. */
async function runBun(): Promise<BunResults | null> {
  try {
    const output = await new Deno.Command(BUN, {
      args: [BUN_SCRIPT, BENCH_LIBRARY_PATH, ...SIZES.map((s) => s.label)],
      env: { ZEROCOPY_STREAMS: JSON.stringify(STREAMS) },
      stderr: "inherit",
    }).output();
    if (!output.success) return null;
    return JSON.parse(new TextDecoder().decode(output.stdout)) as BunResults;
  } catch (error) {
    progress(`bun: ${(error as Error).message}; run "deno task bench" to install it into bench/.cache`);
    return null;
  }
}

function chart(results: Results, machine: Machine): string {
  const line = (key: string, name: string, color: string, dashed = false): Series => ({
    name,
    color,
    dashed,
    points: SIZES.flatMap((size) => {
      const ns = medianOf(results, key, size.label);
      return ns === null ? [] : [{ bytes: size.bytes, ns }];
    }),
  });
  const title =
    `Cost per operation vs size: ${machine.cpu}, ${machine.cores} cores, Deno ${Deno.version.deno}`;
  return costVsSizeSvg(title, SIZES, [
    line("ours", "zerocopy handover", "#d62728"),
    line("pooled", "pooled (bench-only region) handover", "#ff7f0e"),
    line("region", "Region.adopt", "#17becf"),
    line("raw", "raw Deno map (no safety)", "#ff9896", true),
    line("floor", "empty FFI call", "#7f7f7f", true),
    line("bun_to_array_buffer", "Bun toArrayBuffer", "#9467bd"),
    line("copy", "copy into JS", "#1f77b4"),
    line("fill_and_hand_over", "Zig fill + handover", "#2ca02c"),
    line("json", "Zig JSON → JSON.parse", "#8c564b"),
    line("element_reads", "getFloat64 per element", "#e377c2"),
  ]);
}

function progress(message: string): void {
  console.error(`  ${message}`);
}

/** `report.ts --only <keys>`: runs those cases alone and prints their results as JSON. */
export async function only(keys: readonly string[]): Promise<void> {
  const lib = await openBenchLibrary();
  const results = await runDenoCases(lib, CASES.filter((c) => keys.includes(c.key)));
  for (const size of SIZES) lib.symbols.bench_pool_free(poolOf(size));
  drain();
  console.log(JSON.stringify(results));
}

async function previousRun(): Promise<Partial<Report>> {
  try {
    return JSON.parse(await Deno.readTextFile(new URL("results.json", RESULTS_DIR))) as Report;
  } catch {
    return {};
  }
}

/** Runs every case, then Bun; writes bench/results/results.json and the chart, and returns the run. */
export async function measureAll(): Promise<Report> {
  const machine = describeMachine();
  console.error(`bench: ${machine.cpu}, ${machine.cores} cores, Deno ${machine.deno}, Zig ${machine.zig}`);
  const lib = await openBenchLibrary();
  const results = await runDenoCases(lib, CASES.filter((c) => !OWN_PROCESS.includes(c.key)));
  await runStreams(lib, results);
  for (const size of SIZES) lib.symbols.bench_pool_free(poolOf(size));
  drain();
  console.error(`${OWN_PROCESS.join(", ")}, in a process of their own:`);
  Object.assign(results, await runInOwnProcess());
  console.error("bun:");
  const bun = await runBun();
  if (bun !== null) {
    machine.bun = bun.version;
    Object.assign(results, bun.results);
  }
  machine.loadAverage.end = loadAverage();
  const previous = await previousRun();
  const report: Report = withSectionRatios({
    date: new Date().toISOString(),
    command: "deno task bench",
    machine,
    sizes: SIZES,
    results,
    ratios: targets(results),
    // The Arrow and dispose benchmarks record their own runs (bench/arrow_bench.ts,
    // bench/dispose_bench.ts with --write): kept as they were.
    arrow: previous.arrow,
    dispose: previous.dispose,
  });
  if (SMOKE) return report;
  await Deno.mkdir(RESULTS_DIR, { recursive: true });
  await Deno.writeTextFile(new URL("results.json", RESULTS_DIR), JSON.stringify(report, null, 2) + "\n");
  await Deno.writeTextFile(new URL("cost_vs_size.svg", RESULTS_DIR), chart(results, machine));
  return report;
}
