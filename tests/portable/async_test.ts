// Nonblocking calls run off the JavaScript thread: typed results, progress, and AbortSignal
// before, during and after the call.

import { openDemo } from "@zerocopy/zerocopy";
import { equal, liveAfterCollection, rejects, runtimeName, settledStats, test } from "./_harness.ts";

const demo = await openDemo();
const lib = demo.library;
const { zc_sum_f64_after, zc_histogram } = demo.bindings;

test(`${runtimeName}: a nonblocking call resolves to the typed result`, async () => {
  const values = demo.generate("f64", 1000);
  equal(await zc_sum_f64_after(values, 1), (1000 * 999) / 4);
  const bytes = demo.generate("u8", 100_000);
  const bins = await zc_histogram(bytes, 0);
  equal(bins.type, "u64");
  equal(bins.view[0], 391n);
  values[Symbol.dispose]();
  bytes[Symbol.dispose]();
  bins[Symbol.dispose]();
});

test(`${runtimeName}: an aborted signal before the call rejects and calls nothing`, async () => {
  const bytes = demo.generate("u8", 1000);
  const controller = new AbortController();
  controller.abort();
  let progress = 0;
  const error = await rejects(
    zc_histogram(bytes, 0, { signal: controller.signal, onProgress: () => progress++ }),
  );
  equal(error.name, "AbortError");
  equal(progress, 0);
  equal(bytes.state, "live");
  bytes[Symbol.dispose]();
});

test(`${runtimeName}: aborting during the call stops Zig, reports progress, frees what it made`, async () => {
  const before = await settledStats(() => lib.stats());
  const bytes = demo.generate("u8", 64 << 16);
  const controller = new AbortController();
  const readings: number[] = [];
  const pending = zc_histogram(bytes, 5_000, {
    signal: controller.signal,
    progressInterval: 5,
    onProgress: (done) => {
      readings.push(done);
      if (done >= 4 << 16) controller.abort();
    },
  });
  const error = await rejects(pending);
  equal(error.name, "AbortError");
  equal(readings.length > 0 && readings.at(-1)! < 64 << 16, true);
  bytes[Symbol.dispose]();
  equal(await liveAfterCollection(() => lib.stats(), before.liveBuffers), before.liveBuffers);
});

test(
  `${runtimeName}: a buffer disposed during a nonblocking call is freed when it returns`,
  async () => {
    const before = await settledStats(() => lib.stats());
    const values = demo.generate("f64", 100_000);
    const view = values.view;
    const sum = zc_sum_f64_after(values, 50);
    values[Symbol.dispose]();
    equal(view.length, 0);
    equal(values.state, "draining");
    equal(lib.stats().liveBuffers, before.liveBuffers + 1, "freed under the call:");
    equal(await sum, (100_000 * 99_999) / 4);
    equal(values.state, "disposed");
    equal(lib.stats().liveBuffers, before.liveBuffers);
  },
);
