/**
 * Why a per-buffer handover can cost more at large sizes: runs one approach
 * at one size for a fixed number of handovers and prints the time per
 * handover. Run it under `--trace-gc` and count the collections per size:
 *
 *     deno run --allow-ffi --allow-read --v8-flags=--trace-gc bench/gc_trace.ts ours "1 GB" 20000
 *
 * Approaches: `ours` (ZeroCopyBuffer), `raw` (getArrayBuffer + transfer(0)),
 * `region` (Region.adopt). Needs `zig build bench-lib`.
 *
 * @module
 */

import { openBenchLibrary, preparePool } from "./_bench_library.ts";
import { ours, raw, region } from "./_cases.ts";
import { SIZES } from "./_timing.ts";

const [approach = "ours", label = "8 KB", count = "20000"] = Deno.args;
const size = SIZES.find((s) => s.label === label);
const benchCase = { ours, raw, region }[approach];
if (size === undefined || benchCase === undefined) {
  throw new Error(
    `Usage: gc_trace.ts (ours | raw | region) (${SIZES.map((s) => s.label).join(" | ")}) [count]`,
  );
}
const lib = await openBenchLibrary();
if (!preparePool(lib, size)) throw new Error(`Cannot prepare ${label} on this machine`);
using prepared = benchCase.prepare(lib, size)!;
const iterations = Number(count);
for (let i = 0; i < 1000; i++) prepared.run(); // warm up, as the report does
console.error(`-- measured: ${iterations} handovers`);
const start = performance.now();
for (let i = 0; i < iterations; i++) prepared.run();
const ns = (performance.now() - start) * 1e6 / iterations;
console.error(`-- ${approach} ${label}: ${ns.toFixed(0)} ns per handover`);
