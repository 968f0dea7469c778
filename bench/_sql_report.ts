/**
 * What bench/sql_bench.ts records, and its table for docs/benchmarks.md.
 *
 * @module
 */

import type { Machine } from "./_machine.ts";
import { formatNs, formatRatio } from "./_tables.ts";

/** One run of bench/sql_bench.ts: medians in milliseconds. */
export interface SqlReport {
  date: string;
  command: string;
  rows: number;
  machine: Machine;
  medianMs: {
    /** `Connection.register` of the `rows`-row batch. */
    register: number;
    /** The same at `rows / 10`. */
    registerSmall: number;
    /** `tableToIPC` of the batch's table: a lower bound of the IPC route. */
    tableToIPC: number;
    /** `@duckdb/node-api`'s appender, row by row (one run). */
    appenderLoad: number;
    registerAndQuery: number;
    appenderLoadAndQuery: number;
    /** The aggregate over a native DuckDB table holding the same rows. */
    nativeQuery: number;
    /** A `rows`-row, three-column result read as Arrow (`Connection.query`). */
    arrowResult: number;
    /** The same result through `@duckdb/node-api`'s `getRows()`. */
    getRows: number;
  };
}

/** The SQL comparison as a Markdown table with its ratios. */
export function sqlTable(report: SqlReport): string {
  const m = report.medianMs;
  const ms = (value: number) => formatNs(value * 1e6);
  const rows = report.rows.toLocaleString("en-US");
  const lines = [
    `| ${rows} rows × 10 columns | this package | other route | other ÷ this |`,
    "| --- | --- | --- | --- |",
    `| load into DuckDB: register vs \`@duckdb/node-api\` appender | ${ms(m.register)} | ${
      ms(m.appenderLoad)
    } | ${formatRatio(m.appenderLoad / m.register)} |`,
    `| load into DuckDB: register vs \`tableToIPC\` alone (the IPC route's lower bound) | ${
      ms(m.register)
    } | ${ms(m.tableToIPC)} | ≥ ${formatRatio(m.tableToIPC / m.register)} |`,
    `| load + one aggregate over the 10 columns vs appender + the same query | ${ms(m.registerAndQuery)} | ${
      ms(m.appenderLoadAndQuery)
    } | ${formatRatio(m.appenderLoadAndQuery / m.registerAndQuery)} |`,
    `| register + the aggregate vs the aggregate over a native DuckDB table | ${ms(m.registerAndQuery)} | ${
      ms(m.nativeQuery)
    } | ${formatRatio(m.nativeQuery / m.registerAndQuery)} |`,
    `| a ${rows}-row result of 3 columns read as Arrow vs \`getRows()\` | ${ms(m.arrowResult)} | ${
      ms(m.getRows)
    } | ${formatRatio(m.getRows / m.arrowResult)} |`,
  ];
  const mc = report.machine;
  return [
    `\`${report.command}\` of ${
      report.date.slice(0, 16).replace("T", " ")
    } UTC on ${mc.cpu} (${mc.cores} cores, ` +
    `${mc.memoryGiB} GiB), Deno ${mc.deno}; load average ${mc.loadAverage.start ?? "?"} → ${
      mc.loadAverage.end ?? "?"
    }. Medians; the appender load is one run. Registering ${rows} rows took ${
      formatRatio(m.register / m.registerSmall)
    }× the time of a tenth of them (${
      ms(m.registerSmall)
    }). DuckDB 1.5.6 reads Arrow IPC only through an extension ` +
    "it downloads at run time, so the IPC route is timed up to its serialization.",
    "",
    ...lines,
  ].join("\n");
}
