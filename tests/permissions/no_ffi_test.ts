// Run without --allow-ffi: opening the library surfaces Deno's own
// permission error, not a wrapped one.

import { assertMatch, assertRejects } from "@std/assert";
import { openLibrary } from "../../mod.ts";

Deno.test("openLibrary() without --allow-ffi throws Deno's NotCapable, unwrapped", async () => {
  const error = await assertRejects(() => openLibrary(), Deno.errors.NotCapable);
  assertMatch(error.message, /--allow-ffi/);
});
