// Garbage collection frees what the program dropped, exactly once: Node runs an external
// ArrayBuffer's finalizer after collection, Bun may run it as soon as the buffer is detached.

import { openDemo } from "@zerocopy/zerocopy";
import { collect, equal, runtimeName, settledStats, test, turn } from "./_harness.ts";

const demo = await openDemo();
const lib = demo.library;

async function settled(live: number): Promise<number> {
  for (let i = 0; i < 50 && lib.stats().liveBuffers > live; i++) {
    collect();
    await turn();
  }
  return lib.stats().liveBuffers;
}

test(`${runtimeName}: collection frees dropped buffers and their views`, async () => {
  const before = await settledStats(() => lib.stats());
  (() => {
    for (let i = 0; i < 200; i++) demo.generate("f64", 1024);
    for (let i = 0; i < 50; i++) void demo.generate("u8", 4096).view;
  })();
  equal(await settled(before.liveBuffers), before.liveBuffers);
  equal(lib.stats().totalReleased, before.totalReleased + 250);
});

test(`${runtimeName}: a disposed buffer is not freed again by collection`, async () => {
  const before = await settledStats(() => lib.stats());
  (() => {
    for (let i = 0; i < 100; i++) {
      const buffer = demo.generate("f64", 512);
      void buffer.view[0];
      buffer[Symbol.dispose]();
    }
  })();
  equal(await settled(before.liveBuffers), before.liveBuffers);
  equal(lib.stats().totalReleased, before.totalReleased + 100);
});

test(`${runtimeName}: a view kept after its owner is dropped keeps the memory alive`, async () => {
  const before = await settledStats(() => lib.stats());
  const view = (() => demo.generate("f64", 100).view)();
  collect();
  await turn();
  equal(view[99], 49.5);
  equal(lib.stats().liveBuffers, before.liveBuffers + 1);
});
