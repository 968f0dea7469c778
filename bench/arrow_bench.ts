/**
 * A 10-column Arrow batch (five f64, five i32 columns) of 1 M and 10 M rows
 * becoming an apache-arrow Table in Deno, three ways, side by side. Zig
 * produces the rows once, in place (`bench_arrow_prepare`); no way's timing
 * counts producing them:
 *
 * - import: Zig hands the batch over (`bench_arrow_lend`, no copy) and
 *   `importBatch` reads it in place; disposed each time;
 * - IPC, the usual way: Zig writes an Arrow IPC stream from its columns
 *   (`bench_arrow_ipc`: schema and record batch messages, the column values
 *   copied into the body), hands the bytes over, and `tableFromIPC` reads them;
 * - JS arrays: `tableFromArrays` over ordinary JavaScript arrays of numbers
 *   (one run when a run takes over a second: 10 M rows take minutes).
 *
 * Before timing, it checks once that the IPC table holds the imported table's values.
 *
 *     zig build bench-lib          # once: the bench library (ReleaseFast)
 *     deno run --allow-ffi --allow-read --allow-run bench/arrow_bench.ts [--write] [rows...]
 *
 * `--write` (with --allow-write=bench/results,docs) records the run in
 * bench/results/results.json and rewrites the generated tables in docs/.
 *
 * @module
 */

import { type Table, tableFromArrays, tableFromIPC } from "apache-arrow";
import { importBatch } from "../arrow.ts";
import { openBenchLibrary } from "./_bench_library.ts";
import { describeMachine, loadAverage } from "./_machine.ts";
import { type Budget, measure, type Measurement } from "./_timing.ts";
import type { ArrowRow } from "./_arrow_report.ts";
import { arrowTable } from "./_arrow_report.ts";

const write = Deno.args.includes("--write");
const numbers = Deno.args.filter((a) => a !== "--write").map(Number);
const rowCounts = numbers.length > 0 ? numbers : [1_000_000, 10_000_000];
const machine = describeMachine();
const lib = await openBenchLibrary();
const budget: Budget = { ms: 2000, minSamples: 5, maxSamples: 41 };

let sink = 0;
const touch = (table: Table) => {
  sink += table.numRows + (table.getChild("c9")!.get(table.numRows - 1) as number);
};
const check = (status: number, what: string) => {
  if (status !== 0) throw new Error(`${what} failed with status ${status}`);
};

/** Fails unless both tables hold the same columns with the same values. */
function assertSameValues(expected: Table, actual: Table): void {
  if (expected.numRows !== actual.numRows) throw new Error(`${actual.numRows} rows, not ${expected.numRows}`);
  for (const field of expected.schema.fields) {
    const want = expected.getChild(field.name)!.toArray() as ArrayLike<number>;
    const got = actual.getChild(field.name)?.toArray() as ArrayLike<number> | undefined;
    if (got === undefined || got.length !== want.length) {
      throw new Error(`column ${field.name} differs in length`);
    }
    for (let i = 0; i < want.length; i++) {
      if (got[i] !== want[i]) throw new Error(`column ${field.name} row ${i}: ${got[i]}, not ${want[i]}`);
    }
  }
}

/** One timed run when a run takes over a second, else a measurement. */
async function measureSlow(iteration: () => void): Promise<Measurement> {
  const start = performance.now();
  iteration();
  const ns = (performance.now() - start) * 1e6;
  if (ns < 1e9) return await measure(iteration, { ms: 3000, minSamples: 3, maxSamples: 21 });
  return { medianNs: ns, minNs: ns, samples: 1, batch: 1 };
}

const lend = () => importBatch(lib.adopt("u8", (out) => lib.symbols.bench_arrow_lend(out)));
const ipcBytes = () => lib.adopt("u8", (out) => lib.symbols.bench_arrow_ipc(out));

const results: ArrowRow[] = [];
for (const rows of rowCounts) {
  check(lib.symbols.bench_arrow_prepare(BigInt(rows)), "bench_arrow_prepare");
  const arrays: Record<string, number[]> = {};
  {
    using batch = lend();
    using bytes = ipcBytes();
    assertSameValues(batch.table, tableFromIPC(bytes.view));
    for (const field of batch.table.schema.fields) {
      arrays[field.name] = Array.from(batch.table.getChild(field.name)!.toArray() as ArrayLike<number>);
    }
  }
  const ours = await measure(() => {
    using batch = lend();
    touch(batch.table);
  }, budget);
  const ipc = await measure(() => {
    using bytes = ipcBytes();
    touch(tableFromIPC(bytes.view));
  }, budget);
  const ipcWrite = await measure(() => {
    using bytes = ipcBytes();
    sink += bytes.length;
  }, budget);
  const fromArrays = await measureSlow(() => touch(tableFromArrays(arrays)));
  results.push({ rows, import: ours, ipc, ipcWrite, arrays: fromArrays });
  console.error(`${rows} rows measured`);
}
check(lib.symbols.bench_arrow_free(), "bench_arrow_free");
machine.loadAverage.end = loadAverage();
const report = {
  date: new Date().toISOString(),
  command: "deno run --allow-ffi --allow-read --allow-run bench/arrow_bench.ts",
  machine,
  rows: results,
};
console.log(arrowTable(report));
console.log(`(checksum ${sink > 0 ? "ok" : "?"})`);
if (write) {
  const { committedReport, writeDocs } = await import("./_docs.ts");
  const { withSectionRatios } = await import("./_ratios.ts");
  const full = withSectionRatios({ ...await committedReport(), arrow: report });
  await Deno.writeTextFile(
    new URL("./results/results.json", import.meta.url),
    JSON.stringify(full, null, 2) + "\n",
  );
  await writeDocs(full, false);
  console.log("Wrote bench/results/results.json and the tables in docs/");
}
