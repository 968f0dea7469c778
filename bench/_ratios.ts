/**
 * The report's targets: ratios between the cases of one run, each with the
 * target it is checked against.
 *
 * @module
 */

import type { AdbcIngestReport } from "./_adbc_ingest_report.ts";
import type { SqlReport } from "./_sql_report.ts";
import { BATCH_SIZE, STREAMS } from "./_case.ts";
import { type Measurement, type Size, SIZES } from "./_timing.ts";
import type { Machine } from "./_machine.ts";
import type { ArrowReport } from "./_arrow_report.ts";
import { type ArrowLendReport, lendOf } from "./_arrow_lend_report.ts";

/** Case key → size label → measurement, or null where the case was skipped. */
export type Results = Record<string, Record<string, Measurement | null>>;

/** Everything one run wrote to results.json. */
export interface Report {
  date: string;
  command: string;
  machine: Machine;
  sizes: readonly Size[];
  results: Results;
  ratios: Ratio[];
  /** The Arrow benchmark's own run, when it was recorded. */
  arrow?: ArrowReport;
  /** The Arrow lend benchmark's own run (bench/arrow_lend_bench.ts --write), when it was recorded. */
  arrowLend?: ArrowLendReport;
  /** The dispose benchmark's own run (bench/dispose_bench.ts --write), when it was recorded. */
  dispose?: DisposeReport;
  /** The nonblocking calls' run (bench/async_bench.ts --write), when it was recorded. */
  async?: AsyncReport;
  /** The SQL benchmark's run (bench/sql_bench.ts --write), when it was recorded. */
  sql?: SqlReport;
  /** The PostgreSQL ingest run (bench/adbc_ingest_bench.ts --write), when it was recorded. */
  adbcIngest?: AdbcIngestReport;
}

/** What bench/async_bench.ts records. */
export interface AsyncReport {
  date: string;
  command: string;
  /** Size of the long job (a histogram) in MiB. */
  jobMiB: number;
  /** Median ns per call: sync, nonblocking raw, nonblocking wrapper, a Worker round trip. */
  overhead: { label: string; syncNs: number; rawNs: number; wrapperNs: number; workerNs: number }[];
  /** A 1 ms timer's lag during the long job, blocking and through the async wrapper. */
  lag: { label: string; jobMs: number; ticks: number; p50Ms: number; p99Ms: number }[];
  /** The long job with and without `onProgress`, interleaved: medians in ms. */
  progress: { withoutMs: number; withMs: number; readings: number };
  /** Wall time of N concurrent long jobs over separate buffers. */
  concurrency: { calls: number; wallMs: number }[];
}

/** What bench/dispose_bench.ts records: dispose on the JavaScript thread, per size. */
export interface DisposeReport {
  date: string;
  command: string;
  /** Size label → median nanoseconds of one `[Symbol.dispose]()` of a filled buffer. */
  medianNs: Record<string, number>;
  /** The event loop's p99 lag (ms) while the biggest size is released. */
  lagP99Ms: number;
  /** The same timer's p99 lag (ms) just before, with nothing released: the machine's own share. */
  idleLagP99Ms?: number;
}

/** Names of the ratios computed from the Arrow and dispose runs, which record themselves. */
export const SECTION_RATIOS: readonly string[] = [
  "Arrow import 10 M ÷ 1 M rows",
  "dispose 1 GB ÷ dispose 8 KB",
  "event-loop p99 lag while 1 GB is released (ms)",
  "progress polling: call with onProgress ÷ the same call without",
  "event-loop p99 lag during a long call, async wrapper (ms)",
  "event-loop p99 lag during a long call, blocking (ms)",
  "Arrow lend, fixed width, 10 M ÷ 1 K rows",
  "Arrow lend, utf8: ns per row at 1 M rows",
];

/** The ratios of the runs that record themselves (Arrow, dispose), from what `report` holds. */
export function sectionRatios(report: Report): Ratio[] {
  const arrowOf = (rows: number) => report.arrow?.rows.find((r) => r.rows === rows)?.import.medianNs ?? null;
  const dispose = (label: string) => report.dispose?.medianNs[label] ?? null;
  const lag = (label: string) => report.async?.lag.find((l) => l.label === label)?.p99Ms ?? null;
  const progress = report.async?.progress;
  return [
    ratio(SECTION_RATIOS[0], arrowOf(10_000_000), arrowOf(1_000_000), "≤ 1.5", (v) => v <= 1.5),
    ratio(SECTION_RATIOS[1], dispose("1 GB"), dispose("8 KB"), "≤ 2", (v) => v <= 2),
    ratio(SECTION_RATIOS[2], report.dispose?.lagP99Ms ?? null, 1, "< 5", (v) => v < 5),
    ratio(
      SECTION_RATIOS[3],
      progress?.withMs ?? null,
      progress?.withoutMs ?? null,
      "≤ 1.02",
      (v) => v <= 1.02,
    ),
    ratio(SECTION_RATIOS[4], lag("async wrapper"), 1, "< 5", (v) => v < 5),
    ratio(SECTION_RATIOS[5], lag("blocking"), 1, CONTEXT, () => false),
    ratio(
      SECTION_RATIOS[6],
      lendOf(report.arrowLend, "fixed width", 10_000_000),
      lendOf(report.arrowLend, "fixed width", 1_000),
      "≤ 1.5",
      (v) => v <= 1.5,
    ),
    ratio(SECTION_RATIOS[7], lendOf(report.arrowLend, "utf8", 1_000_000), 1_000_000, CONTEXT, () => false),
  ];
}

/** `report`'s ratios with those of the self-recording runs computed afresh. */
export function withSectionRatios(report: Report): Report {
  const kept = report.ratios.filter((r) => !SECTION_RATIOS.includes(r.name));
  return { ...report, ratios: [...kept, ...sectionRatios(report)] };
}

/** One of the targets, checked against this run. */
export interface Ratio {
  name: string;
  value: number | null;
  target: string;
  /** Null when not measured, or for a ratio given as context rather than as a target. */
  met: boolean | null;
}

/** Label of the stream results: a ring's figures belong to no size of the table. */
export const STREAM = "stream";

/** The target column of a ratio given for context: what a target is up against. */
export const CONTEXT = "—";

/** The median of `key` at `label`, or null where it did not run. */
export function medianOf(results: Results, key: string, label: string): number | null {
  return results[key]?.[label]?.medianNs ?? null;
}

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
export function throughput(results: Results, key: string, label: string): number | null {
  const ns = medianOf(results, key, label);
  const size = SIZES.find((s) => s.label === label)!;
  return ns === null ? null : size.bytes / (ns / 1e9);
}

/** Every target, computed from one run's results. */
export function targets(results: Results): Ratio[] {
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
