/**
 * What bench/adbc_ingest_bench.ts records, and its table for docs/benchmarks.md.
 *
 * @module
 */

import type { Machine } from "./_machine.ts";
import { formatNs, formatRatio } from "./_tables.ts";

/** One run of bench/adbc_ingest_bench.ts: medians in milliseconds. */
export interface AdbcIngestReport {
  date: string;
  command: string;
  rows: number;
  runs: number;
  /** The server's version, as tools/postgres.sh started it. */
  server: string;
  machine: Machine;
  medianMs: {
    /** `Connection.ingest` of an apache-arrow table through ADBC bulk ingest. */
    adbcIngest: number;
    /** The same rows as a ready CSV string through `COPY ... FROM STDIN` (psql). */
    copyCsv: number;
    /** Building that CSV string from the rows in Deno. */
    buildCsv: number;
  };
}

/** The PostgreSQL ingest comparison as a Markdown table with its ratios. */
export function adbcIngestTable(report: AdbcIngestReport): string {
  const m = report.medianMs;
  const ms = (value: number) => formatNs(value * 1e6);
  const rate = (value: number) => `${(report.rows / value / 1000).toFixed(2)} M rows/s`;
  const rows = report.rows.toLocaleString("en-US");
  const mc = report.machine;
  return [
    `\`${report.command}\` of ${
      report.date.slice(0, 16).replace("T", " ")
    } UTC on ${mc.cpu} (${mc.cores} cores, ` +
    `${mc.memoryGiB} GiB), Deno ${mc.deno}, ${report.server}; load average ${mc.loadAverage.start ?? "?"} → ${
      mc.loadAverage.end ?? "?"
    }. Medians of ${report.runs} runs, each into a fresh table, of ${rows} rows (int4, float8, text).`,
    "",
    `| ${rows} rows into PostgreSQL | time | rows/s | ÷ ADBC ingest |`,
    "| --- | --- | --- | --- |",
    `| \`conn.ingest\` of an apache-arrow table (ADBC bulk ingest) | ${ms(m.adbcIngest)} | ${
      rate(m.adbcIngest)
    } | 1 |`,
    `| \`COPY ... FROM STDIN\` of a ready CSV string (psql) | ${ms(m.copyCsv)} | ${rate(m.copyCsv)} | ${
      formatRatio(m.copyCsv / m.adbcIngest)
    } |`,
    `| building that CSV string in Deno, then the COPY | ${ms(m.buildCsv + m.copyCsv)} | ${
      rate(m.buildCsv + m.copyCsv)
    } | ${formatRatio((m.buildCsv + m.copyCsv) / m.adbcIngest)} |`,
  ].join("\n");
}
