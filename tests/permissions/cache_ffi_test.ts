// Run with XDG_CACHE_HOME set to an empty temporary folder and only
//   --allow-ffi=$XDG_CACHE_HOME/deno/zerocopy --allow-read=mod.ts,arrow.ts,src,tests,lib,$XDG_CACHE_HOME
//   --allow-write=$XDG_CACHE_HOME --allow-env=XDG_CACHE_HOME,HOME
// (no DENO_DIR, no ZEROCOPY_LIB): least privilege for the prebuilt library. The checkout's own build
// is a candidate the ffi grant does not cover: it is skipped, and the prebuilt library opens. (Read
// on mod.ts, src and tests is for the worker module only.)

import { assert, assertEquals } from "@std/assert";
import { openDemo, openLibrary } from "../../mod.ts";

const cache = `${Deno.env.get("XDG_CACHE_HOME")}/deno/zerocopy`;

Deno.test("openLibrary() under --allow-ffi=<cache directory> alone skips the checkout build and opens the prebuilt library", async () => {
  assertEquals(Deno.permissions.querySync({ name: "ffi" }).state, "prompt", "ffi is scoped");
  const lib = await openLibrary();
  assertEquals(lib.source, "prebuilt");
  assert(lib.path.startsWith(`${cache}/loaded/`), lib.path);
  assertEquals(lib.mapping, "node-api");
  {
    using bytes = lib.allocate("u8", 64);
    bytes.view.fill(7);
    assertEquals(lib.stats().liveBuffers, 1);
  }
  assertEquals(lib.stats().liveBuffers, 0);
});

Deno.test("openDemo() under --allow-ffi=<cache directory> alone hands a buffer over through the prebuilt library", async () => {
  const demo = await openDemo();
  assertEquals(demo.library.source, "prebuilt");
  using halves = demo.generate("f64", 4);
  assertEquals(Array.from(halves.view), [0, 0.5, 1, 1.5]);
});

Deno.test("a worker opening the prebuilt library loads the same private copy: one library, one set of counters", async () => {
  const lib = await openLibrary();
  using _held = lib.allocate("u8", 16);
  const worker = new Worker(new URL("_prebuilt_worker.ts", import.meta.url), { type: "module" });
  try {
    const reply = await new Promise<{ path: string; source: string; liveBuffers: number }>((resolve) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.postMessage(null);
    });
    assertEquals(reply, { path: lib.path, source: "prebuilt", liveBuffers: lib.stats().liveBuffers });
  } finally {
    worker.terminate();
  }
});
