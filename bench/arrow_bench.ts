/**
 * A 10-column Arrow batch (five f64, five i32 columns) of 1 M and 10 M rows
 * becoming an apache-arrow Table in Deno, three ways, side by side:
 *
 * - import: the batch Zig handed over, read in place (`importBatch` minus the
 *   handover itself, which bench/report.ts measures): views over Zig's memory;
 * - IPC: the same table as Arrow IPC stream bytes in Zig-allocated memory, read
 *   by `tableFromIPC` (the bytes are written once by apache-arrow's
 *   `tableToIPC`, outside the timing, and not by Zig: writing them is not counted);
 * - JS arrays: `tableFromArrays` over ordinary JavaScript arrays of numbers.
 *
 *     deno run --allow-ffi --allow-read bench/arrow_bench.ts [rows...]
 *
 * @module
 */

import { type Table, tableFromArrays, tableFromIPC, tableToIPC } from "apache-arrow";
import { importBatch } from "../arrow.ts";
import { readBatch, tableOf } from "../src/arrow/import.ts";
import { openBenchLibrary } from "./_bench_library.ts";
import { measure } from "./_timing.ts";

const rowCounts = Deno.args.length > 0 ? Deno.args.map(Number) : [1_000_000, 10_000_000];
const lib = await openBenchLibrary();
const budget = { ms: 2000, minSamples: 3, maxSamples: 21 };

const format = (ns: number) => ns >= 1e6 ? `${(ns / 1e6).toFixed(1)} ms` : `${(ns / 1e3).toFixed(1)} µs`;
let sink = 0;
const touch = (table: Table) => {
  sink += table.numRows + (table.getChild("c9")!.get(table.numRows - 1) as number);
};

console.log(
  "| rows | import (in place) | tableFromIPC | tableFromArrays (JS arrays) | IPC / import | JS / import |",
);
console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
for (const rows of rowCounts) {
  using batch = importBatch(lib.adopt("u8", (out) => lib.symbols.bench_arrow_batch(BigInt(rows), out)));
  const memory = batch.memory;
  const ours = await measure(() => touch(tableOf(readBatch(memory))), budget);

  const ipcBytes = tableToIPC(batch.table, "stream");
  using ipc = lib.allocate("u8", ipcBytes.byteLength);
  ipc.view.set(ipcBytes);
  const ipcView = ipc.view;
  const fromIpc = await measure(() => touch(tableFromIPC(ipcView)), budget);

  const arrays: Record<string, number[]> = {};
  for (const field of batch.table.schema.fields) {
    arrays[field.name] = Array.from(batch.table.getChild(field.name)!.toArray() as ArrayLike<number>);
  }
  const fromArrays = await measure(() => touch(tableFromArrays(arrays)), budget);

  console.log(
    `| ${rows.toLocaleString("en")} | ${format(ours.medianNs)} | ${format(fromIpc.medianNs)} | ${
      format(fromArrays.medianNs)
    } | ` +
      `${(fromIpc.medianNs / ours.medianNs).toFixed(0)}x | ${
        (fromArrays.medianNs / ours.medianNs).toFixed(0)
      }x |`,
  );
}
console.log(`(medians; checksum ${sink > 0 ? "ok" : "?"})`);
