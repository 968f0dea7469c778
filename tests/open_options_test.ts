// Opening a library: options of the wrong kind are typed errors naming the option, the library
// says which file it loaded and why, and a module loaded over https never looks for a local build.

import { assert, assertEquals, assertRejects, assertStrictEquals, assertStringIncludes } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import {
  type ForeignLibraryInterface,
  openDemo,
  openLibrary,
  openRemoteLibrary,
  platformKey,
  ZeroCopyError,
} from "../mod.ts";
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

  it("refuses a path or cacheDir with a NUL byte instead of opening the name before it", async () => {
    const { path } = await openLibrary();
    await invalid(
      () => openLibrary({ path: `${path}\0.evil` }),
      "NUL byte",
      JSON.stringify(`${path}\0.evil`),
    );
    await invalid(() => openLibrary({ path: new URL(`file://${path}%00.evil`) }), "NUL byte");
    await invalid(() => openLibrary({ path: "file:///lib%E0.so" }), "does not decode");
    await invalid(() => openDemo({ path: `${path}\0` }), "NUL byte");
    await invalid(
      () =>
        openRemoteLibrary({
          url: "https://host/x",
          sha256: { [platformKey()]: "0".repeat(64) },
          cacheDir: "/c\0/x",
        }),
      "Invalid cacheDir",
      "NUL byte",
    );
  });

  it("opens one file as one library, whether its path is relative, absolute or roundabout", async () => {
    const lib = await openLibrary();
    const cwd = Deno.cwd();
    if (!lib.path.startsWith(`${cwd}/`)) return; // a ZEROCOPY_LIB outside the checkout: nothing to spell two ways
    const relative = lib.path.slice(cwd.length + 1);
    assertStrictEquals(await openLibrary({ path: relative }), lib);
    assertStrictEquals(await openLibrary({ path: `./${relative}` }), lib);
    assertStrictEquals(await openLibrary({ path: `${cwd}/tests/../${relative}` }), lib);
    assertStrictEquals(await openLibrary({ path: new URL(`file://${lib.path}`) }), lib);
  });

  it("refuses openDemo({ path: null }) and options that are not an object", async () => {
    await invalid(() => openDemo({ path: null as unknown as string }), "Invalid path", "null");
    await invalid(() => openDemo(null as unknown as object), "Invalid the options");
    await invalid(() => openLibrary(null as unknown as object), "Invalid the options");
  });

  it("refuses symbols that are not FFI definitions instead of accepting them", async () => {
    await invalid(
      () => openLibrary({ symbols: 42 as unknown as ForeignLibraryInterface }),
      "symbols",
      "42",
    );
    await invalid(
      () => openLibrary({ symbols: { f: 1 } as unknown as ForeignLibraryInterface }),
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
