/**
 * An ML-style dataset streamed in epochs through a region: each epoch, one
 * call to Zig generates every batch of Float32 features inside the region and
 * hands them all over at once (a batch); each batch arrives as a subarray of
 * the region's one mapping and is reduced in Zig through a lend.
 *
 *     zig build --build-file examples/zig_author/build.zig --release=safe   # once: the example library
 *     deno run --allow-ffi examples/dataset.ts [rows] [features] [batch] [epochs]
 *
 * @module
 */

import { Region } from "../mod.ts";
import { args } from "./_runtime.ts";
import { openExamples } from "./zig_author/library.ts";

const [rows = 100_000, features = 64, batchRows = 1024, epochs = 3] = args.map(Number);
const examples = await openExamples();
const batchCount = Math.ceil(rows / batchRows);

// Room for one epoch: f32 slices need no padding, and one pair per batch.
using region = Region.create(examples.library, rows * features * 4, { maxBatch: batchCount });
let views: Float32Array<ArrayBuffer>[] = [];
for (let epoch = 1; epoch <= epochs; epoch++) {
  region.reset(); // the new epoch's batches take the place of the last one's
  const start = performance.now();
  views = examples.make_batches(rows, features, batchRows, epoch, region);
  const handedOver = performance.now();
  let total = 0;
  for (const batch of views) total += examples.sum_f32(batch);
  const summed = performance.now();
  const mean = total / (rows * features);
  console.log(
    `epoch ${epoch}: ${views.length} batches of ${batchRows}x${features} f32 generated and handed over in one call ` +
      `in ${(handedOver - start).toFixed(1)} ms, summed in Zig in ${(summed - handedOver).toFixed(1)} ms; ` +
      `mean feature ${mean.toFixed(4)} (≈ 0.5)`,
  );
  if (views.length !== batchCount || Math.abs(mean - 0.5) > 0.01) {
    throw new Error("the batches are not the uniform features Zig generated");
  }
}
console.log(
  `${
    (region.byteLength / 2 ** 20).toFixed(1)
  } MiB region: ${examples.library.stats().liveBuffers} buffer live for all ${batchCount} batches`,
);
region[Symbol.dispose]();
console.log(`after dispose every batch view has length ${views[0].length}: one detach for all of them`);
