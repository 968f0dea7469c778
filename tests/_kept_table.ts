// What tests/_terminated_worker.ts lends to a stream whose consumer keeps it, built alike on both sides.

import { type Table, tableFromArrays } from "apache-arrow";

/** Ten thousand f64s in JavaScript memory, the same on every call. */
export function keptTable(): Table {
  return tableFromArrays({ x: Float64Array.from({ length: 10_000 }, (_, i) => i / 8) });
}
