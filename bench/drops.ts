/**
 * Drops: `count` buffers of 64 KB handed over, written to and dropped without
 * dispose, with a turn of the event loop after each (where the safety net's
 * callbacks run), as a long-running service that forgets to dispose would.
 * Prints the peak resident memory and the peak of what Zig counts live, per
 * mapping, side by side; exits 1 when a mapping peaks above `limit` MB of RSS.
 *
 *     deno run --allow-ffi bench/drops.ts [count=100000] [limit=200]
 *
 * No --expose-gc: only the garbage collector's own pace frees what is dropped.
 *
 * @module
 */

import { openDemo } from "../mod.ts";

const count = Number(Deno.args[0] ?? 100_000);
const limit = Number(Deno.args[1] ?? 200);
const BYTES = 64 * 1024;
const MB = 1024 * 1024;

/** Runs the drops under one mapping; returns the peaks in MB. */
async function run(mapping: "node-api" | "pointer-view"): Promise<{ rss: number; live: number }> {
  const demo = await openDemo({ mapping });
  const lib = demo.library;
  const base = lib.stats().liveBytes;
  let rss = 0;
  let live = 0;
  for (let i = 0; i < count; i++) {
    lib.allocate("u8", BYTES).view[i % BYTES] = 1;
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (i % 500 === 0) {
      rss = Math.max(rss, Deno.memoryUsage().rss);
      live = Math.max(live, lib.stats().liveBytes - base);
    }
  }
  return { rss: rss / MB, live: live / MB };
}

if (Deno.args[2] === "node-api" || Deno.args[2] === "pointer-view") {
  console.log(JSON.stringify(await run(Deno.args[2])));
  Deno.exit(0);
}

let failed = false;
const results: Record<string, { rss: number; live: number }> = {};
// Each in a fresh process, so one mapping's heap does not shape the other's.
for (const mapping of ["node-api", "pointer-view"] as const) {
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-ffi", "--allow-env", import.meta.filename!, String(count), String(limit), mapping],
    stderr: "inherit",
  }).output();
  if (!child.success) Deno.exit(1);
  results[mapping] = JSON.parse(new TextDecoder().decode(child.stdout));
}
for (const [mapping, { rss, live }] of Object.entries(results)) {
  const over = rss > limit;
  failed ||= over;
  console.log(
    `${mapping.padEnd(12)} peak RSS ${rss.toFixed(0).padStart(4)} MB, peak live ${
      live.toFixed(0).padStart(4)
    } MB${over ? `  (over ${limit} MB)` : ""}`,
  );
}
console.log(
  `pointer-view / node-api peak RSS: ${(results["pointer-view"].rss / results["node-api"].rss).toFixed(2)}`,
);
if (failed) Deno.exit(1);
