/**
 * The Arrow benchmark's part of bench/results/results.json (written by
 * `bench/arrow_bench.ts --write`, kept by `deno task bench`) and the table
 * bench/_docs.ts writes from it into docs/benchmarks.md and docs/arrow.md.
 *
 * @module
 */

import type { Machine } from "./_machine.ts";
import type { Measurement } from "./_timing.ts";

/** One row count: the three ways to a table, and Zig's IPC writing alone. */
export interface ArrowRow {
  rows: number;
  /** Handover of the batch Zig filled in place + `importBatch` + dispose. */
  import: Measurement;
  /** Zig writes the IPC stream from its columns + handover + `tableFromIPC` + dispose. */
  ipc: Measurement;
  /** The Zig half of `ipc`: writing the stream and handing it over (+ dispose). */
  ipcWrite: Measurement;
  /** `tableFromArrays` over JavaScript arrays of numbers. */
  arrays: Measurement;
}

/** The Arrow benchmark's run. */
export interface ArrowReport {
  date: string;
  command: string;
  machine: Machine;
  rows: ArrowRow[];
}

function formatTime(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toPrecision(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toPrecision(3)} µs`;
  return `${Math.round(ns)} ns`;
}

function ratio(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toPrecision(3);
}

/** The Arrow run's machine line and table, as Markdown. */
export function arrowTable(report: ArrowReport): string {
  const m = report.machine;
  const rows = report.rows.map((r) =>
    `| ${r.rows.toLocaleString("en-US")} | ${formatTime(r.import.medianNs)} | ${
      formatTime(r.ipc.medianNs)
    } | ${formatTime(r.ipcWrite.medianNs)} | ${formatTime(r.arrays.medianNs)} (${r.arrays.samples} run${
      r.arrays.samples === 1 ? "" : "s"
    }) | ${ratio(r.ipc.medianNs / r.import.medianNs)}× | ${ratio(r.arrays.medianNs / r.import.medianNs)}× |`
  );
  return [
    `\`${report.command}\` of ${
      report.date.slice(0, 16).replace("T", " ")
    } UTC on ${m.cpu} (${m.cores} cores, ` +
    `${m.memoryGiB} GiB), ${m.os}, Deno ${m.deno}, Zig ${m.zig}; load average ${m.loadAverage.start} at the ` +
    `start and ${m.loadAverage.end} at the end. Medians; producing the rows is done once beforehand and ` +
    `counted on neither side:`,
    "",
    "| rows | handover + import | Zig writes IPC + handover + tableFromIPC | of which Zig writes IPC + handover | tableFromArrays (JS arrays) | IPC ÷ import | JS ÷ import |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}
