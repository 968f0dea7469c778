/**
 * `deno bench --allow-ffi --allow-read bench/approaches_bench.ts`: the copying
 * approaches (serialization, element-by-element reads, fill + handover) against ours.
 *
 * @module
 */

import { elementReads, fillAndHandOver, json, ours, oursWithUsing } from "./_cases.ts";
import { registerBenches } from "./_register.ts";

await registerBenches("approaches", [ours, oursWithUsing, fillAndHandOver, json, elementReads], ours);
