/**
 * The walkthrough: Zig allocates, JavaScript reads the same memory with no copy,
 * and every buffer is freed exactly once.
 *
 *     ./tools/demo.sh                       # no Zig needed: the committed prebuilt library
 *     zig build --release=safe              # or build libzerocopy from source, then:
 *     deno run --allow-ffi examples/demo.ts
 *
 * @module
 */

import { openDemo, Region, type ZeroCopyBuffer } from "../mod.ts";

const MB = 1024 * 1024;
const demo = await openDemo();
const lib = demo.library;

function section(title: string): void {
  console.log(`\n== ${title} ==`);
}

function timed<T>(run: () => T): [T, number] {
  const start = performance.now();
  const result = run();
  return [result, performance.now() - start];
}

function checkPattern(buffer: ZeroCopyBuffer<"i32">): boolean {
  const view = buffer.view;
  for (let i = 0; i < view.length; i++) if (view[i] !== (i | 0)) return false;
  return true;
}

console.log(`zerocopy demo: ${lib.path} (ABI ${lib.abiVersion}), ${navigator.userAgent}`);

section("1. Small transfer");
{
  using small = demo.generate("i32", 1000);
  console.log(`Zig handed over ${small.length} i32 (${small.byteLength} bytes)`);
  console.log(`first 10: [${Array.from(small.view.subarray(0, 10)).join(", ")}]`);
}

section("2. Large transfers");
for (const bytes of [4 * MB, 100 * MB]) {
  const [buffer, ms] = timed(() => demo.generate("i32", bytes / 4));
  using large = buffer;
  console.log(
    `${(bytes / MB).toFixed(0).padStart(4)} MB: ${large.length} i32 filled by Zig and handed over in ${
      ms.toFixed(1)
    } ms; last = ${large.view[large.length - 1]}`,
  );
}

section("3. Data integrity and shared memory");
{
  using buffer = demo.generate("i32", 25 * MB);
  const [intact, ms] = timed(() => checkPattern(buffer));
  console.log(
    `all ${buffer.length} elements hold the pattern Zig wrote: ${intact} (checked in ${ms.toFixed(1)} ms)`,
  );
  const before = demo.checksum(buffer);
  buffer.view[12345] = -1;
  const after = demo.checksum(buffer);
  console.log(
    `Zig's checksum before/after a write made in JavaScript: ${before} / ${after} (the memory is shared: ${
      before !== after
    })`,
  );
}

section("4. Proper cleanup");
{
  const view = (() => {
    using buffer = demo.generate("f64", 1000);
    console.log(`while alive: ${JSON.stringify(lib.stats())}`);
    return buffer.view;
  })();
  const stats = lib.stats();
  console.log(`after dispose: ${JSON.stringify(stats)}`);
  console.log(`a view kept past dispose now has length ${view.length}, so it cannot read freed memory`);
  if (stats.liveBuffers !== 0 || stats.liveBytes !== 0) {
    throw new Error("live allocations did not return to 0");
  }
}

section("5. The handover alone vs copying the same bytes");
{
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const format = (ms: number) => ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(1)} µs`;
  /** Median milliseconds per call of `run`, over `rounds` rounds of `calls` calls. */
  const timePerCall = (rounds: number, calls: number, run: () => void) =>
    median(Array.from({ length: rounds }, () =>
      timed(() => {
        for (let i = 0; i < calls; i++) run();
      })[1] / calls));
  // A region mapped once: Zig fills it, then hands the filled bytes over again
  // as often as we like, so the handover is timed without the fill.
  using region = Region.create(lib, 100 * MB);
  for (const mb of [1, 10, 100]) {
    const length = mb * MB / 4;
    const fill = timePerCall(5, 1, () => {
      region.reset();
      region.adopt("i32", (out) => lib.symbols.zc_region_generate_i32(length, out));
    });
    let view = new Int32Array(0);
    const handOver = timePerCall(5, 1000, () => {
      region.reset();
      view = region.adopt("i32", (out) => lib.symbols.zc_region_hand_over_i32(length, out));
    });
    if (view.length !== length || view[length - 1] !== length - 1) {
      throw new Error("the handover lost the fill");
    }
    const copy = timePerCall(5, 1, () => view.slice());
    console.log(
      `${String(mb).padStart(3)} MB: handover alone ${
        format(handOver)
      } (a region slice, reset included); copying the same bytes ` +
        `${format(copy)}: ${Math.round(copy / handOver).toLocaleString("en-US")}x the handover`,
    );
    console.log(`        the fill on its own (Zig writes ${mb} MB): ${format(fill)}`);
  }
  console.log(`(every handover path against its peers: "deno task bench")`);
}

console.log(`\ndone: ${lib.stats().liveBuffers} buffers live`);
