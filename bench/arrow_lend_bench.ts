/**
 * What lending an apache-arrow batch to Zig costs before Zig runs: the checks
 * of every buffer against the lengths, offsets and children its structs claim,
 * and writing the structs. `lendBatch` is timed with a call that does nothing.
 * Fixed-width columns are checked from their lengths alone, so the cost stays
 * the same at any row count; the offsets of strings, binaries and lists and the
 * indices of a dictionary are each checked, a cost per row (timed here for utf8).
 *
 *     deno run --allow-ffi --allow-read --allow-run bench/arrow_lend_bench.ts [--write] [--smoke]
 *
 * `--write` (with --allow-write=bench/results,docs,README.md) records the run
 * in bench/results/results.json and rewrites the generated tables in docs/.
 *
 * @module
 */

import { type RecordBatch, Table, tableFromArrays, Utf8, vectorFromArray } from "apache-arrow";
import { openLibrary } from "../mod.ts";
import { lendBatch } from "../arrow.ts";
import { describeMachine, loadAverage } from "./_machine.ts";
import { measure } from "./_timing.ts";
import { type ArrowLendRow, arrowLendTable } from "./_arrow_lend_report.ts";

const write = Deno.args.includes("--write");
const smoke = Deno.args.includes("--smoke");
const machine = describeMachine();
const lib = await openLibrary();
const fixedRows = smoke ? [1_000, 10_000] : [1_000, 1_000_000, 10_000_000];
const utf8Rows = smoke ? [1_000] : [1_000, 100_000, 1_000_000];

function fixedWidth(rows: number): RecordBatch {
  return tableFromArrays({
    id: Int32Array.from({ length: rows }, (_, i) => i),
    value: Float64Array.from({ length: rows }, (_, i) => i / 4),
  }).batches[0];
}

function strings(rows: number): RecordBatch {
  const vector = vectorFromArray(Array.from({ length: rows }, (_, i) => `s${i % 1000}`), new Utf8());
  return new Table({ s: vector }).batches[0];
}

const measured: ArrowLendRow[] = [];
for (
  const [kind, counts, make] of [["fixed width", fixedRows, fixedWidth], ["utf8", utf8Rows, strings]] as const
) {
  for (const rows of counts) {
    const batch = make(rows);
    if (batch.numRows !== rows) throw new Error(`the ${kind} batch has ${batch.numRows} rows, not ${rows}`);
    const { medianNs } = await measure(() => void lendBatch(lib, batch, () => 0), {
      ms: smoke ? 50 : 1000,
      minSamples: 5,
      maxSamples: 41,
    });
    measured.push({ kind, rows, medianNs });
    console.log(`${kind}, ${rows.toLocaleString("en-US")} rows: ${(medianNs / 1000).toFixed(2)} µs`);
  }
}
machine.loadAverage.end = loadAverage();
const arrowLend = {
  date: new Date().toISOString(),
  command: "deno run --allow-ffi --allow-read --allow-run bench/arrow_lend_bench.ts",
  machine,
  rows: measured,
};
console.log(arrowLendTable(arrowLend));

if (write && !smoke) {
  const { committedReport, writeDocs } = await import("./_docs.ts");
  const { withSectionRatios } = await import("./_ratios.ts");
  const full = withSectionRatios({ ...await committedReport(), arrowLend });
  await Deno.writeTextFile(
    new URL("./results/results.json", import.meta.url),
    JSON.stringify(full, null, 2) + "\n",
  );
  await writeDocs(full, false);
  console.log("Wrote bench/results/results.json and the tables in docs/");
}
