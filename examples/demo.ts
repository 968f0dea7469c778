/**
 * The walkthrough: Zig allocates, Deno reads the same memory with no copy,
 * and every buffer is freed exactly once.
 *
 *     deno run --allow-ffi examples/demo.ts
 *
 * @module
 */

import { openDemo, type ZeroCopyBuffer } from "../mod.ts";

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

console.log(`zerocopy demo: ${lib.path} (ABI ${lib.abiVersion}), Deno ${Deno.version.deno}`);

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
    `Zig's checksum before/after a write made in Deno: ${before} / ${after} (the memory is shared: ${
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

section("5. Zero-copy vs copying 100 MB");
{
  const length = 100 * MB / 4;
  const rounds = 5;
  const handover: number[] = [];
  const copying: number[] = [];
  for (let round = 0; round < rounds; round++) {
    handover.push(timed(() => demo.generate("i32", length)[Symbol.dispose]())[1]);
    copying.push(
      timed(() => {
        using buffer = demo.generate("i32", length);
        return buffer.view.slice();
      })[1],
    );
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const zeroCopy = median(handover);
  const copied = median(copying);
  console.log(`Zig fill + zero-copy handover + free: ${zeroCopy.toFixed(1)} ms (median of ${rounds})`);
  console.log(`the same, then copied into a JS-owned buffer: ${copied.toFixed(1)} ms`);
  console.log(
    `the copy alone adds ${(copied - zeroCopy).toFixed(1)} ms: ${
      (copied / zeroCopy).toFixed(2)
    }x the zero-copy path`,
  );
  console.log(`(the handover alone, without the fill, is measured by "deno task bench")`);
}

console.log(`\ndone: ${lib.stats().liveBuffers} buffers live`);
