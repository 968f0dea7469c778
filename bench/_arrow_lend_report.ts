/**
 * The Arrow lend benchmark's part of bench/results/results.json (written by
 * `bench/arrow_lend_bench.ts --write`) and the table bench/_docs.ts writes
 * from it into docs/arrow.md: what lending a batch costs before Zig runs,
 * checks included, for fixed-width columns (the same at any row count) and
 * for utf8 columns (each offset is checked: a cost per row).
 *
 * @module
 */

import type { Machine } from "./_machine.ts";

/** One measured lend. */
export interface ArrowLendRow {
  /** "fixed width" (an i32 and an f64 column) or "utf8" (one string column). */
  kind: "fixed width" | "utf8";
  rows: number;
  /** Median nanoseconds of one `lendBatch` whose call does nothing: the lend's own cost. */
  medianNs: number;
}

/** The Arrow lend benchmark's run. */
export interface ArrowLendReport {
  date: string;
  command: string;
  machine: Machine;
  rows: ArrowLendRow[];
}

function formatTime(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toPrecision(3)} µs`;
  return `${Math.round(ns)} ns`;
}

/** The run's machine line and table, as Markdown. */
export function arrowLendTable(report: ArrowLendReport): string {
  const m = report.machine;
  const rows = report.rows.map((r) =>
    `| ${r.kind} | ${r.rows.toLocaleString("en-US")} | ${formatTime(r.medianNs)} | ${
      (r.medianNs / r.rows).toPrecision(3)
    } ns |`
  );
  return [
    `\`${report.command}\` of ${
      report.date.slice(0, 16).replace("T", " ")
    } UTC on ${m.cpu} (${m.cores} cores), ` +
    `Deno ${m.deno}; load average ${m.loadAverage.start} at the start and ${m.loadAverage.end} at the end. ` +
    `Medians of one \`lendBatch\` whose call does nothing: the checks and the structs, before Zig runs:`,
    "",
    "| columns | rows | lend | per row |",
    "| --- | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}

/** The lend's median for `kind` at `rows`, or null when the run has none. */
export function lendOf(
  report: ArrowLendReport | undefined,
  kind: ArrowLendRow["kind"],
  rows: number,
): number | null {
  return report?.rows.find((r) => r.kind === kind && r.rows === rows)?.medianNs ?? null;
}
