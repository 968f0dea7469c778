// The public API, as a Node, Bun or Deno program sees it: opening, handing over, disposing, lending,
// regions and rings, and the Arrow subpath.

import { lend, openDemo, openLibrary, Region, Ring } from "@zerocopy/zerocopy";
import { adoptBatch } from "@zerocopy/zerocopy/arrow";
import { equal, liveAfterCollection, runtimeName, settledStats, test, throwsCode } from "./_harness.ts";

const demo = await openDemo();
const lib = demo.library;

const libraryEnv = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env
  .ZEROCOPY_LIB;

test(`${runtimeName}: opens the library under the node-api mapping`, () => {
  equal(lib.mapping, "node-api");
  equal(typeof lib.path, "string");
  // Installed from npm with no ZEROCOPY_LIB: the package's own lib/, hash-checked, loaded from a private copy.
  if (runtimeName !== "deno" && !libraryEnv) {
    equal(lib.source, "prebuilt");
    equal(lib.path.includes("/zerocopy/loaded/"), true, `${lib.path}:`);
  }
});

test(`${runtimeName}: hands a buffer over without a copy and frees it once`, async () => {
  const before = await settledStats(() => lib.stats());
  const buffer = demo.generate("f64", 1000);
  equal(buffer.view.length, 1000);
  equal(buffer.view[999], 499.5);
  equal(demo.checksum(buffer) > 0, true);
  equal(lib.stats().liveBuffers, before.liveBuffers + 1);
  buffer[Symbol.dispose]();
  buffer[Symbol.dispose]();
  throwsCode(() => buffer.view, "DISPOSED");
  equal(lib.stats().liveBuffers, before.liveBuffers);
  equal(lib.stats().totalReleased, before.totalReleased + 1);
});

test(`${runtimeName}: lends a TypedArray to Zig for one call`, () => {
  const values = new Float64Array([1, 2, 3.5]);
  equal(demo.bindings.zc_sum_f64(lend(values)), 6.5);
  equal(demo.bindings.zc_sum_f64(values), 6.5);
});

test(`${runtimeName}: hands slices over from a region, views of one mapping`, async () => {
  const before = await settledStats(() => lib.stats());
  const region = Region.create(lib, 64 * 1024);
  const doubles = region.adopt("f64", (out) => lib.symbols.zc_region_generate_f64(1000, out));
  const ints = region.adopt("i32", (out) => lib.symbols.zc_region_generate_i32(7, out));
  equal(doubles[999], 499.5);
  equal(Array.from(ints), [0, 1, 2, 3, 4, 5, 6]);
  equal(doubles.buffer === ints.buffer, true);
  region[Symbol.dispose]();
  equal(await liveAfterCollection(() => lib.stats(), before.liveBuffers), before.liveBuffers);
});

test(`${runtimeName}: fills and reuses a ring's slots, refusing a third while two are held`, () => {
  const ring = Ring.create(lib, "u8", { slots: 2, slotLength: 64 });
  const first = ring.next((out) => lib.symbols.zc_ring_generate_u8(1, 8, out));
  const second = ring.next((out) => lib.symbols.zc_ring_generate_u8(2, 8, out));
  equal([first.view[0], second.view[0]], [1, 2]);
  throwsCode(() => ring.next((out) => lib.symbols.zc_ring_generate_u8(3, 8, out)), "FULL");
  ring.release(first);
  const third = ring.next((out) => lib.symbols.zc_ring_generate_u8(3, 8, out));
  equal(third.index, first.index);
  ring.release(second);
  ring.release(third);
  ring[Symbol.dispose]();
});

test(`${runtimeName}: reads an Arrow batch Zig handed over through the ./arrow subpath`, () => {
  const batch = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(10n, 0, out));
  equal(batch.table.numRows, 10);
  batch[Symbol.dispose]();
});

test(`${runtimeName}: runs the README's quick start`, async () => {
  const opened = await openLibrary();
  const before = await settledStats(() => opened.stats());
  const bytes = opened.allocate("u8", 1 << 20);
  bytes.view.fill(7);
  equal(bytes.view[(1 << 20) - 1], 7);
  bytes[Symbol.dispose]();
  equal(await liveAfterCollection(() => opened.stats(), before.liveBuffers), before.liveBuffers);
});
