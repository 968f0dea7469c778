// Run with --allow-ffi scoped to the build output: Deno opens the library but
// would refuse getArrayBuffer (denoland/deno#15511), so openLibrary() says so
// up front with Deno's own error class.

import { assertMatch, assertRejects } from "@std/assert";
import { openLibrary } from "../../mod.ts";

Deno.test("openLibrary() with --allow-ffi scoped to a path throws NotCapable naming the unscoped flag", async () => {
  const error = await assertRejects(() => openLibrary(), Deno.errors.NotCapable);
  assertMatch(error.message, /without a path.*run again with --allow-ffi/);
});

Deno.test("openLibrary() of a library outside the --allow-ffi scope throws Deno's NotCapable", async () => {
  const outside = new URL("../../zig-out/fixtures/libabi_mismatch.so", import.meta.url);
  await assertRejects(() => openLibrary({ path: outside }), Deno.errors.NotCapable);
});
