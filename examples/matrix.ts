/**
 * Matrix multiply: two Float64Arrays lent to Zig, the product handed back
 * without a copy, checked against the same product in TypeScript.
 *
 *     zig build --build-file examples/zig_author/build.zig --release=safe   # once: the example library
 *     deno run --allow-ffi examples/matrix.ts [n]
 *
 * @module
 */

import { args } from "./_runtime.ts";
import { openExamples } from "./zig_author/library.ts";

const n = Number(args[0] ?? 256);
const examples = await openExamples();

const a = Float64Array.from({ length: n * n }, (_, i) => (i % 7) - 3);
const b = Float64Array.from({ length: n * n }, (_, i) => (i % 5) / 2);

let start = performance.now();
using product = examples.multiply(a, b, n);
const zigMs = performance.now() - start;

start = performance.now();
const expected = new Float64Array(n * n);
for (let i = 0; i < n; i++) {
  for (let k = 0; k < n; k++) {
    const aik = a[i * n + k];
    for (let j = 0; j < n; j++) expected[i * n + j] += aik * b[k * n + j];
  }
}
const tsMs = performance.now() - start;

const same = product.view.every((x, i) => x === expected[i]);
const c = product.withShape(); // [n, n], as the Zig function declares
console.log(`c[1][2] = ${c.get(1, 2)}, row 0 starts [${Array.from(c.row(0).subarray(0, 3)).join(", ")}, …]`);
console.log(
  `${n}x${n} multiply: Zig ${zigMs.toFixed(1)} ms, TypeScript ${tsMs.toFixed(1)} ms, results equal: ${same}`,
);
if (!same) throw new Error("Zig and TypeScript products differ");
