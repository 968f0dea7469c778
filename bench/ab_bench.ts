/**
 * `ZEROCOPY_AB_BASE=<checkout> deno bench --allow-ffi --allow-read --allow-env=ZEROCOPY_AB_BASE bench/ab_bench.ts`:
 * the figures a change must not slow down, for this checkout and another one
 * (its `mod.ts`, `arrow.ts` and built `zig-out/lib/libzerocopy.so`) in the same
 * process, interleaved by `deno bench`, so that both see the same machine at
 * the same time. Each group's baseline is the other checkout; `deno bench`
 * prints this checkout's time as a multiple of it. Build both libraries with
 * the same flags first (`zig build --release=safe install` in each).
 *
 * @module
 */

import { tableFromArrays } from "apache-arrow";

interface Side {
  label: string;
  root: string;
}

const base = Deno.env.get("ZEROCOPY_AB_BASE");
if (base === undefined) throw new Error("set ZEROCOPY_AB_BASE to the checkout to compare with");
const sides: Side[] = [
  { label: "base", root: new URL(`file://${base.replace(/\/$/, "")}/`).href },
  { label: "this", root: new URL("../", import.meta.url).href },
];

// Results land here so the JIT cannot drop what a case computes.
let sink: unknown;

const table = tableFromArrays({
  id: Int32Array.from({ length: 1000 }, (_, i) => i),
  value: Float64Array.from({ length: 1000 }, (_, i) => i / 4),
  flag: Uint8Array.from({ length: 1000 }, (_, i) => i & 1),
});
const values = Float64Array.from({ length: 1024 }, (_, i) => i * 0.5);

for (const side of sides) {
  // Each side's own module and library: two libraries in one process, as two users would load them.
  const mod = await import(`${side.root}mod.ts`);
  const arrow = await import(`${side.root}arrow.ts`);
  const path = new URL("zig-out/lib/libzerocopy.so", side.root).pathname;
  const demo = await mod.openDemo({ path });
  const lib = demo.library;
  const baseline = side.label === "base";
  Deno.bench({
    name: `handover 8 KB (${side.label})`,
    group: "handover 8 KB: generate + dispose",
    baseline,
    fn: () => {
      const buffer = demo.generate("u8", 8192);
      sink = buffer.view[0];
      buffer[Symbol.dispose]();
    },
  });
  Deno.bench({
    name: `lend 8 KB (${side.label})`,
    group: "lend 8 KB: Zig sums a lent Float64Array",
    baseline,
    fn: () => {
      sink = lib.symbols.zc_sum_f64(mod.lend(values), values.length);
    },
  });
  const out = new BigUint64Array(1);
  Deno.bench({
    name: `Arrow lend (${side.label})`,
    group: "Arrow lend: 3 columns × 1000 rows checksummed",
    baseline,
    fn: () => {
      sink = arrow.lendBatch(
        lib,
        table.batches[0],
        (schema: Uint8Array, array: Uint8Array) => lib.symbols.zc_arrow_checksum(schema, array, out),
      );
    },
  });
}

addEventListener("unload", () => void sink);
