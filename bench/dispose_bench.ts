/**
 * What `[Symbol.dispose]()` costs on the JavaScript thread at 8 KB, 100 MB and
 * 1 GB (filled buffers of the library's own allocator, whose pages must go
 * back to the system), and the event loop's p99 lag while the biggest is
 * released. A buffer of 1 MiB or more is freed on the library's release
 * thread, so dispose returns without waiting for its pages.
 *
 *     deno run --allow-ffi --allow-read --allow-env bench/dispose_bench.ts [--write] [sizes in MiB...]
 *
 * Sizes default to 0.0078125 (8 KB), 100 and 1024; small ones make a quick
 * smoke run (`... bench/dispose_bench.ts 0.0078125 4 16`). `--write` (with
 * --allow-write=bench/results,docs,README.md) records the run in results.json.
 *
 * @module
 */

import { flushReleases, openDemo, releaseBacklog } from "../mod.ts";
import { LagTimer } from "./_lag.ts";

const write = Deno.args.includes("--write");
const mebibytes = Deno.args.filter((a) => a !== "--write").map(Number);
const sizes = (mebibytes.length > 0 ? mebibytes : [8 / 1024, 100, 1024]).map((mib) =>
  Math.round(mib * 2 ** 20)
);
const { library: lib } = await openDemo();

const label = (bytes: number) =>
  bytes >= 2 ** 30
    ? `${bytes / 2 ** 30} GB`
    : bytes >= 2 ** 20
    ? `${bytes / 2 ** 20} MB`
    : `${bytes / 1024} KB`;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
};

/**
 * Memory streamed through before every timed dispose, whatever its size. A
 * fill leaves the CPU's caches and TLB as cold as it was big, and a dispose
 * after a big fill pays several microseconds to reload its own objects and
 * code: an 8 KB dispose after the same pass costs what a 1 GB one does. Each
 * sample therefore starts from the same cold caches, so that the sizes differ
 * only in what dispose itself does with them.
 */
const scratch = new Uint8Array(256 * 2 ** 20);

/** Median ns of one dispose of a filled buffer of `bytes`; allocation, fill and the pass are not timed. */
function disposeNs(bytes: number): number {
  const samples = bytes >= 2 ** 28 ? 7 : bytes >= 2 ** 24 ? 15 : 101;
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const buffer = lib.allocate("u8", bytes);
    buffer.view.fill(1);
    scratch.fill(i);
    // An untimed dispose of a small buffer warms the code of the path, as
    // any program that disposes more than once has it.
    lib.allocate("u8", 8192)[Symbol.dispose]();
    const start = performance.now();
    buffer[Symbol.dispose]();
    times.push((performance.now() - start) * 1e6);
    // Each sample starts with nothing left to free, as a lone dispose would.
    flushReleases(lib);
  }
  return percentile(times, 0.5);
}

/**
 * The event loop's p99 lag (ms) while a dispose of `bytes` is released: the
 * lags of a 1 ms timer from the dispose until the release thread has freed it
 * (or, for a release on this thread, the dispose's own tick), and 5 ms after.
 */
async function lagWhileReleasing(bytes: number): Promise<{ p99: number; max: number; idleP99: number }> {
  const buffer = lib.allocate("u8", bytes);
  buffer.view.fill(1);
  using timer = new LagTimer();
  await new Promise((resolve) => setTimeout(resolve, 50));
  // The same timer with nothing being released: what the machine itself adds.
  timer.restart();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const idleP99 = percentile(timer.lags, 0.99);
  timer.restart();
  buffer[Symbol.dispose]();
  while (releaseBacklog(lib).buffers > 0) await new Promise((resolve) => setTimeout(resolve, 1));
  await new Promise((resolve) => setTimeout(resolve, 5));
  const lags = timer.lags;
  return { p99: percentile(lags, 0.99), max: Math.max(...lags), idleP99 };
}

const medianNs: Record<string, number> = {};
for (const bytes of sizes) {
  medianNs[label(bytes)] = disposeNs(bytes);
  console.log(`dispose ${label(bytes)}: ${(medianNs[label(bytes)] / 1000).toFixed(1)} µs`);
}
const biggest = Math.max(...sizes);
const lag = await lagWhileReleasing(biggest);
const lagP99Ms = lag.p99;
console.log(
  `event-loop lag of a 1 ms timer while ${label(biggest)} is released: p99 ${lagP99Ms.toFixed(2)} ms, ` +
    `max ${lag.max.toFixed(2)} ms (p99 ${lag.idleP99.toFixed(2)} ms with nothing released)`,
);

if (write) {
  const { committedReport, writeDocs } = await import("./_docs.ts");
  const { withSectionRatios } = await import("./_ratios.ts");
  const dispose = {
    date: new Date().toISOString(),
    command: "deno run --allow-ffi --allow-read --allow-env bench/dispose_bench.ts",
    medianNs,
    lagP99Ms,
    idleLagP99Ms: lag.idleP99,
  };
  const full = withSectionRatios({ ...await committedReport(), dispose });
  await Deno.writeTextFile(
    new URL("./results/results.json", import.meta.url),
    JSON.stringify(full, null, 2) + "\n",
  );
  await writeDocs(full, false);
  console.log("Wrote bench/results/results.json and the tables in docs/");
}
