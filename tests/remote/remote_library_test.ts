// Run with --allow-net=127.0.0.1 and read/write access to ZEROCOPY_TEST_CACHE:
// a prebuilt library served on 127.0.0.1 is opened by URL and pinned hash.

import { assertEquals, assertRejects } from "@std/assert";
import { afterAll, beforeAll, describe, it } from "@std/testing/bdd";
import { openLibrary, openRemoteLibrary, ZeroCopyError } from "../../mod.ts";

const local = await openLibrary();
const libraryBytes = await Deno.readFile(local.path);
const sha256 = Array.from(
  new Uint8Array(await crypto.subtle.digest("SHA-256", libraryBytes)),
  (byte) => byte.toString(16).padStart(2, "0"),
).join("");
const cacheRoot = Deno.env.get("ZEROCOPY_TEST_CACHE")!;

let server: Deno.HttpServer<Deno.NetAddr>;
let requests = 0;
let baseUrl = "";

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
      const path = new URL(request.url).pathname;
      return path === "/libzerocopy.so"
        ? new Response(libraryBytes)
        : new Response("missing", { status: 404 });
    });
    baseUrl = `http://127.0.0.1:${server.addr.port}`;
  });
  afterAll(() => server.shutdown());

  it("downloads, checks the pinned hash, caches, and opens a working library", async () => {
    const cacheDir = `${cacheRoot}/ok`;
    const lib = await openRemoteLibrary({ url: `${baseUrl}/libzerocopy.so`, sha256, cacheDir });
    const before = lib.stats().liveBuffers;
    using bytes = lib.allocate("u8", 16);
    bytes.view[15] = 7;
    assertEquals(lib.stats().liveBuffers, before + 1);
    assertEquals(await listDir(`${cacheDir}/${sha256}`), ["libzerocopy.so"]);
    const requestsBefore = requests;
    await openRemoteLibrary({ url: `${baseUrl}/libzerocopy.so`, sha256, cacheDir });
    assertEquals(requests, requestsBefore, "a cached copy with the right hash is not downloaded again");
  });

  it("refuses a download whose hash differs and caches nothing", async () => {
    const cacheDir = `${cacheRoot}/mismatch`;
    const wrong = "0".repeat(64);
    const error = await assertRejects(
      () => openRemoteLibrary({ url: `${baseUrl}/libzerocopy.so`, sha256: wrong, cacheDir }),
      ZeroCopyError,
    );
    assertEquals(error.code, "HASH_MISMATCH");
    assertEquals(await listDir(cacheDir), []);
  });

  it("reports a failed download as DOWNLOAD_FAILED", async () => {
    const error = await assertRejects(
      () => openRemoteLibrary({ url: `${baseUrl}/nope.so`, sha256, cacheDir: `${cacheRoot}/404` }),
      ZeroCopyError,
    );
    assertEquals(error.code, "DOWNLOAD_FAILED");
  });

  it("refuses a malformed hash before any request", async () => {
    const before = requests;
    const error = await assertRejects(
      () => openRemoteLibrary({ url: `${baseUrl}/libzerocopy.so`, sha256: "abc", cacheDir: cacheRoot }),
      ZeroCopyError,
    );
    assertEquals(error.code, "INVALID_ARGUMENT");
    assertEquals(requests, before);
  });
});
