// Run with --allow-net=127.0.0.1, --allow-ffi, and read/write access to ZEROCOPY_TEST_CACHE:
// a prebuilt library served on 127.0.0.1 is opened by URL template and pinned hashes.

import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { afterAll, beforeAll, describe, it } from "@std/testing/bdd";
import { libraryFileName, openLibrary, openRemoteLibrary, ZeroCopyError } from "../../mod.ts";
import { platformKey } from "../../src/library/prebuilt.ts";

const local = await openLibrary();
const libraryBytes = await Deno.readFile(local.path);
const sha256 = Array.from(
  new Uint8Array(await crypto.subtle.digest("SHA-256", libraryBytes)),
  (byte) => byte.toString(16).padStart(2, "0"),
).join("");
const pinned = { [platformKey()]: sha256 };
const extension = libraryFileName().split(".").pop();
const releaseFile = `zerocopy-${Deno.build.os}-${Deno.build.arch}.${extension}`;
const cacheRoot = Deno.env.get("ZEROCOPY_TEST_CACHE")!;

let server: Deno.HttpServer<Deno.NetAddr>;
let requests = 0;
let template = "";

async function listDir(path: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(path))).map((entry) => entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

describe("openRemoteLibrary()", () => {
  beforeAll(() => {
    server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
      requests++;
      return new URL(request.url).pathname === `/releases/${releaseFile}`
        ? new Response(libraryBytes)
        : new Response("missing", { status: 404 });
    });
    template = `http://127.0.0.1:${server.addr.port}/releases/zerocopy-{os}-{arch}.{ext}`;
  });
  afterAll(() => server.shutdown());

  it("fills in {os}, {arch} and {ext}, checks the pinned hash, caches, and opens a working library", async () => {
    const cacheDir = `${cacheRoot}/ok`;
    const lib = await openRemoteLibrary({ url: template, sha256: pinned, cacheDir });
    const before = lib.stats().liveBuffers;
    using bytes = lib.allocate("u8", 16);
    bytes.view[15] = 7;
    assertEquals(lib.stats().liveBuffers, before + 1);
    assertEquals(await listDir(`${cacheDir}/${sha256}`), [releaseFile]);
    const requestsBefore = requests;
    await openRemoteLibrary({ url: template, sha256: pinned, cacheDir });
    assertEquals(requests, requestsBefore, "a cached copy with the right hash is not downloaded again");
  });

  it("refuses a download whose hash differs and caches nothing", async () => {
    const cacheDir = `${cacheRoot}/mismatch`;
    const error = await assertRejects(
      () => openRemoteLibrary({ url: template, sha256: { [platformKey()]: "0".repeat(64) }, cacheDir }),
      ZeroCopyError,
    );
    assertEquals(error.code, "HASH_MISMATCH");
    assertEquals(await listDir(`${cacheDir}/${"0".repeat(64)}`), []);
  });

  it("reports a failed download as DOWNLOAD_FAILED", async () => {
    const error = await assertRejects(
      () =>
        openRemoteLibrary({
          url: template.replace("releases", "nope"),
          sha256: pinned,
          cacheDir: `${cacheRoot}/404`,
        }),
      ZeroCopyError,
    );
    assertEquals(error.code, "DOWNLOAD_FAILED");
    assertStringIncludes(error.message, "HTTP 404");
  });

  it("names this platform and the pinned ones when the hash map lacks this platform", async () => {
    const before = requests;
    const error = await assertRejects(
      () => openRemoteLibrary({ url: template, sha256: { "plan9-mips": sha256 }, cacheDir: cacheRoot }),
      ZeroCopyError,
    );
    assertEquals(error.code, "UNSUPPORTED_PLATFORM");
    assertStringIncludes(error.message, `"${platformKey()}"`);
    assertStringIncludes(error.message, `"plan9-mips"`);
    assertEquals(requests, before);
  });

  it("refuses a malformed hash before any request", async () => {
    const before = requests;
    const error = await assertRejects(
      () => openRemoteLibrary({ url: template, sha256: { [platformKey()]: "abc" }, cacheDir: cacheRoot }),
      ZeroCopyError,
    );
    assertEquals(error.code, "INVALID_ARGUMENT");
    assertEquals(requests, before);
  });
});
