/**
 * `deno bench --allow-ffi --allow-read bench/lending_bench.ts`: a Zig SIMD sum
 * over a lent Float64Array against the same loop in TypeScript and the memory-read floor.
 *
 * @module
 */

import { readFloor, tsSum, zigSum } from "./_cases.ts";
import { registerBenches } from "./_register.ts";

await registerBenches("lending", [readFloor, zigSum, tsSum], readFloor);
