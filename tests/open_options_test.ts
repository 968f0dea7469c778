// Opening a library: options of the wrong kind are typed errors naming the option, the library
// says which file it loaded and why, and a module loaded over https never looks for a local build.

import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { openDemo, openLibrary, openRemoteLibrary, platformKey, ZeroCopyError } from "../mod.ts";
import { findLibrary } from "../src/library/discovery.ts";
import { prebuiltBaseUrl, prebuiltLibraries } from "../src/library/prebuilt_manifest.ts";

// Read as openLibrary() reads it: unset when --allow-env does not grant it (the scoped-ffi run).
const libraryEnv = Deno.permissions.querySync({ name: "env", variable: "ZEROCOPY_LIB" }).state === "granted"
  ? Deno.env.get("ZEROCOPY_LIB") || undefined
  : undefined;

async function invalid(open: () => Promise<unknown>, ...names: string[]): Promise<void> {
  const error = await assertRejects(open, ZeroCopyError);
  assertEquals(error.code, "INVALID_ARGUMENT", error.message);
  for (const name of names) assertStringIncludes(error.message, name);
}

describe("openLibrary() options", () => {
  it("refuses a path that is not a string or file: URL", async () => {
    await invalid(() => openLibrary({ path: 42 as unknown as string }), "Invalid path", "number 42");
    await invalid(() => openLibrary({ path: "" }), "Invalid path");
    await invalid(
      () => openLibrary({ path: new URL("https://example.com/libzerocopy.so") }),
      "openRemoteLibrary",
    );
    await invalid(() => openLibrary({ path: "file://[bad" }), "file: URL");
  });

  it("refuses openDemo({ path: null }) and options that are not an object", async () => {
    await invalid(() => openDemo({ path: null as unknown as string }), "Invalid path", "null");
    await invalid(() => openDemo(null as unknown as object), "Invalid the options");
    await invalid(() => openLibrary(null as unknown as object), "Invalid the options");
  });

  it("refuses symbols that are not FFI definitions instead of accepting them", async () => {
    await invalid(
      () => openLibrary({ symbols: 42 as unknown as Deno.ForeignLibraryInterface }),
      "symbols",
      "42",
    );
    await invalid(
      () => openLibrary({ symbols: { f: 1 } as unknown as Deno.ForeignLibraryInterface }),
      "symbols.f",
    );
  });

  it("refuses openRemoteLibrary with no sha256 map or a malformed one, before any download", async () => {
    const url = "http://127.0.0.1:9/lib-{os}-{arch}.{ext}";
    type Options = Parameters<typeof openRemoteLibrary>[0];
    await invalid(() => openRemoteLibrary({ url } as Options), "Invalid sha256", "undefined");
    await invalid(() => openRemoteLibrary({ url, sha256: "abc" } as unknown as Options), "Invalid sha256");
    await invalid(
      () => openRemoteLibrary({ url, sha256: { [platformKey()]: 5 } } as unknown as Options),
      "sha256",
    );
    await invalid(() => openRemoteLibrary({ url, sha256: { linux: "0".repeat(64) } }), "sha256 key");
    await invalid(() => openRemoteLibrary(undefined as unknown as Options), "Invalid options");
    await invalid(
      () => openRemoteLibrary({ url: 7, sha256: { [platformKey()]: "0".repeat(64) } } as unknown as Options),
      "Invalid url",
    );
  });
});

describe("which library was opened, and why", () => {
  it("says where the library came from: ZEROCOPY_LIB when set, else the checkout's build", async () => {
    const lib = await openLibrary();
    assertEquals(lib.source, libraryEnv ? "ZEROCOPY_LIB" : "checkout build");
    if (!libraryEnv) {
      assertEquals(lib.path, new URL("../zig-out/lib/libzerocopy.so", import.meta.url).pathname);
    }
  });

  it("from a module loaded over https, never looks for a build in the working directory", {
    ignore: libraryEnv !== undefined, // ZEROCOPY_LIB replaces every other candidate
  }, () => {
    const prebuilt = { baseUrl: prebuiltBaseUrl, libraries: prebuiltLibraries };
    const fromJsr = findLibrary({
      ownSymbols: true,
      name: "zerocopy",
      buildDir: new URL("https://jsr.io/@me/frames/1.0.0/lib/"),
      prebuilt,
    });
    assertEquals(fromJsr.map((candidate) => candidate.source), ["prebuilt"]);
    const own = findLibrary({ ownSymbols: false, name: "zerocopy" });
    assertEquals(own.map((candidate) => candidate.source), ["checkout build", "prebuilt"]);
    for (const candidate of own) {
      if (candidate.kind === "file") assert(candidate.path.startsWith("/"), `${candidate.path} is relative`);
    }
  });
});
