// Run with --allow-ffi scoped to zig-out/fixtures, a path that does not hold
// the library: opening it surfaces Deno's own permission error, unwrapped.

import { assertRejects } from "@std/assert";
import { openLibrary } from "../../mod.ts";

Deno.test("openLibrary() with --allow-ffi scoped to another path throws Deno's NotCapable", async () => {
  await assertRejects(() => openLibrary(), Deno.errors.NotCapable);
});
