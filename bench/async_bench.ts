/**
 * `deno run --allow-ffi --allow-read --allow-run --allow-env bench/async_bench.ts [--write] [job-MB=1024]`:
 * nonblocking calls side by side with the synchronous call and a Worker, the
 * event loop's lag while a long job runs (blocking against the async wrapper),
 * concurrent calls against one, and what polling progress costs. Medians and
 * ratios, with the machine they ran on. `deno task bench` runs it after the
 * report with `--write` (and --allow-write=bench/results,docs,README.md), which
 * records the figures in bench/results/results.json; a small job-MB makes a
 * quick smoke run.
 *
 * @module
 */

import { lend, openDemo, openLibrary, startCall } from "../mod.ts";
import { describeMachine, loadAverage } from "./_machine.ts";
import type { AsyncReport } from "./_ratios.ts";
import { LagTimer } from "./_lag.ts";

const write = Deno.args.includes("--write");
const jobMiB = Number(Deno.args.filter((a) => a !== "--write")[0] ?? 1024);
const record: AsyncReport = {
  date: new Date().toISOString(),
  command: `deno run --allow-ffi --allow-read --allow-run --allow-env bench/async_bench.ts ${jobMiB}`,
  jobMiB,
  overhead: [],
  lag: [],
  progress: { withoutMs: 0, withMs: 0, readings: 0 },
  concurrency: [],
};
const demo = await openDemo();
const { library } = demo;
// The demo's symbols, each declared both ways: Deno decides per declaration.
const raw = await openLibrary({
  path: library.path,
  symbols: {
    sum: { name: "zc_sum_f64", parameters: ["buffer", "u32"], result: "f64" },
    sumAsync: { name: "zc_sum_f64", parameters: ["buffer", "u32"], result: "f64", nonblocking: true },
    histogram: { name: "zc_histogram", parameters: ["buffer", "u32", "buffer", "buffer"], result: "i32" },
  },
});

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const fmt = (ns: number) =>
  ns >= 1e6
    ? `${(ns / 1e6).toFixed(2)} ms`
    : ns >= 1e3
    ? `${(ns / 1e3).toFixed(1)} µs`
    : `${ns.toFixed(0)} ns`;

/** Median ns per call of `run` over batches that last about 10 ms each, for `ms` in all. */
async function time(run: () => unknown | Promise<unknown>, ms = 400): Promise<number> {
  const once = async () => {
    const start = performance.now();
    await run();
    return performance.now() - start;
  };
  for (const warm = performance.now(); performance.now() - warm < 50;) await once();
  const batch = Math.max(1, Math.round(10 / Math.max(await once(), 1e-4)));
  const samples: number[] = [];
  for (const start = performance.now(); performance.now() - start < ms || samples.length < 5;) {
    const t = performance.now();
    for (let i = 0; i < batch; i++) await run();
    samples.push(((performance.now() - t) / batch) * 1e6);
    if (samples.length >= 51) break;
  }
  return median(samples);
}

// A Worker that opens the library once and sums whatever buffer it is posted, posting it back.
const workerSource = `
  import { openLibrary } from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
  const lib = await openLibrary({ path: ${JSON.stringify(library.path)}, symbols: {
    sum: { name: "zc_sum_f64", parameters: ["buffer", "u32"], result: "f64" } } });
  self.onmessage = ({ data }) => {
    const values = new Float64Array(data);
    self.postMessage({ sum: lib.symbols.sum(values, values.length), buffer: data }, [data]);
  };
  self.postMessage("ready");`;
const worker = new Worker(URL.createObjectURL(new Blob([workerSource], { type: "text/javascript" })), {
  type: "module",
});
await new Promise((resolve) => worker.onmessage = resolve);
let posted = new ArrayBuffer(0);
const inWorker = (buffer: ArrayBuffer) =>
  new Promise<void>((resolve) => {
    worker.onmessage = ({ data }) => {
      posted = data.buffer;
      resolve();
    };
    worker.postMessage(buffer, [buffer]);
  });

const machine = describeMachine();
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, deno ${machine.deno}`);
console.log(`load average at start: ${machine.loadAverage.start}`);

console.log("\n## Call overhead (median per call)");
console.log(
  "| case | sync call | nonblocking raw | nonblocking wrapper | Worker, buffer posted | wrapper ÷ sync |",
);
console.log("|---|---|---|---|---|---|");
for (const [label, bytes] of [["empty", 0], ["sum 8 KB", 8 << 10], ["sum 100 MB", 100 << 20]] as const) {
  const values = new Float64Array(bytes / 8).fill(1);
  const sync = await time(() => raw.symbols.sum(lend(values), values.length));
  const rawAsync = await time(() => raw.symbols.sumAsync(values, values.length));
  const wrapped = await time(() => {
    const call = startCall("sum", undefined, [], [values], false);
    return call.settle(() => raw.symbols.sumAsync(values, values.length));
  });
  posted = new Float64Array(bytes / 8).fill(1).buffer;
  const worker = await time(() => inWorker(posted));
  record.overhead.push({ label, syncNs: sync, rawNs: rawAsync, wrapperNs: wrapped, workerNs: worker });
  console.log(
    `| ${label} | ${fmt(sync)} | ${fmt(rawAsync)} | ${fmt(wrapped)} | ${fmt(worker)} | ${
      (wrapped / sync).toFixed(2)
    }x |`,
  );
}
worker.terminate();

/** Lags of a 1 ms interval timer while `job` runs: how late each tick fired, in ms. */
async function lagDuring(job: () => Promise<unknown>): Promise<number[]> {
  using timer = new LagTimer();
  await new Promise((resolve) => setTimeout(resolve, 20));
  timer.restart();
  await job();
  await new Promise((resolve) => setTimeout(resolve, 5));
  return timer.lags;
}

{
  using bytes = demo.generate("u8", jobMiB << 20);
  console.log(`\n## Event-loop lag of a 1 ms timer during a ${jobMiB} MB histogram`);
  console.log("| call | job time | ticks | p50 lag | p99 lag | max lag |");
  console.log("|---|---|---|---|---|---|");
  const blockingStart = performance.now();
  const blocking = await lagDuring(async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    using pin = bytes.pin();
    using _bins = library.adopt("u64", (out) => raw.symbols.histogram(pin.descriptor, 0, null, out));
  });
  const blockingMs = performance.now() - blockingStart;
  const asyncStart = performance.now();
  const lagged = await lagDuring(async () => {
    using _bins = await demo.bindings.zc_histogram(bytes, 0);
  });
  const asyncMs = performance.now() - asyncStart;
  for (
    const [label, lags, ms] of [["blocking", blocking, blockingMs], [
      "async wrapper",
      lagged,
      asyncMs,
    ]] as const
  ) {
    record.lag.push({
      label,
      jobMs: ms,
      ticks: lags.length,
      p50Ms: percentile(lags, 50),
      p99Ms: percentile(lags, 99),
    });
    console.log(
      `| ${label} | ${ms.toFixed(0)} ms | ${lags.length} | ${percentile(lags, 50).toFixed(2)} ms | ${
        percentile(lags, 99).toFixed(2)
      } ms | ${Math.max(...lags).toFixed(2)} ms |`,
    );
  }

  console.log(`\n## Progress polling cost: ${jobMiB} MB histogram, median of 7 each, interleaved`);
  // Runs alternate, so that a change in the machine's load meets both sides alike.
  let readings = 0;
  const without: number[] = [];
  const withProgress: number[] = [];
  const once = async (options?: Parameters<typeof demo.bindings.zc_histogram>[2]) => {
    const start = performance.now();
    using _bins = await demo.bindings.zc_histogram(bytes, 0, options);
    return performance.now() - start;
  };
  await once();
  for (let i = 0; i < 7; i++) {
    without.push(await once());
    withProgress.push(await once({ onProgress: () => readings++ }));
  }
  record.progress = { withoutMs: median(without), withMs: median(withProgress), readings };
  console.log("| case | median | ratio |");
  console.log("|---|---|---|");
  console.log(`| no onProgress | ${median(without).toFixed(1)} ms | 1.00x |`);
  console.log(
    `| onProgress every 50 ms (${readings} readings in 7 runs) | ${median(withProgress).toFixed(1)} ms | ${
      (median(withProgress) / median(without)).toFixed(3)
    }x |`,
  );
}

{
  const each = Math.max(16, jobMiB >> 2);
  console.log(`\n## Concurrent async histograms over separate ${each} MB buffers (${machine.cores} cores)`);
  console.log("| N | wall time | throughput ÷ one call |");
  console.log("|---|---|---|");
  const buffers = [0, 1, 2, 3].map(() => demo.generate("u8", each << 20));
  let single = 0;
  for (const n of [1, 2, 4]) {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      const results = await Promise.all(buffers.slice(0, n).map((b) => demo.bindings.zc_histogram(b, 0)));
      times.push(performance.now() - start);
      for (const result of results) result[Symbol.dispose]();
    }
    const wall = median(times);
    if (n === 1) single = wall;
    record.concurrency.push({ calls: n, wallMs: wall });
    console.log(`| ${n} | ${wall.toFixed(1)} ms | ${((n * single) / wall).toFixed(2)}x |`);
  }
  for (const buffer of buffers) buffer[Symbol.dispose]();
}
console.log(`\nload average at end: ${loadAverage()}`);
if (write) {
  const { committedReport, writeDocs } = await import("./_docs.ts");
  const { withSectionRatios } = await import("./_ratios.ts");
  const full = withSectionRatios({ ...await committedReport(), async: record });
  await Deno.writeTextFile(
    new URL("./results/results.json", import.meta.url),
    JSON.stringify(full, null, 2) + "\n",
  );
  await writeDocs(full, false);
  console.log("Wrote bench/results/results.json and the tables in docs/");
}
