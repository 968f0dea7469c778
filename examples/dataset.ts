/**
 * An ML-style dataset: Float32 features generated in Zig, split into batches
 * that are subarray views (no copy) and reduced in Zig through a lend.
 *
 *     deno run --allow-ffi examples/dataset.ts [rows] [features] [batch]
 *
 * @module
 */

import { openExamples } from "./zig_author/library.ts";

const [rows = 100_000, features = 64, batchRows = 1024] = Deno.args.map(Number);
const examples = await openExamples();

using dataset = examples.make_dataset(rows, features);
const batchLength = batchRows * features;
let batches = 0;
let total = 0;
const start = performance.now();
for (let offset = 0; offset < dataset.length; offset += batchLength) {
  // A batch is a view over the same Zig memory: no bytes move.
  const batch = dataset.view.subarray(offset, Math.min(offset + batchLength, dataset.length));
  total += examples.sum_f32(batch);
  batches++;
}
const elapsed = performance.now() - start;
const mean = total / dataset.length;
console.log(
  `${rows}x${features} f32 dataset (${
    (dataset.byteLength / 2 ** 20).toFixed(1)
  } MiB) in ${batches} batches ` +
    `of ${batchRows} rows, summed in Zig in ${elapsed.toFixed(1)} ms; mean feature ${
      mean.toFixed(4)
    } (≈ 0.5)`,
);
if (Math.abs(mean - 0.5) > 0.01) throw new Error("the features are not uniform in [0, 1)");
