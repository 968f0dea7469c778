// Run without --allow-ffi: opening the library surfaces Deno's own
// permission error, not a wrapped one.

import { assertMatch, assertThrows } from "@std/assert";
import { openLibrary } from "../../mod.ts";

Deno.test("openLibrary() without --allow-ffi throws Deno's NotCapable, unwrapped", () => {
  const error = assertThrows(() => openLibrary(), Deno.errors.NotCapable);
  assertMatch(error.message, /--allow-ffi/);
});
