// Generated nonblocking wrappers: what they pass stays alive and pinned for the
// call, abort works before, during and after it, and progress comes from the
// job memory Zig shares, under the mapping of the run and, where the run may,
// both mappings side by side.

import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { type Demo, type MappingKind, openDemo, startCall, ZeroCopyError } from "../mod.ts";
import { demo, hooks, lib, UNSCOPED_FFI } from "./_helpers.ts";

const { zc_sum_f64_after, zc_histogram } = demo.bindings;

/** The sum of the demo pattern `i / 2` over `length` elements. */
const patternSum = (length: number) => (length * (length - 1)) / 4;

/** Bins of a histogram over the demo's u8 pattern (`i` wrapped to a byte). */
function expectedBins(length: number): bigint[] {
  const bins = new Array<bigint>(256).fill(0n);
  for (let i = 0; i < length; i++) bins[i & 255]++;
  return bins;
}

/** The mappings this run can open: pointer-view needs `--allow-ffi` without a path. */
const mappings: MappingKind[] = UNSCOPED_FFI ? ["node-api", "pointer-view"] : ["node-api"];
const opened = new Map<MappingKind, Demo>();
for (const mapping of mappings) opened.set(mapping, await openDemo({ path: lib.path, mapping }));

describe("a nonblocking wrapper", () => {
  it("returns the typed result: a number, and a ZeroCopyBuffer for a handover", async () => {
    using values = demo.generate("f64", 1000);
    assertAlmostEquals(await zc_sum_f64_after(values, 1), patternSum(1000));
    using bytes = demo.generate("u8", 100_000);
    using bins = await zc_histogram(bytes, 0);
    assertEquals(bins.type, "u64");
    assertEquals(Array.from(bins.view), expectedBins(100_000));
  });

  it("turns a bad argument into a rejection and passes nothing", async () => {
    const before = lib.stats();
    using values = demo.generate("f64", 4);
    const error = await assertRejects(() => zc_sum_f64_after(values, -1), ZeroCopyError);
    assertEquals(error.code, "INVALID_ARGUMENT");
    const raw = await assertRejects(() => zc_sum_f64_after(values.view as never, 1), ZeroCopyError);
    assertEquals(raw.code, "INVALID_ARGUMENT");
    const disposed = demo.generate("f64", 4);
    disposed[Symbol.dispose]();
    assertEquals((await assertRejects(() => zc_sum_f64_after(disposed, 1), ZeroCopyError)).code, "DISPOSED");
    const options = { signal: "stop" } as never;
    assertEquals(
      (await assertRejects(() => zc_sum_f64_after(values, 1, options), ZeroCopyError)).code,
      "INVALID_ARGUMENT",
    );
    assertEquals(values.state, "live");
    values[Symbol.dispose]();
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  });

  for (const mapping of mappings) {
    it(`waits for the call when the buffer is disposed during it (${mapping})`, async () => {
      const opened_demo = opened.get(mapping)!;
      const before = opened_demo.library.stats();
      const values = opened_demo.generate("f64", 100_000);
      const view = values.view;
      const sum = opened_demo.bindings.zc_sum_f64_after(values, 100);
      values[Symbol.dispose]();
      assertEquals(view.length, 0);
      assertEquals(values.state, "draining");
      assertEquals(opened_demo.library.stats().liveBuffers, before.liveBuffers + 1, "freed under the call");
      assertAlmostEquals(await sum, patternSum(100_000));
      assertEquals(values.state, "disposed");
      assertEquals(opened_demo.library.stats().liveBuffers, before.liveBuffers);
      assertEquals(opened_demo.library.stats().liveBytes, before.liveBytes);
    });

    it(`keeps the memory when the ArrayBuffer is moved during the call (${mapping})`, async () => {
      const opened_demo = opened.get(mapping)!;
      const before = opened_demo.library.stats();
      const values = opened_demo.generate("f64", 100_000);
      const sum = opened_demo.bindings.zc_sum_f64_after(values, 100);
      const moved = new Float64Array(values.view.buffer.transfer());
      assertAlmostEquals(await sum, patternSum(100_000));
      // The moved view still reads what Zig wrote: nothing was freed under it.
      assertEquals(moved[99_999], 99_999 / 2);
      assertEquals(opened_demo.library.stats().liveBuffers, before.liveBuffers + 1);
      // The buffer now knows its memory moved: under node-api the moved ArrayBuffer
      // frees it when it dies (tests/gc/async_moved_test.ts); under pointer-view it
      // is left to the moved view, never freed under it.
      try {
        values[Symbol.dispose]();
      } catch (error) {
        assertEquals(mapping, "pointer-view");
        assertEquals((error as ZeroCopyError).code, "MOVED");
      }
      assertEquals(values.state, "moved");
      assertEquals(moved[0], 0);
    });
  }

  it("keeps a lent array referenced and refuses one moved during the call", async () => {
    const call = startCall("zc_sum_f64", undefined, [], [new Float64Array(4)], false);
    assertEquals(await call.settle(() => Promise.resolve(7)), 7);
    const lent = new Float64Array(8);
    const moving = startCall("zc_sum_f64", undefined, [], [lent], false);
    const error = await assertRejects(
      () =>
        moving.settle(() => {
          lent.buffer.transfer();
          return Promise.resolve(0);
        }),
      ZeroCopyError,
    );
    assertEquals(error.code, "DETACHED");
    assertEquals(
      assertThrows(() => startCall("f", undefined, [], [lent], false), ZeroCopyError).code,
      "DETACHED",
    );
  });
});

describe("abort", () => {
  it("before the call rejects with the signal's reason and calls nothing", async () => {
    const before = lib.stats();
    using bytes = demo.generate("u8", 1 << 20);
    const reason = new DOMException("stop", "AbortError");
    const controller = new AbortController();
    controller.abort(reason);
    let progress = 0;
    const rejected = await assertRejects(() =>
      zc_histogram(bytes, 0, { signal: controller.signal, onProgress: () => progress++ })
    );
    assertStrictEquals(rejected, reason);
    assertEquals(progress, 0);
    assertEquals(bytes.state, "live");
    assertEquals(lib.stats().totalHandedOver, before.totalHandedOver + 1, "only the input was handed over");
  });

  it("during the call stops Zig at its next chunk, frees what it made, and rejects with the reason", async () => {
    const before = lib.stats();
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
    const error = await assertRejects(() => pending);
    assertEquals((error as DOMException).name, "AbortError");
    assert(readings.at(-1)! < 64 << 16, `Zig ran to the end: ${readings}`);
    bytes[Symbol.dispose]();
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  });

  it("after the call has no effect", async () => {
    using bytes = demo.generate("u8", 1000);
    const controller = new AbortController();
    using bins = await zc_histogram(bytes, 0, { signal: controller.signal });
    controller.abort();
    assertEquals(bins.view[0], 4n);
    assertEquals(bins.state, "live");
  });

  it("of a Zig function that ignores the token waits for it, then rejects", async () => {
    const controller = new AbortController();
    const started = performance.now();
    const call = startCall("zc_sleep_ignoring_job", { signal: controller.signal }, [], [], true);
    const pending = call.settle(() => hooks.symbols.zc_sleep_ignoring_job(200, call.job));
    setTimeout(() => controller.abort(), 10);
    const error = await assertRejects(() => pending);
    assertEquals((error as DOMException).name, "AbortError");
    assert(performance.now() - started >= 190, "settled before the native call returned");
  });

  it("without a signal, a cancelled status is a CANCELLED error", async () => {
    using bytes = demo.generate("u8", 4 << 16);
    const call = startCall("zc_histogram", undefined, [bytes], [], true);
    const job = new Uint32Array(call.job!.buffer);
    job[4] = 1; // the cancel flag, set by hand
    const before = lib.stats();
    const error = await assertRejects(
      () =>
        lib.adoptAsync(
          "u64",
          (out) => call.settle(() => lib.symbols.zc_histogram(call.descriptors[0], 0, call.job, out)),
        ),
      ZeroCopyError,
    );
    assertEquals(error.code, "CANCELLED");
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  });
});

describe("progress", () => {
  it("is monotonic and ends at the total", async () => {
    const length = 40 << 16;
    using bytes = demo.generate("u8", length);
    const readings: [number, number][] = [];
    using bins = await zc_histogram(bytes, 2_000, {
      progressInterval: 5,
      onProgress: (done, total) => readings.push([done, total]),
    });
    assertEquals(bins.view[7], BigInt(length / 256));
    assert(readings.length >= 3, `too few readings to show progress: ${readings}`);
    for (let i = 1; i < readings.length; i++) {
      assert(readings[i][0] >= readings[i - 1][0], `not monotonic: ${readings}`);
    }
    assertEquals(readings.at(-1), [length, length]);
  });

  it("an error thrown by onProgress rejects the call once it returns, and frees its result", async () => {
    const before = lib.stats();
    using bytes = demo.generate("u8", 8 << 16);
    const oops = new Error("bar broke");
    const error = await assertRejects(() =>
      zc_histogram(bytes, 1_000, {
        progressInterval: 1,
        onProgress: () => {
          throw oops;
        },
      })
    );
    assertStrictEquals(error, oops);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1, "only the input is live");
  });
});
