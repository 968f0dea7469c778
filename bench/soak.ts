/**
 * Soak: hands buffers over and disposes them, of mixed element types and
 * sizes, then prints the live allocations and how much resident memory grew
 * after warm-up. Exits 1 if anything is still live or RSS grew more than 5 %.
 *
 *     deno run --allow-ffi --v8-flags=--expose-gc bench/soak.ts [cycles=1000000]
 *
 * @module
 */

import { ELEMENT_TYPES, openDemo } from "../mod.ts";

const cycles = Number(Deno.args[0] ?? 1_000_000);
// Long enough for V8 and malloc to reach their steady state (about 50,000 cycles).
const warmUp = Math.min(Math.floor(cycles / 2), Math.max(50_000, Math.floor(cycles / 10)));
const maxGrowth = 0.05;
const lengths = [0, 1, 3, 64, 1000, 4096, 65_536];
const demo = await openDemo();
const lib = demo.library;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

// A fixed-seed generator, so every run does the same mix.
let seed = 0x2545f491;
function random(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}

/** One handover and its end: dispose, `using`, or given back for Zig to free. */
function cycle(): void {
  const type = ELEMENT_TYPES[random(ELEMENT_TYPES.length)];
  const length = lengths[random(lengths.length)];
  switch (random(3)) {
    case 0: {
      using buffer = demo.generate(type, length);
      if (length > 0 && buffer.view[length - 1] === undefined) {
        throw new Error("view misses its last element");
      }
      break;
    }
    case 1: // allocate() refuses 0 elements: nothing to fill
      lib.allocate(type, Math.max(1, length))[Symbol.dispose]();
      break;
    default:
      lib.giveBack(demo.generate(type, length), (descriptor) => lib.symbols.zc_consume(descriptor));
  }
}

function rss(): number {
  gc();
  return Deno.memoryUsage().rss;
}

const start = performance.now();
for (let i = 0; i < warmUp; i++) cycle();
const baseline = rss();
for (let i = warmUp; i < cycles; i++) cycle();
const final = rss();
const seconds = (performance.now() - start) / 1000;

const stats = lib.stats();
const growth = (final - baseline) / baseline;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
console.log(`handovers: ${stats.totalHandedOver} (${cycles} cycles in ${seconds.toFixed(1)} s)`);
console.log(`released:  ${stats.totalReleased}`);
console.log(`live at the end: ${stats.liveBuffers} buffers, ${stats.liveBytes} bytes`);
console.log(
  `RSS after warm-up (${warmUp} cycles): ${mb(baseline)}, at the end: ${mb(final)}, growth ${
    (growth * 100).toFixed(2)
  } % (limit ${maxGrowth * 100} %)`,
);
if (stats.liveBuffers !== 0 || stats.liveBytes !== 0 || stats.totalHandedOver !== cycles) {
  console.error("FAIL: buffers leaked or handovers went uncounted");
  Deno.exit(1);
}
if (growth > maxGrowth) {
  console.error("FAIL: resident memory grew more than the limit after warm-up");
  Deno.exit(1);
}
