// Run with --allow-net=127.0.0.1, --allow-ffi, --allow-run (child processes), read on lib/ and
// read/write on ZEROCOPY_TEST_CACHE: this platform's prebuilt library, served on 127.0.0.1 the
// way the package serves it, through the one download/verify/cache path.

import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { afterAll, beforeAll, describe, it } from "@std/testing/bdd";
import { ZeroCopyError } from "../../mod.ts";
import { platformKey, resolvePrebuilt } from "../../src/library/prebuilt.ts";
import { prebuiltBaseUrl, prebuiltLibraries } from "../../src/library/prebuilt_manifest.ts";
import { listDir, served } from "./_serve.ts";

const key = platformKey();
const entry = prebuiltLibraries[key];
const bytes = await Deno.readFile(new URL(`${key}/${entry.file}`, prebuiltBaseUrl));
const cacheRoot = Deno.env.get("ZEROCOPY_TEST_CACHE")!;

let server: Deno.HttpServer<Deno.NetAddr>;
let origin = "";
let brokenListener: Deno.TcpListener;
let brokenOrigin = "";
const requests = new Map<string, number>();

/** Serves `bytes` under `/<mode>/<os>-<arch>/<file>`, whole or spoiled as `mode` says. */
function serve(request: Request): Response | Promise<Response> {
  const mode = new URL(request.url).pathname.split("/")[1];
  requests.set(mode, (requests.get(mode) ?? 0) + 1);
  const response = served(bytes, mode);
  if (response !== undefined) return response;
  switch (mode) {
    case "slow": // long enough for a second process to start and wait on the lock
      return new Promise((resolve) => setTimeout(() => resolve(new Response(bytes)), 1500));
    default:
      return new Response("missing", { status: 404 });
  }
}

/** The file the checked bytes were read from, after checking they are its bytes. */
async function verifiedFile(options: Parameters<typeof resolvePrebuilt>[0]): Promise<string> {
  const verified = await resolvePrebuilt(options);
  assertEquals(verified.bytes, await Deno.readFile(verified.origin));
  return verified.origin;
}

function resolveFrom(mode: string, cacheDir: string, platform: { os?: string; arch?: string } = {}) {
  return verifiedFile({
    baseUrl: new URL(`${origin}/${mode}/`),
    libraries: prebuiltLibraries,
    cacheDir,
    ...platform,
  });
}

async function expectError(promise: Promise<unknown>, code: string): Promise<ZeroCopyError> {
  const error = await assertRejects(() => promise, ZeroCopyError);
  assertEquals(error.code, code, error.message);
  return error;
}

describe("resolvePrebuilt()", () => {
  beforeAll(() => {
    server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, serve);
    origin = `http://127.0.0.1:${server.addr.port}`;
    // Promises the whole library, sends half, and closes the connection.
    brokenListener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    brokenOrigin = `http://127.0.0.1:${brokenListener.addr.port}`;
    (async () => {
      for await (const connection of brokenListener) {
        await connection.read(new Uint8Array(64 * 1024));
        const head = `HTTP/1.1 200 OK\r\ncontent-length: ${bytes.length}\r\nconnection: close\r\n\r\n`;
        await connection.write(new TextEncoder().encode(head));
        await connection.write(bytes.subarray(0, bytes.length >> 1));
        connection.close();
      }
    })().catch(() => {}); // ends when the listener closes
  });
  afterAll(async () => {
    brokenListener.close();
    await server.shutdown();
  });

  it("downloads this platform's library once, checks its hash, and reads it from the cache after", async () => {
    const cacheDir = `${cacheRoot}/once`;
    const path = await resolveFrom("ok", cacheDir);
    assertEquals(path, `${cacheDir}/${entry.sha256}/${entry.file}`);
    assertEquals(await Deno.readFile(path), bytes);
    assertEquals(await resolveFrom("ok", cacheDir), path);
    assertEquals(requests.get("ok"), 1);
  });

  it("lets two processes opening it at once both succeed with one download and one file", async () => {
    const cacheDir = `${cacheRoot}/concurrent`;
    const url = `${origin}/slow/${key}/${entry.file}`;
    const child = () =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-ffi",
          "--allow-net=127.0.0.1",
          `--allow-read=${cacheDir}`,
          `--allow-write=${cacheDir}`,
          new URL("_open_remote.ts", import.meta.url).pathname,
          url,
          entry.sha256,
          cacheDir,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
    const results = await Promise.all([child(), child()]);
    for (const result of results) {
      assert(result.success, new TextDecoder().decode(result.stderr));
      // Each loads its own private copy of the checked bytes; the cache keeps the one download.
      assertStringIncludes(new TextDecoder().decode(result.stdout).trim(), `${cacheDir}/loaded/`);
    }
    assertEquals(requests.get("slow"), 1);
    assertEquals(await listDir(`${cacheDir}/${entry.sha256}`), [entry.file]);
  });

  it("uses a package on disk (a checkout) in place, checking its hash, with nothing cached", async () => {
    const cacheDir = `${cacheRoot}/in-place`;
    const path = await verifiedFile({ baseUrl: prebuiltBaseUrl, libraries: prebuiltLibraries, cacheDir });
    assertEquals(path, new URL(`${key}/${entry.file}`, prebuiltBaseUrl).pathname);
    assertEquals(await listDir(cacheDir), []);

    const copy = `${cacheRoot}/changed-package`;
    await Deno.mkdir(`${copy}/${key}`, { recursive: true });
    const changed = bytes.slice();
    changed[100] ^= 1;
    await Deno.writeFile(`${copy}/${key}/${entry.file}`, changed);
    const baseUrl = new URL(`file://${copy}/`);
    await expectError(resolvePrebuilt({ baseUrl, libraries: prebuiltLibraries, cacheDir }), "HASH_MISMATCH");
  });

  it("names the platform and the targets that exist when there is no library for it", async () => {
    const error = await expectError(
      resolveFrom("ok", `${cacheRoot}/platform`, { os: "freebsd", arch: "riscv64" }),
      "UNSUPPORTED_PLATFORM",
    );
    assertStringIncludes(error.message, `"freebsd-riscv64"`);
    for (const target of Object.keys(prebuiltLibraries)) assertStringIncludes(error.message, `"${target}"`);
  });

  it("refuses a download with another hash and leaves nothing in the cache", async () => {
    const cacheDir = `${cacheRoot}/tampered-download`;
    await expectError(resolveFrom("tampered", cacheDir), "HASH_MISMATCH");
    assertEquals(await listDir(`${cacheDir}/${entry.sha256}`), []);
  });

  it("refuses a cached copy changed after download, on every open", async () => {
    const cacheDir = `${cacheRoot}/tampered-cache`;
    const path = await resolveFrom("ok", cacheDir);
    const changed = bytes.slice();
    changed[100] ^= 1;
    await Deno.writeFile(path, changed);
    const error = await expectError(resolveFrom("ok", cacheDir), "HASH_MISMATCH");
    assertStringIncludes(error.message, path);
    await expectError(resolveFrom("ok", cacheDir), "HASH_MISMATCH");
  });

  it("refuses a body shorter than the manifest's size and leaves nothing in the cache", async () => {
    const cacheDir = `${cacheRoot}/short`;
    const error = await expectError(resolveFrom("short", cacheDir), "DOWNLOAD_FAILED");
    assertStringIncludes(error.message, `but the library has ${entry.size}`);
    assertEquals(await listDir(`${cacheDir}/${entry.sha256}`), []);
  });

  it("reports a connection dropped mid-body as DOWNLOAD_FAILED and leaves nothing in the cache", async () => {
    const cacheDir = `${cacheRoot}/broken`;
    const error = await assertRejects(
      () => resolvePrebuilt({ baseUrl: new URL(`${brokenOrigin}/`), libraries: prebuiltLibraries, cacheDir }),
      ZeroCopyError,
    );
    assertEquals(error.code, "DOWNLOAD_FAILED", error.message);
    assertEquals(await listDir(`${cacheDir}/${entry.sha256}`), []);
  });

  it("reports an unreachable host as DOWNLOAD_FAILED and leaves nothing in the cache", async () => {
    const cacheDir = `${cacheRoot}/unreachable`;
    const error = await assertRejects(
      () =>
        resolvePrebuilt({ baseUrl: new URL("http://127.0.0.1:1/"), libraries: prebuiltLibraries, cacheDir }),
      ZeroCopyError,
    );
    assertEquals(error.code, "DOWNLOAD_FAILED");
    assertStringIncludes(error.message, "http://127.0.0.1:1/");
    assertEquals(await listDir(`${cacheDir}/${entry.sha256}`), []);
  });

  it("names the --allow-net flag to add for a host it may not reach, before any request", async () => {
    const error = await assertRejects(
      () =>
        resolvePrebuilt({
          baseUrl: new URL("http://localhost:9/"),
          libraries: prebuiltLibraries,
          cacheDir: `${cacheRoot}/net`,
        }),
      Deno.errors.NotCapable,
    );
    assertStringIncludes(error.message, "--allow-net=localhost:9");
  });
});
