// Run with ZEROCOPY_LIB set to a missing file, --allow-ffi and
// --deny-env=ZEROCOPY_LIB: the override cannot be read, so openLibrary()
// treats it as unset and opens the default build output, without prompting.

import { assertEquals, assertStringIncludes } from "@std/assert";
import { openLibrary } from "../../mod.ts";

Deno.test("openLibrary() with --allow-env denied for ZEROCOPY_LIB opens the default build output", async () => {
  assertEquals(Deno.permissions.querySync({ name: "env", variable: "ZEROCOPY_LIB" }).state, "denied");
  const lib = await openLibrary();
  assertStringIncludes(lib.path, "zig-out/lib/");
  assertEquals(lib.stats().liveBuffers, 0);
});
