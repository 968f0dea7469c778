// Run with --allow-ffi scoped to the build output (zig-out). Deno then opens
// the library but refuses every UnsafePointer and UnsafePointerView operation
// (denoland/deno#15511): the Node-API mapping needs none, so the public API
// works; the pointer-view mapping and unsafePointer say which flag they need.

import { assertEquals, assertMatch, assertRejects, assertThrows } from "@std/assert";
import { openDemo, openLibrary } from "../../mod.ts";

Deno.test("openLibrary() under --allow-ffi=<path> maps with Node-API: adopt, view, dispose, give back, stats", async () => {
  const demo = await openDemo();
  const lib = demo.library;
  assertEquals(lib.mapping, "node-api");
  const before = lib.stats();
  const buffer = demo.generate("f64", 1000);
  assertEquals(buffer.view[999], 499.5);
  assertEquals(demo.checksum(buffer), demo.checksum(buffer));
  buffer[Symbol.dispose]();
  const bytes = lib.allocate("u8", 4);
  bytes.view.set([1, 2, 3, 4]);
  lib.giveBack(bytes, (descriptor) => lib.symbols.zc_consume(descriptor));
  assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  assertEquals(lib.stats().totalReleased, before.totalReleased + 2);
});

Deno.test('openLibrary({ mapping: "pointer-view" }) under --allow-ffi=<path> throws NotCapable naming the unscoped flag', async () => {
  const error = await assertRejects(() => openLibrary({ mapping: "pointer-view" }), Deno.errors.NotCapable);
  assertMatch(error.message, /without a path.*run again with --allow-ffi/);
});

Deno.test("unsafePointer under --allow-ffi=<path> throws NotCapable naming the unscoped flag", async () => {
  using buffer = (await openDemo()).generate("u8", 8);
  const error = assertThrows(() => buffer.unsafePointer, Deno.errors.NotCapable);
  assertMatch(error.message, /without a path.*--allow-ffi/);
});

Deno.test("openLibrary() of a library outside the --allow-ffi scope throws Deno's NotCapable", async () => {
  await assertRejects(
    () => openLibrary({ path: "/outside/the/scope/libzerocopy.so" }),
    Deno.errors.NotCapable,
  );
});
