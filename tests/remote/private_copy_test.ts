// Run as the rest of tests/remote/: --allow-net=127.0.0.1, --allow-ffi, read on zig-out and lib,
// read/write on ZEROCOPY_TEST_CACHE. A hash-pinned library is loaded from a private copy of the
// bytes whose hash was checked, so a cached file swapped after the check never runs; and a cache
// path that runs through a file is a typed error.

import { assert, assertEquals, assertNotEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { afterAll, beforeAll, describe, it } from "@std/testing/bdd";
import { libraryFileName, openLibrary, openRemoteLibrary, platformKey, ZeroCopyError } from "../../mod.ts";

const local = await openLibrary();
const libraryBytes = await Deno.readFile(local.path);
// Another working zerocopy library, which an attacker could swap in: same ABI, other bytes.
const otherBytes = await Deno.readFile(`zig-out/fixtures/${libraryFileName("test_hooks")}`);
const sha256 = await hex(libraryBytes);
const pinned = { [platformKey()]: sha256 };
const releaseFile = `zerocopy-${Deno.build.os}-${Deno.build.arch}.${libraryFileName().split(".").pop()}`;
const cacheRoot = Deno.env.get("ZEROCOPY_TEST_CACHE")!;

let server: Deno.HttpServer<Deno.NetAddr>;
let template = "";

async function hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

describe("a hash-pinned library is loaded from a private copy", () => {
  beforeAll(() => {
    server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => new Response(libraryBytes),
    );
    template = `http://127.0.0.1:${server.addr.port}/releases/zerocopy-{os}-{arch}.{ext}`;
  });
  afterAll(() => server.shutdown());

  it("loads the checked bytes from a directory of the cache only this process's user can open", async () => {
    const cacheDir = `${cacheRoot}/private`;
    const lib = await openRemoteLibrary({ url: template, sha256: pinned, cacheDir });
    assertEquals(lib.source, "remote");
    const cached = `${cacheDir}/${sha256}/${releaseFile}`;
    assertNotEquals(lib.path, cached);
    assert(lib.path.startsWith(`${cacheDir}/loaded/${Deno.pid}-`), lib.path);
    assertEquals(await Deno.readFile(lib.path), libraryBytes);
    if (Deno.build.os !== "windows") {
      assertEquals((await Deno.stat(lib.path.slice(0, lib.path.lastIndexOf("/")))).mode! & 0o777, 0o700);
    }
    using bytes = lib.allocate("u8", 8);
    assertEquals(bytes.length, 8);
  });

  it("never loads a cached file swapped right after its hash was checked", async () => {
    const cacheDir = `${cacheRoot}/swapped`;
    const cached = `${cacheDir}/${sha256}/${releaseFile}`;
    await Deno.mkdir(`${cacheDir}/${sha256}`, { recursive: true });
    await Deno.writeFile(cached, libraryBytes); // as a previous run left it
    // The attacker's move, at the worst moment: the bytes were read and hashed, then the file changes.
    const readFile = Deno.readFile;
    let swapped = false;
    Deno.readFile = async (path, options) => {
      const bytes = await readFile(path, options);
      if (path === cached && !swapped) {
        swapped = true;
        await Deno.writeFile(cached, otherBytes);
      }
      return bytes;
    };
    let lib;
    try {
      lib = await openRemoteLibrary({ url: template, sha256: pinned, cacheDir });
    } finally {
      Deno.readFile = readFile;
    }
    assert(swapped, "the cached file was read");
    assertEquals(await Deno.readFile(cached), otherBytes, "the cache now holds the other library");
    assertEquals(await hex(await Deno.readFile(lib.path)), sha256, `${lib.path} is not the pinned library`);
    assertNotEquals(lib.path, cached);
  });

  it("refuses a cache path that runs through a regular file with INVALID_ARGUMENT", async () => {
    const file = `${cacheRoot}/a-file`;
    await Deno.writeTextFile(file, "not a folder");
    const error = await assertRejects(
      () => openRemoteLibrary({ url: template, sha256: pinned, cacheDir: `${file}/cache` }),
      ZeroCopyError,
    );
    assertEquals(error.code, "INVALID_ARGUMENT", error.message);
    assertStringIncludes(error.message, `"${file}/cache"`);
    assertStringIncludes(error.message, "not a folder");
  });
});
