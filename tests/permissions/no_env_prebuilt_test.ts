// Run with --allow-ffi and --allow-read=. only, no --allow-env, and ZEROCOPY_LIB set: with no
// variable readable, nothing resolves to a path built from `undefined`, and the errors name the
// flags to add.

import { assertEquals, assertRejects, assertStringIncludes, assertThrows } from "@std/assert";
import { openLibrary, openRemoteLibrary, platformKey, ZeroCopyError } from "../../mod.ts";
import { cacheDirEnvVars, zerocopyCacheDir } from "../../src/library/cache_dir.ts";

Deno.test("zerocopyCacheDir() without --allow-env names the --allow-env flag instead of guessing a path", () => {
  const error = assertThrows(() => zerocopyCacheDir(), Deno.errors.NotCapable);
  assertStringIncludes(error.message, `--allow-env=${cacheDirEnvVars().join(",")}`);
  assertEquals(error.message.includes("undefined"), false);
});

Deno.test("openRemoteLibrary() without --allow-env fails before writing anything into the working directory", async () => {
  const error = await assertRejects(
    () =>
      openRemoteLibrary({
        url: "http://127.0.0.1:9/lib-{os}-{arch}.{ext}",
        sha256: { [platformKey()]: "0".repeat(64) },
      }),
    Deno.errors.NotCapable,
  );
  assertStringIncludes(error.message, "--allow-env=");
  const entries = Array.from(Deno.readDirSync("."), (entry) => entry.name);
  assertEquals(entries.includes("undefined"), false);
});

Deno.test("openLibrary() with a path that is missing says ZEROCOPY_LIB could not be read", async () => {
  const error = await assertRejects(
    () => openLibrary({ path: "/nonexistent/libzerocopy.so" }),
    ZeroCopyError,
  );
  assertEquals(error.code, "LIBRARY_NOT_FOUND");
  assertStringIncludes(
    error.message,
    "ZEROCOPY_LIB could not be read (add --allow-env=ZEROCOPY_LIB to use it)",
  );
});
