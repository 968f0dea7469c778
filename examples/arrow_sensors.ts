/**
 * Sensor readings produced in Zig, read in JavaScript as an Apache Arrow table with
 * no copy, filtered and aggregated with apache-arrow's own API, and a result
 * column sent back to a Zig kernel.
 *
 *     zig build --build-file examples/zig_author/build.zig --release=safe   # once: the example library
 *     deno run --allow-ffi examples/arrow_sensors.ts [rows]
 *
 * @module
 */

import { tableFromArrays } from "apache-arrow";
import { args } from "./_runtime.ts";
import { openExamples } from "./zig_author/library.ts";

const rows = Number(args[0] ?? 3_000_000);
const examples = await openExamples();
const lib = examples.library;

let start = performance.now();
// The generated wrapper of an export with a `*zerocopy.arrow.RecordBatchOut`: an ArrowBatch.
using readings = examples.make_sensor_readings(rows);
const produced = performance.now() - start;
const table = readings.table;
console.log(
  `${table.numRows.toLocaleString()} readings from Zig in ${produced.toFixed(1)} ms:`,
  table.schema.fields.map((f) => `${f.name}: ${f.type}`).join(", "),
);

// Filter (valid readings above a threshold, in one place) and aggregate per
// sensor, with apache-arrow's vectors: typed-array reads over Zig's memory.
start = performance.now();
const sensor = table.getChild("sensor")!;
const value = table.getChild("value")!;
const place = table.getChild("place")!;
const embedding = table.getChild("embedding")!;
const sensorIds = sensor.toArray() as Uint32Array; // the column itself: one chunk, no nulls
const sums = new Float64Array(1000);
const counts = new Int32Array(1000);
let firstEmbedding: number[] = [];
for (let i = 0; i < table.numRows; i++) {
  const v = value.get(i);
  if (v === null || v <= 0.5 || place.get(i) !== "kitchen") continue;
  sums[sensorIds[i]] += v;
  counts[sensorIds[i]]++;
  if (firstEmbedding.length === 0) firstEmbedding = [...embedding.get(i)!];
}
const ids = Uint32Array.from(counts.keys()).filter((id) => counts[id] > 0);
const result = tableFromArrays({
  sensor: ids,
  mean: Float64Array.from(ids, (id) => sums[id] / counts[id]),
  readings: Int32Array.from(ids, (id) => counts[id]),
});
const aggregated = performance.now() - start;
console.log(
  `filtered and aggregated in ${aggregated.toFixed(1)} ms: ${result.numRows} kitchen sensors above 0.5`,
);
console.log("first matching embedding:", firstEmbedding.join(" "));

// The result column back to Zig: the table lent for one call (the export's
// ArrowSchema + ArrowArray pair is one parameter of the wrapper), read there in place.
const total = new Float64Array(1);
examples.sum_arrow_column(result, new TextEncoder().encode("mean"), total);
let expected = 0;
for (const mean of result.getChild("mean")!) expected += mean ?? 0;
console.log(`Zig summed the mean column: ${total[0].toFixed(6)} (JavaScript: ${expected.toFixed(6)})`);
if (Math.abs(total[0] - expected) > 1e-9 * Math.max(1, Math.abs(expected))) {
  throw new Error("Zig and JavaScript disagree on the result column");
}
readings[Symbol.dispose]();
console.log("live buffers after dispose:", lib.stats().liveBuffers);
