/**
 * The Markdown tables of one run, written from bench/results/results.json:
 * what `deno task bench` prints and what bench/_docs.ts writes into
 * docs/benchmarks.md and the README.
 *
 * @module
 */

import { BATCH_SIZE, STREAMS } from "./_case.ts";
import {
  type AsyncReport,
  CONTEXT,
  type DisposeReport,
  medianOf,
  type Ratio,
  type Report,
  type Results,
  STREAM,
  throughput,
} from "./_ratios.ts";
import { type Measurement, SIZES } from "./_timing.ts";
import { arrowTable } from "./_arrow_report.ts";

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

export function costTable(results: Results): string {
  const header = `| size | ${COLUMNS.map((c) => c.title).join(" | ")} |`;
  const rule = `| ---: | ${COLUMNS.map(() => "---:").join(" | ")} |`;
  const rows = SIZES.map((size) =>
    `| ${size.label} | ${COLUMNS.map((c) => cell(results[c.key]?.[size.label])).join(" | ")} |`
  );
  return [header, rule, ...rows].join("\n");
}

export function lendingTable(results: Results): string {
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

export function streamTable(results: Results): string {
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
export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toPrecision(3)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toPrecision(3)} k`;
  return perSecond.toPrecision(3);
}

export function ratioTable(ratios: readonly Ratio[]): string {
  const rows = ratios.map((r) =>
    `| ${r.name} | ${r.value === null ? "—" : formatRatio(r.value)} | ${r.target} | ${
      r.target === CONTEXT ? "context" : r.met === null ? "not measured" : r.met ? "met" : "**missed**"
    } |`
  );
  return ["| ratio | this run | target | |", "| --- | ---: | ---: | --- |", ...rows].join("\n");
}

/** What `using` adds to a handover: Deno 2.9 compiles it to a disposal helper. */
export function usingNote(results: Results): string {
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
export function formatNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toPrecision(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toPrecision(3)} µs`;
  return `${Math.round(ns)} ns`;
}

export function formatRatio(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toPrecision(3);
}

/** The run's machine, date and load, as one sentence. */
export function runLine(report: Report): string {
  const m = report.machine;
  return `\`${report.command}\` of ${report.date.slice(0, 16).replace("T", " ")} UTC on ${m.cpu} ` +
    `(${m.cores} cores, ${m.memoryGiB} GiB), ${m.os}, Deno ${m.deno}, Zig ${m.zig}, Bun ${
      m.bun ?? "not run"
    }; ` +
    `load average ${m.loadAverage.start} at the start and ${m.loadAverage.end} at the end.`;
}

/** Every table of one run, with its machine and load: the generated part of docs/benchmarks.md. */
export function benchmarkTables(report: Report): string {
  return [
    runLine(report),
    "",
    "Median time per operation (sizes are binary: 1 MB = 2^20 bytes; — = not run at that size):",
    "",
    costTable(report.results),
    "",
    "Streams through a ring of 4 slots (median handovers per second, and time per handover):",
    "",
    streamTable(report.results),
    "",
    "Lending (median time per sum, and bytes read per second):",
    "",
    lendingTable(report.results),
    "",
    "The targets, checked against this run:",
    "",
    ratioTable(report.ratios),
    "",
    usingNote(report.results),
    ...(report.arrow
      ? [
        "",
        "Arrow: a 10-column batch (five f64, five i32) to an apache-arrow Table (bench/arrow_bench.ts).",
        "",
        arrowTable(report.arrow),
      ]
      : []),
    ...(report.dispose ? ["", disposeTable(report.dispose)] : []),
    ...(report.async ? ["", asyncTables(report.async)] : []),
  ].join("\n");
}

/** Dispose on the JavaScript thread, per size (bench/dispose_bench.ts). */
function disposeTable(dispose: DisposeReport): string {
  const rows = Object.entries(dispose.medianNs).map(([label, ns]) => `| ${label} | ${formatNs(ns)} |`);
  return [
    `\`${dispose.command}\` of ${
      dispose.date.slice(0, 16).replace("T", " ")
    } UTC: \`[Symbol.dispose]()\` of a`,
    "filled buffer of the library's allocator on the JavaScript thread (median), and the event loop's p99",
    `lag while the biggest is released: ${dispose.lagP99Ms.toFixed(2)} ms` +
    (dispose.idleLagP99Ms === undefined
      ? "."
      : ` (${dispose.idleLagP99Ms.toFixed(2)} ms with nothing released).`),
    "",
    "| size | dispose |",
    "| ---: | ---: |",
    ...rows,
  ].join("\n");
}

/** Nonblocking calls (bench/async_bench.ts): overhead, event-loop lag, progress polling, concurrency. */
function asyncTables(a: AsyncReport): string {
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  return [
    `Nonblocking calls: \`${a.command}\` of ${a.date.slice(0, 16).replace("T", " ")} UTC (medians).`,
    "",
    "| call | sync | nonblocking raw | nonblocking wrapper | Worker, buffer posted |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...a.overhead.map((o) =>
      `| ${o.label} | ${formatNs(o.syncNs)} | ${formatNs(o.rawNs)} | ${formatNs(o.wrapperNs)} | ${
        formatNs(o.workerNs)
      } |`
    ),
    "",
    `| ${a.jobMiB} MB histogram | job time | ticks of a 1 ms timer | p50 lag | p99 lag |`,
    "| --- | ---: | ---: | ---: | ---: |",
    ...a.lag.map((l) => `| ${l.label} | ${ms(l.jobMs)} | ${l.ticks} | ${ms(l.p50Ms)} | ${ms(l.p99Ms)} |`),
    "",
    `Progress polling (every 50 ms, ${a.progress.readings} readings): ${ms(a.progress.withMs)} with, ` +
    `${ms(a.progress.withoutMs)} without. Concurrent histograms over separate buffers: ` +
    a.concurrency.map((c) => `${c.calls} in ${ms(c.wallMs)}`).join(", ") + ".",
  ].join("\n");
}

/** The three ratios the README quotes, by their name in the ratio table, and what each says. */
const HEADLINES: readonly { name: string; says: (value: string) => string }[] = [
  {
    name: "copy ÷ handover, 100 MB",
    says: (v) => `handing over 100 MB costs 1/${v} of copying it into JavaScript`,
  },
  {
    name: "handover 1 GB ÷ handover 8 KB",
    says: (v) => `a 1 GB handover costs ${v}× an 8 KB one: the cost does not grow with the size`,
  },
  {
    name: "region ÷ empty FFI call, 8 KB",
    says: (v) => `a \`Region.adopt\` slice costs ${v} empty FFI calls`,
  },
];

/** The README's three headline ratios from one run, as a Markdown list. */
export function headlineRatios(report: Report): string {
  const lines = HEADLINES.map((headline) => {
    const found = report.ratios.find((r) => r.name === headline.name);
    if (found?.value == null) throw new Error(`The run has no ratio "${headline.name}"`);
    return `- ${headline.says(formatRatio(found.value))};`;
  });
  const last = lines.length - 1;
  lines[last] = lines[last].replace(/;$/, ".");
  const date = report.date.slice(0, 10);
  return [
    ...lines,
    "",
    `(\`${report.command}\`, ${date}, ${report.machine.cpu}, ${report.machine.cores} cores.)`,
  ]
    .join("\n");
}
