/**
 * `deno bench --allow-ffi --allow-read bench/handover_bench.ts`: the cost of
 * handing over an existing buffer, against an empty FFI call and the raw path.
 *
 * @module
 */

import { batched, copy, floor, nodeApiFloor, ours, oursPointerView, pooled, raw, region } from "./_cases.ts";
import { registerBenches } from "./_register.ts";

await registerBenches(
  "handover",
  [floor, ours, oursPointerView, nodeApiFloor, pooled, region, batched, raw, copy],
  ours,
);
