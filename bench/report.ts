/**
 * `deno task bench`: runs every approach side by side in one run on one build
 * of the bench library, then the Bun script on the same library; prints a
 * Markdown table of medians and the issue's ratios, and writes
 * bench/results/results.json and bench/results/cost_vs_size.svg.
 *
 * @module
 */

import { BENCH_LIBRARY_PATH, type BenchLibrary, openBenchLibrary, poolOf } from "./_bench_library.ts";
import { BATCH_SIZE, type Case, CASES, drain, type Prepared, prepareStream, STREAMS } from "./_cases.ts";
import { costVsSizeSvg, type Series } from "./_chart.ts";
import { describeMachine, loadAverage, type Machine } from "./_machine.ts";
import { type Budget, measure, type Measurement, median, type Size, SIZES } from "./_timing.ts";
import type { BunResults } from "./bun/handover.ts";

/** Case key → size label → measurement, or null where the case was skipped. */
type Results = Record<string, Record<string, Measurement | null>>;

/** Everything one run wrote to results.json. */
interface Report {
  date: string;
  command: string;
  machine: Machine;
  sizes: readonly Size[];
  results: Results;
  ratios: Ratio[];
}

/** One of the issue's targets, checked against this run. */
interface Ratio {
  name: string;
  value: number | null;
  target: string;
  /** Null when not measured, or for a ratio given as context rather than as a target. */
  met: boolean | null;
}

const RESULTS_DIR = new URL("./results/", import.meta.url);
const BUN = new URL(".cache/node_modules/.bin/bun", import.meta.url).pathname;
const BUN_SCRIPT = new URL("./bun/handover.ts", import.meta.url).pathname;

// Each size runs its cases in rounds, interleaved, so that a slow spell of the
// machine (GC, another process) lands on every case alike; a case's figure is
// the median of its round medians. Fast cases take more samples per round:
// their medians move with GC timing.
const ROUNDS = 3;
const FAST_BUDGET: Budget = { ms: 400, minSamples: 5, maxSamples: 41 };
const SLOW_BUDGET: Budget = { ms: 700, minSamples: 1, maxSamples: 35 };

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

/** Label of the stream results: a ring's figures belong to no size of the table. */
const STREAM = "stream";

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
      new URL(import.meta.url).pathname,
      "--only",
      ...OWN_PROCESS,
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

function medianOf(results: Results, key: string, label: string): number | null {
  return results[key]?.[label]?.medianNs ?? null;
}

/** The target column of a ratio given for context: what a target is up against. */
const CONTEXT = "—";

function ratio(
  name: string,
  numerator: number | null,
  denominator: number | null,
  target: string,
  meets: (value: number) => boolean,
): Ratio {
  const value = numerator === null || denominator === null ? null : numerator / denominator;
  return { name, value, target, met: value === null ? null : meets(value) };
}

/** Bytes per second of a lending case at `label`. */
function throughput(results: Results, key: string, label: string): number | null {
  const ns = medianOf(results, key, label);
  const size = SIZES.find((s) => s.label === label)!;
  return ns === null ? null : size.bytes / (ns / 1e9);
}

function targets(results: Results): Ratio[] {
  const m = (key: string, label: string) => medianOf(results, key, label);
  const ratios: Ratio[] = [
    ratio(
      "handover 100 MB ÷ handover 8 KB",
      m("ours", "100 MB"),
      m("ours", "8 KB"),
      "≤ 1.2",
      (v) => v <= 1.2,
    ),
    ratio("handover 1 GB ÷ handover 8 KB", m("ours", "1 GB"), m("ours", "8 KB"), "≤ 1.2", (v) => v <= 1.2),
    ratio("handover 4 GB ÷ handover 8 KB", m("ours", "4 GB"), m("ours", "8 KB"), "≤ 1.2", (v) => v <= 1.2),
    ratio("ours (node-api) ÷ raw Deno, 8 KB", m("ours", "8 KB"), m("raw", "8 KB"), "≤ 1.3", (v) => v <= 1.3),
    ratio(
      "ours (node-api) ÷ raw Deno, 100 MB",
      m("ours", "100 MB"),
      m("raw", "100 MB"),
      "≤ 1.3",
      (v) => v <= 1.3,
    ),
    ratio(
      "ours (pointer-view) ÷ raw Deno, 8 KB",
      m("ours_pointer_view", "8 KB"),
      m("raw", "8 KB"),
      "≤ 1.5",
      (v) => v <= 1.5,
    ),
    ratio(
      "ours (pointer-view) ÷ raw Deno, 100 MB",
      m("ours_pointer_view", "100 MB"),
      m("raw", "100 MB"),
      "≤ 1.5",
      (v) => v <= 1.5,
    ),
    ratio(
      "Node-API floor (call + wrap + view + detach) ÷ raw Deno, 8 KB",
      m("node_api_floor", "8 KB"),
      m("raw", "8 KB"),
      CONTEXT,
      () => false,
    ),
    ratio(
      "ours (node-api) ÷ Node-API floor, 8 KB",
      m("ours", "8 KB"),
      m("node_api_floor", "8 KB"),
      "aim ≤ 1.25",
      (v) => v <= 1.25,
    ),
    ratio(
      "ours (node-api) ÷ ours (pointer-view), 8 KB",
      m("ours", "8 KB"),
      m("ours_pointer_view", "8 KB"),
      "aim ≤ 1",
      (v) => v <= 1,
    ),
    ratio("ours ÷ empty FFI call, 8 KB", m("ours", "8 KB"), m("floor", "8 KB"), "aim ≤ 3", (v) => v <= 3),
    ratio("pooled ÷ empty FFI call, 8 KB", m("pooled", "8 KB"), m("floor", "8 KB"), "aim ≤ 3", (v) => v <= 3),
    ratio(
      "pooled ÷ Bun toArrayBuffer, 8 KB",
      m("pooled", "8 KB"),
      m("bun_to_array_buffer", "8 KB"),
      "≤ 1.0",
      (v) => v <= 1,
    ),
    ratio(
      "pooled 100 MB ÷ pooled 8 KB",
      m("pooled", "100 MB"),
      m("pooled", "8 KB"),
      "≤ 1.2",
      (v) => v <= 1.2,
    ),
    ratio("region ÷ empty FFI call, 8 KB", m("region", "8 KB"), m("floor", "8 KB"), "≤ 3", (v) => v <= 3),
    ratio(
      `batched (${BATCH_SIZE} per call), per buffer ÷ empty FFI call, 8 KB`,
      m("batched", "8 KB"),
      m("floor", "8 KB"),
      "≤ 1.5",
      (v) => v <= 1.5,
    ),
    ratio(
      "region ÷ Bun toArrayBuffer, 8 KB",
      m("region", "8 KB"),
      m("bun_to_array_buffer", "8 KB"),
      "≤ 0.1",
      (v) => v <= 0.1,
    ),
    ratio(
      "region 100 MB ÷ region 8 KB",
      m("region", "100 MB"),
      m("region", "8 KB"),
      "≤ 1.2",
      (v) => v <= 1.2,
    ),
    ...STREAMS.map((stream) =>
      // A rate ratio: Bun's time per handover over ours.
      ratio(
        `ring ${stream.name}: Deno handovers/s ÷ Bun (toArrayBuffer per slot)`,
        m(`bun_${stream.key}`, STREAM),
        m(stream.key, STREAM),
        "≥ 1",
        (v) => v >= 1,
      )
    ),
    ratio(
      "ours (node-api) ÷ Bun toArrayBuffer, 8 KB",
      m("ours", "8 KB"),
      m("bun_to_array_buffer", "8 KB"),
      "≤ 1.0",
      (v) => v <= 1,
    ),
    ratio(
      "ours (node-api) ÷ Bun toArrayBuffer, 100 MB",
      m("ours", "100 MB"),
      m("bun_to_array_buffer", "100 MB"),
      "≤ 0.05",
      (v) => v <= 0.05,
    ),
    ratio(
      "ours (node-api) ÷ Bun handover (call + toArrayBuffer + release), 8 KB",
      m("ours", "8 KB"),
      m("bun_handover", "8 KB"),
      "≤ 1.0",
      (v) => v <= 1,
    ),
    ratio(
      "ours (pointer-view) ÷ Bun toArrayBuffer, 8 KB",
      m("ours_pointer_view", "8 KB"),
      m("bun_to_array_buffer", "8 KB"),
      "≤ 1.0",
      (v) => v <= 1,
    ),
    ratio(
      "ours (pointer-view) ÷ Bun toArrayBuffer, 100 MB",
      m("ours_pointer_view", "100 MB"),
      m("bun_to_array_buffer", "100 MB"),
      "≤ 0.05",
      (v) => v <= 0.05,
    ),
    ratio(
      "ours (pointer-view) ÷ Bun handover (call + toArrayBuffer + release), 8 KB",
      m("ours_pointer_view", "8 KB"),
      m("bun_handover", "8 KB"),
      "≤ 1.0",
      (v) => v <= 1,
    ),
    ratio(
      "copy ÷ handover, 100 MB",
      m("copy", "100 MB"),
      m("ours", "100 MB"),
      "≥ 10,000",
      (v) => v >= 10_000,
    ),
  ];
  for (const label of ["100 MB", "1 GB"]) {
    ratios.push(
      ratio(
        `Zig sum ÷ read floor (bytes/s), ${label}`,
        throughput(results, "zig_sum", label),
        throughput(results, "read_floor", label),
        "≥ 0.8",
        (v) => v >= 0.8,
      ),
    );
  }
  for (const size of SIZES) {
    const zig = m("zig_sum", size.label);
    if (zig === null) continue;
    ratios.push(
      ratio(`TS loop ÷ Zig sum (time), ${size.label}`, m("ts_sum", size.label), zig, "> 1", (v) => v > 1),
    );
  }
  return ratios;
}

const COLUMNS: readonly { key: string; title: string }[] = [
  { key: "floor", title: "empty FFI call" },
  { key: "ours", title: "**zerocopy handover (node-api)**" },
  { key: "ours_pointer_view", title: "zerocopy handover (pointer-view)" },
  { key: "node_api_floor", title: "Node-API floor" },
  { key: "pooled", title: "pooled (bench-only region)" },
  { key: "region", title: "**Region.adopt**" },
  { key: "batched", title: `Region.adoptBatch (per buffer, ${BATCH_SIZE}/call)` },
  { key: "raw", title: "raw Deno map" },
  { key: "bun_to_array_buffer", title: "Bun toArrayBuffer" },
  { key: "bun_handover", title: "Bun handover" },
  { key: "copy", title: "copy" },
  { key: "fill_and_hand_over", title: "fill + handover" },
  { key: "json", title: "JSON" },
  { key: "element_reads", title: "getFloat64 loop" },
];

function costTable(results: Results): string {
  const header = `| size | ${COLUMNS.map((c) => c.title).join(" | ")} |`;
  const rule = `| ---: | ${COLUMNS.map(() => "---:").join(" | ")} |`;
  const rows = SIZES.map((size) =>
    `| ${size.label} | ${COLUMNS.map((c) => cell(results[c.key]?.[size.label])).join(" | ")} |`
  );
  return [header, rule, ...rows].join("\n");
}

function lendingTable(results: Results): string {
  const rows = SIZES.filter((s) => results.zig_sum?.[s.label]).map((size) => {
    const gbps = (key: string) => {
      const bps = throughput(results, key, size.label);
      return bps === null ? "—" : `${(bps / 1e9).toFixed(1)} GB/s`;
    };
    return `| ${size.label} | ${cell(results.read_floor[size.label])} (${gbps("read_floor")}) | ${
      cell(results.zig_sum[size.label])
    } (${gbps("zig_sum")}) | ${cell(results.ts_sum[size.label])} (${gbps("ts_sum")}) |`;
  });
  return [
    "| size | Zig u64 read floor | Zig SIMD sum, lent | TypeScript loop |",
    "| ---: | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}

function streamTable(results: Results): string {
  const rate = (key: string) => {
    const ns = medianOf(results, key, STREAM);
    return ns === null ? "—" : `${formatRate(1e9 / ns)}/s (${formatNs(ns)})`;
  };
  const rows = STREAMS.map((stream) =>
    `| ${stream.name} (${stream.slotBytes.toLocaleString("en-US")} B) | ${rate(stream.key)} | ${
      rate(`bun_${stream.key}`)
    } |`
  );
  return [
    "| stream, produced in Zig, read in the runtime | Deno: Ring.next + view + release | Bun: same ring, toArrayBuffer per slot |",
    "| --- | ---: | ---: |",
    ...rows,
  ].join("\n");
}

/** A rate with three significant digits and an SI suffix. */
function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toPrecision(3)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toPrecision(3)} k`;
  return perSecond.toPrecision(3);
}

function ratioTable(ratios: readonly Ratio[]): string {
  const rows = ratios.map((r) =>
    `| ${r.name} | ${r.value === null ? "—" : formatRatio(r.value)} | ${r.target} | ${
      r.target === CONTEXT ? "context" : r.met === null ? "not measured" : r.met ? "met" : "**missed**"
    } |`
  );
  return ["| ratio | this run | target | |", "| --- | ---: | ---: | --- |", ...rows].join("\n");
}

/** What `using` adds to a handover: Deno 2.9 compiles it to a disposal helper. */
function usingNote(results: Results): string {
  const withUsing = medianOf(results, "ours_using", "8 KB");
  const direct = medianOf(results, "ours", "8 KB");
  if (withUsing === null || direct === null) return "";
  return `Disposing with \`using\` instead of a direct \`[Symbol.dispose]()\` call: ${formatNs(withUsing)} ` +
    `instead of ${formatNs(direct)} per 8 KB handover (Deno's \`using\` helper, not zerocopy).`;
}

function cell(measurement: Measurement | null | undefined): string {
  return measurement ? formatNs(measurement.medianNs) : "—";
}

/** Nanoseconds with three significant digits in a readable unit. */
function formatNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toPrecision(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toPrecision(3)} µs`;
  return `${Math.round(ns)} ns`;
}

function formatRatio(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toPrecision(3);
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
async function only(keys: readonly string[]): Promise<void> {
  const lib = await openBenchLibrary();
  const results = await runDenoCases(lib, CASES.filter((c) => keys.includes(c.key)));
  for (const size of SIZES) lib.symbols.bench_pool_free(poolOf(size));
  drain();
  console.log(JSON.stringify(results));
}

async function main(): Promise<void> {
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
  const ratios = targets(results);
  const report: Report = {
    date: new Date().toISOString(),
    command: "deno task bench",
    machine,
    sizes: SIZES,
    results,
    ratios,
  };
  await Deno.mkdir(RESULTS_DIR, { recursive: true });
  await Deno.writeTextFile(new URL("results.json", RESULTS_DIR), JSON.stringify(report, null, 2) + "\n");
  await Deno.writeTextFile(new URL("cost_vs_size.svg", RESULTS_DIR), chart(results, machine));
  console.log(
    [
      `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; ` +
      `Deno ${machine.deno}, Zig ${machine.zig}, Bun ${machine.bun ?? "not run"}; ${report.date}; ` +
      `load average ${machine.loadAverage.start} at the start, ${machine.loadAverage.end} at the end`,
      "",
      "Median time per operation (sizes are binary: 1 MB = 2^20 bytes; — = not run at that size):",
      "",
      costTable(results),
      "",
      "Streams through a ring of 4 slots (median handovers per second, and time per handover):",
      "",
      streamTable(results),
      "",
      "Lending (median time per sum, and bytes read per second):",
      "",
      lendingTable(results),
      "",
      ratioTable(ratios),
      "",
      usingNote(results),
      "",
      "Wrote bench/results/results.json and bench/results/cost_vs_size.svg",
    ].join("\n"),
  );
}

if (Deno.args[0] === "--only") await only(Deno.args.slice(1));
else await main();
