/**
 * `deno run --allow-ffi --allow-read --allow-env --allow-run bench/regression.ts <base checkout> [rounds]`:
 * the figures a change must not slow down (a handover, a lend, an Arrow lend),
 * for this checkout and another one: each side's own `mod.ts`, `arrow.ts` and
 * built `zig-out/lib/libzerocopy.so` (build both with the same flags first,
 * e.g. `zig build --release=safe install` in each). Each round measures each
 * side in a process of its own, alternating which goes first, so that both
 * see the machine at the same moments and neither shares a process (and its
 * compiled code) with the other; it prints each case's median of the rounds'
 * medians and the ratio this ÷ base.
 *
 * @module
 */

import { tableFromArrays } from "apache-arrow";
import { measure, median } from "./_timing.ts";

interface Side {
  readonly label: "base" | "this";
  readonly root: string;
}

// Results land here so the JIT cannot drop what a case computes.
let sink: unknown;
const regression = Symbol("regression");

const table = tableFromArrays({
  id: Int32Array.from({ length: 1000 }, (_, i) => i),
  value: Float64Array.from({ length: 1000 }, (_, i) => i / 4),
  flag: Uint8Array.from({ length: 1000 }, (_, i) => i & 1),
});
const values = Float64Array.from({ length: 1024 }, (_, i) => i * 0.5);

type Cases = Record<string, () => void>;

/** The cases of one side, over its own module and library: two libraries in one process, as two users would load them. */
async function casesOf(side: Side): Promise<Cases> {
  const mod = await import(`${side.root}mod.ts`);
  const arrow = await import(`${side.root}arrow.ts`);
  const demo = await mod.openDemo({ path: new URL("zig-out/lib/libzerocopy.so", side.root).pathname });
  const lib = demo.library;
  const out = new BigUint64Array(1);
  return {
    "handover 8 KB (generate + dispose)": () => {
      const buffer = demo.generate("u8", 8192);
      sink = buffer.view[0];
      buffer[Symbol.dispose]();
    },
    "lend 8 KB (Zig sums a lent Float64Array)": () => {
      sink = lib.symbols.zc_sum_f64(mod.lend(values), values.length);
    },
    "Arrow lend (3 columns × 1000 rows checksummed)": () => {
      sink = arrow.lendBatch(
        lib,
        table.batches[0],
        (schema: Uint8Array, array: Uint8Array) => lib.symbols.zc_arrow_checksum(schema, array, out),
      );
    },
  };
}

if (Deno.args[0] === "--side") {
  // A child: one side's cases, once each, as JSON on stdout.
  const cases = await casesOf({ label: "this", root: Deno.args[1] });
  const medians: Record<string, number> = {};
  for (const [name, run] of Object.entries(cases)) {
    medians[name] = (await measure(run, { ms: 400, minSamples: 5, maxSamples: 41 })).medianNs;
  }
  console.log(JSON.stringify(medians));
  if (sink === regression) console.error("unreachable: read so that no case's result is dropped");
  Deno.exit(0);
}

const [base, roundsArgument = "6"] = Deno.args;
if (base === undefined) throw new Error("usage: bench/regression.ts <base checkout> [rounds]");
const sides: Side[] = [
  { label: "base", root: new URL(`file://${base.replace(/\/$/, "")}/`).href },
  { label: "this", root: new URL("../", import.meta.url).href },
];
const runs = new Map<string, number[]>();
for (let round = 0; round < Number(roundsArgument); round++) {
  for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-ffi", "--allow-read", "--allow-env", import.meta.filename!, "--side", side.root],
      stderr: "inherit",
    });
    const { success, stdout } = await child.output();
    if (!success) throw new Error(`the ${side.label} side failed`);
    for (
      const [name, ns] of Object.entries(
        JSON.parse(new TextDecoder().decode(stdout)) as Record<string, number>,
      )
    ) {
      runs.set(`${name}|${side.label}`, [...(runs.get(`${name}|${side.label}`) ?? []), ns]);
    }
  }
}
console.log(`${roundsArgument} rounds, each side in its own process; median of the rounds' medians`);
for (const key of runs.keys()) {
  if (!key.endsWith("|base")) continue;
  const name = key.slice(0, -"|base".length);
  const of = (label: string) => median(runs.get(`${name}|${label}`)!.toSorted((a, b) => a - b));
  const [b, t] = [of("base"), of("this")];
  console.log(
    `${name}: base ${(b / 1000).toFixed(3)} µs, this ${(t / 1000).toFixed(3)} µs, this ÷ base ${
      (t / b).toFixed(3)
    }`,
  );
}
