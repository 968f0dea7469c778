// Run with ZEROCOPY_LIB set to a missing file, --allow-ffi and
// --deny-env=ZEROCOPY_LIB: the override cannot be read, so openLibrary()
// treats it as unset and opens the default build output, without prompting.

import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { openLibrary, ZeroCopyError } from "../../mod.ts";

Deno.test("openLibrary() with --allow-env denied for ZEROCOPY_LIB opens the default build output", async () => {
  assertEquals(Deno.permissions.querySync({ name: "env", variable: "ZEROCOPY_LIB" }).state, "denied");
  const lib = await openLibrary();
  assertStringIncludes(lib.path, "zig-out/lib/");
  assertEquals(lib.source, "checkout build", "lib.source tells the user the variable was not used");
  assertEquals(lib.stats().liveBuffers, 0);
});

Deno.test("every missing-library error says ZEROCOPY_LIB could not be read", async () => {
  // A Zig author's library with no path, build folder or prebuilt libraries: nothing to try.
  const symbols = { frames_version: { parameters: [], result: "u32" } } as const;
  const error = await assertRejects(() => openLibrary({ symbols }), ZeroCopyError);
  assertEquals(error.code, "LIBRARY_NOT_FOUND");
  assertStringIncludes(
    error.message,
    "ZEROCOPY_LIB could not be read (add --allow-env=ZEROCOPY_LIB to use it), so it was not used",
  );
  const missing = await assertRejects(
    () => openLibrary({ path: "/nonexistent/libzerocopy.so" }),
    ZeroCopyError,
  );
  assertStringIncludes(missing.message, "ZEROCOPY_LIB could not be read");
});
