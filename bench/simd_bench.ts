/**
 * SIMD kernels against their scalar versions, side by side in one run:
 * grayscale of a 1080p RGBA frame and a sum over 4 M f32.
 *
 *     (cd examples/zig_author && zig build --release=fast) &&
 *       deno bench --allow-ffi bench/simd_bench.ts
 *
 * @module
 */

import { openExamples } from "../examples/zig_author/library.ts";

const examples = await openExamples();
const frame = examples.make_frame(1920, 1080);
const values = examples.make_dataset(4 * 1024 * 1024, 1);
let sink = 0; // keeps results alive so no loop is optimized away

Deno.bench("grayscale, scalar", { group: "grayscale 1920x1080", baseline: true }, () => {
  examples.grayscale_scalar(frame.view)[Symbol.dispose]();
});

Deno.bench("grayscale, @Vector(16)", { group: "grayscale 1920x1080" }, () => {
  examples.grayscale(frame.view)[Symbol.dispose]();
});

Deno.bench("grayscale, TypeScript", { group: "grayscale 1920x1080" }, () => {
  const rgba = frame.view;
  const gray = new Uint8Array(rgba.length / 4);
  for (let i = 0; i < gray.length; i++) {
    gray[i] = (rgba[4 * i] * 77 + rgba[4 * i + 1] * 150 + rgba[4 * i + 2] * 29) >> 8;
  }
});

Deno.bench("sum, scalar", { group: "sum 4M f32", baseline: true }, () => {
  sink += examples.sum_f32(values.view);
});

Deno.bench("sum, @Vector(16)", { group: "sum 4M f32" }, () => {
  sink += examples.sum_f32_simd(values.view);
});

Deno.bench("sum, TypeScript", { group: "sum 4M f32" }, () => {
  let sum = 0;
  for (const x of values.view) sum += x;
  sink += sum;
});

addEventListener("unload", () => console.log(`(checksum ${sink.toFixed(0)})`));
