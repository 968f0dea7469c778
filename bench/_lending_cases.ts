/**
 * The lending cases: Zig reads a Float64Array Deno owns and lends for the
 * call, against a TypeScript loop and the memory-read floor.
 *
 * @module
 */

import { lend } from "../mod.ts";
import { type Case, prepared, upTo } from "./_case.ts";
import type { Size } from "./_timing.ts";

// Results land here so the JIT cannot drop a sum nobody reads.
let sink: unknown;

/** Reads the sink, so the last result of every lending case is observably used. */
export function drainLending(): unknown {
  return sink;
}

const lentValues = new Map<Size, Float64Array<ArrayBuffer>>();

/**
 * A Float64Array of `size` owned by Deno, as lending starts from; one per size,
 * shared by the three lending cases so they read the same, written, bytes
 * (untouched pages would all map the kernel's zero page and read from cache).
 */
function ownedValues(size: Size): Float64Array<ArrayBuffer> {
  let values = lentValues.get(size);
  if (values === undefined) {
    values = new Float64Array(size.bytes / 8);
    for (let i = 0; i < values.length; i++) values[i] = i * 0.5;
    lentValues.set(size, values);
  }
  return values;
}

const lentSizes = upTo("1 GB");

/** Lending: Zig sums a Float64Array Deno lends for the call, with SIMD. */
export const zigSum: Case = {
  group: "lending",
  key: "zig_sum",
  name: "Zig SIMD sum of a lent Float64Array",
  sizes: lentSizes,
  prepare: (lib, size) => {
    const values = ownedValues(size);
    const sum = lib.symbols.bench_sum_f64;
    return prepared(() => {
      sink = sum(lend(values), values.length);
    });
  },
};

/** The same reduction as a TypeScript loop. */
export const tsSum: Case = {
  group: "lending",
  key: "ts_sum",
  name: "TypeScript loop sum",
  sizes: lentSizes,
  prepare: (_lib, size) => {
    const values = ownedValues(size);
    return prepared(() => {
      let total = 0;
      for (let i = 0; i < values.length; i++) total += values[i];
      sink = total;
    });
  },
};

/** The memory-read floor: Zig loads every u64 word of the same bytes and adds them. */
export const readFloor: Case = {
  group: "lending",
  key: "read_floor",
  name: "Zig u64 read floor",
  sizes: lentSizes,
  prepare: (lib, size) => {
    const words = new BigUint64Array(ownedValues(size).buffer);
    const read = lib.symbols.bench_read_floor;
    return prepared(() => {
      sink = read(lend(words), words.length);
    });
  },
};
