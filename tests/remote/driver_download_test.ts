// Run with --allow-net=127.0.0.1, --allow-ffi, --allow-run (ln), read on .toolchain (the SQLite driver tools/adbc_drivers.sh
// installed) and read/write on ZEROCOPY_TEST_CACHE: a named ADBC driver where no checkout installed it,
// its wheel served on 127.0.0.1 as PyPI serves it, through the one download/verify/cache/private-copy path.

import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { afterAll, beforeAll, describe, it } from "@std/testing/bdd";
import { openLibrary, ZeroCopyError } from "../../mod.ts";
import { ADBC_DRIVERS_VERSION, connect } from "../../sql.ts";
import { type NamedDriverSource, pinnedSource, resolveDriver } from "../../src/sql/adbc/driver.ts";
import { downloadedDriver } from "../../src/sql/adbc/driver_download.ts";
import { driverWheels } from "../../src/sql/adbc/driver_wheels.ts";
import type { DriverWheel } from "../../src/sql/adbc/wheel.ts";
import { platformKey } from "../../src/library/prebuilt.ts";
import { sha256Hex } from "../../src/library/cache_files.ts";
import { runtime } from "../../src/runtime/current.ts";
import { rows } from "../_sql.ts";
import { makeWheel } from "./_wheel.ts";
import { listDir, served } from "./_serve.ts";

const library = await openLibrary();
const install = new URL(`../../.toolchain/adbc-drivers-${ADBC_DRIVERS_VERSION}/`, import.meta.url);
const driverBytes = await Deno.readFile(new URL("libadbc_driver_sqlite.so", install));
const member = "adbc_driver_sqlite/libadbc_driver_sqlite.so";
const wheelName = `adbc_driver_sqlite-${ADBC_DRIVERS_VERSION}-py3-none-test.whl`;
const cacheRoot = Deno.env.get("ZEROCOPY_TEST_CACHE")!;
const key = platformKey();

// A wheel as PyPI's are laid out: package files around the driver library.
const wheel = await makeWheel([
  { name: "adbc_driver_sqlite/__init__.py", bytes: new TextEncoder().encode("# driver\n") },
  { name: member, bytes: driverBytes },
  { name: "../../escape.so", bytes: new Uint8Array([1, 2, 3]) },
]);
// Hashes as pinned, but the driver inside was swapped: only the member's own hash catches it.
const swapped = await makeWheel([{
  name: member,
  bytes: driverBytes.map((byte, i) => i === 4096 ? byte ^ 1 : byte),
}]);
const pinned: DriverWheel = {
  url: "",
  size: wheel.length,
  sha256: await sha256Hex(wheel),
  member,
  memberSize: driverBytes.length,
  memberSha256: await sha256Hex(driverBytes),
};

let server: Deno.HttpServer<Deno.NetAddr>;
let origin = "";
const requests = new Map<string, number>();

function serve(request: Request): Response {
  const mode = new URL(request.url).pathname.split("/")[1];
  requests.set(mode, (requests.get(mode) ?? 0) + 1);
  const response = served(wheel, mode);
  if (response !== undefined) return response;
  switch (mode) {
    case "swapped":
      return new Response(swapped);
    default:
      return new Response("missing", { status: 404 });
  }
}

let fresh = 0;
/** A cache directory of its own. */
function newCache(): string {
  return `${cacheRoot}/drivers-${fresh++}`;
}

/** The pinned wheel of this platform served from `mode`, with `change` to what is pinned. */
function source(mode: string, cacheDir: string, change: Partial<DriverWheel> = {}): NamedDriverSource {
  return {
    wheels: { sqlite: { [key]: { ...pinned, url: `${origin}/${mode}/${wheelName}`, ...change } } },
    cacheDir,
  };
}

async function expectError(promise: Promise<unknown>, code: string, text?: string): Promise<ZeroCopyError> {
  const error = await assertRejects(() => promise, ZeroCopyError);
  assertEquals(error.code, code, error.message);
  if (text !== undefined) assertStringIncludes(error.message, text);
  return error;
}

describe("named ADBC drivers from their wheels", () => {
  beforeAll(() => {
    server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, serve);
    origin = `http://127.0.0.1:${server.addr.port}`;
  });
  afterAll(async () => {
    await server.shutdown();
  });

  it("downloads the wheel, loads the driver inside from a private copy and runs a query on it", async () => {
    const cacheDir = newCache();
    const before = requests.get("ok") ?? 0;
    const file = await resolveDriver("sqlite", undefined, source("ok", cacheDir));
    assertEquals(requests.get("ok"), before + 1);
    assert(file.path.startsWith(`${cacheDir}/loaded/`), file.path);
    assertEquals(await Deno.readFile(file.path), driverBytes);
    assertEquals(await listDir(`${cacheDir}/${pinned.sha256}`), [wheelName]);
    // Nothing from the archive became a path: the member named "../../escape.so" is nowhere.
    assertEquals((await listDir(cacheRoot)).filter((name) => name.includes("escape")), []);
    await using conn = await connect({ driver: file.path, uri: ":memory:", library });
    assertEquals(await rows(conn, "select 40 + 2 as answer"), [{ answer: 42n }]);
  });

  it("reads the cached wheel on the next connect, with no request", async () => {
    const cacheDir = newCache();
    await resolveDriver("sqlite", undefined, source("ok", cacheDir));
    const after = requests.get("ok");
    const file = await resolveDriver("sqlite", undefined, source("ok", cacheDir));
    assertEquals(requests.get("ok"), after);
    assertEquals(await Deno.readFile(file.path), driverBytes);
  });

  it("inflates and checks the driver inside a wheel once per process, the wheel on every connect", async () => {
    const cacheDir = newCache();
    const wheels = source("ok", cacheDir).wheels.sqlite;
    const first = await downloadedDriver("sqlite", wheels, cacheDir);
    // A pinned member hash that no driver has: only a second inflation would notice it.
    const lying = { [key]: { ...wheels[key], memberSize: 1 } };
    assertEquals(await downloadedDriver("sqlite", lying, cacheDir), first);
    const elsewhere = newCache();
    await expectError(
      downloadedDriver("sqlite", { [key]: { ...lying[key], url: `${origin}/ok/${wheelName}` } }, elsewhere),
      "LIBRARY_INVALID",
    );
    await expectError(
      downloadedDriver("sqlite", { [key]: { ...wheels[key], sha256: "0".repeat(64) } }, cacheDir),
      "HASH_MISMATCH",
    );
  });

  it("refuses a tampered wheel and caches nothing", async () => {
    const cacheDir = newCache();
    await expectError(
      resolveDriver("sqlite", undefined, source("tampered", cacheDir)),
      "HASH_MISMATCH",
      pinned.sha256,
    );
    assertEquals(await listDir(`${cacheDir}/${pinned.sha256}`), []);
    assertEquals(await listDir(`${cacheDir}/loaded`), []);
  });

  it("refuses a truncated wheel and caches nothing", async () => {
    const cacheDir = newCache();
    await expectError(
      resolveDriver("sqlite", undefined, source("short", cacheDir)),
      "DOWNLOAD_FAILED",
      "bytes",
    );
    assertEquals(await listDir(`${cacheDir}/${pinned.sha256}`), []);
  });

  it("refuses a wheel whose driver library is not the pinned one, even when the wheel's hash is", async () => {
    const cacheDir = newCache();
    const change = { size: swapped.length, sha256: await sha256Hex(swapped) };
    await expectError(
      resolveDriver("sqlite", undefined, source("swapped", cacheDir, change)),
      "HASH_MISMATCH",
      pinned.memberSha256,
    );
    assertEquals(await listDir(`${cacheDir}/loaded`), []);
  });

  it("refuses a cached wheel changed between runs, and downloads it again once it is removed", async () => {
    const cacheDir = newCache();
    await resolveDriver("sqlite", undefined, source("ok", cacheDir));
    const cached = `${cacheDir}/${pinned.sha256}/${wheelName}`;
    const bytes = await Deno.readFile(cached);
    bytes[bytes.length >> 1] ^= 0xff;
    await Deno.writeFile(cached, bytes);
    await expectError(
      resolveDriver("sqlite", undefined, source("ok", cacheDir)),
      "HASH_MISMATCH",
      "delete it",
    );
    await Deno.remove(cached);
    const before = requests.get("ok")!;
    const file = await resolveDriver("sqlite", undefined, source("ok", cacheDir));
    assertEquals(requests.get("ok"), before + 1);
    assertEquals(await Deno.readFile(file.path), driverBytes);
  });

  it("refuses a cached wheel that is a link, wherever it points", async () => {
    const cacheDir = newCache();
    await resolveDriver("sqlite", undefined, source("ok", cacheDir));
    const cached = `${cacheDir}/${pinned.sha256}/${wheelName}`;
    await Deno.rename(cached, `${cached}.real`);
    // `ln -s`: Deno.symlink needs unscoped --allow-read and --allow-write, which this suite does not have.
    assert((await new Deno.Command("ln", { args: ["-s", `${cached}.real`, cached] }).output()).success);
    await expectError(
      resolveDriver("sqlite", undefined, source("ok", cacheDir)),
      "UNTRUSTED_PATH",
      "symbolic link",
    );
  });

  it("asks for --allow-write on the cache before downloading into it", async () => {
    const cacheDir = newCache();
    const host = { ...runtime, permissions: { ...runtime.permissions, write: () => false } };
    const error = await assertRejects(() =>
      downloadedDriver("sqlite", source("ok", cacheDir).wheels.sqlite, cacheDir, host)
    );
    assert(error instanceof Deno.errors.NotCapable, String(error));
    assertStringIncludes(error.message, `--allow-write=${cacheDir}`);
    assertEquals(await listDir(cacheDir), []);
  });

  it("names the platforms that have a wheel when this one has none", async () => {
    const error = await expectError(
      resolveDriver("sqlite", undefined, {
        wheels: { sqlite: { "plan9-mips": pinned } },
        cacheDir: newCache(),
      }),
      "UNSUPPORTED_PLATFORM",
      key,
    );
    assertStringIncludes(error.message, "plan9-mips");
    await expectError(
      resolveDriver("sqlite", undefined, { wheels: {}, cacheDir: newCache() }),
      "UNSUPPORTED_PLATFORM",
    );
  });

  it("turns an unreachable host and an HTTP error into DOWNLOAD_FAILED naming what else to do", async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const closedPort = listener.addr.port;
    listener.close();
    const unreachable = source("ok", newCache(), { url: `http://127.0.0.1:${closedPort}/ok/${wheelName}` });
    await expectError(resolveDriver("sqlite", undefined, unreachable), "DOWNLOAD_FAILED", "absolute path");
    await expectError(
      resolveDriver("sqlite", undefined, source("gone", newCache())),
      "DOWNLOAD_FAILED",
      "HTTP 404",
    );
  });

  it("asks for --allow-net on the wheel's host before downloading", async () => {
    const host = { ...runtime, permissions: { ...runtime.permissions, net: () => false } };
    const wheels = source("ok", newCache()).wheels.sqlite;
    const error = await assertRejects(() => downloadedDriver("sqlite", wheels, newCache(), host));
    assert(error instanceof Deno.errors.NotCapable, String(error));
    assertStringIncludes(error.message, `--allow-net=127.0.0.1:${server.addr.port}`);
    assertStringIncludes(error.message, 'the wheel of the ADBC driver "sqlite"');
  });

  it("prefers a checkout's install, and downloads when the install lacks the driver", async () => {
    // The install is looked for beside the module itself (a file: URL of its own), never in the working directory.
    assertEquals(pinnedSource.install?.href, install.href);
    const before = requests.get("ok") ?? 0;
    const installed = await resolveDriver("sqlite", undefined, { ...source("ok", newCache()), install });
    assertEquals(installed.path, new URL("libadbc_driver_sqlite.so", install).pathname);
    const empty = new URL(`file://${newCache()}/`);
    const downloaded = await resolveDriver("sqlite", undefined, {
      ...source("ok", newCache()),
      install: empty,
    });
    assertEquals(requests.get("ok"), before + 1);
    assertEquals(await Deno.readFile(downloaded.path), driverBytes);
  });

  it("pins the files.pythonhosted.org wheel of every platform key, both drivers", () => {
    for (const driver of ["sqlite", "postgresql"]) {
      const wheels = driverWheels[driver];
      assertEquals(
        Object.keys(wheels).sort(),
        ["darwin-aarch64", "darwin-x86_64", "linux-aarch64", "linux-x86_64", "windows-x86_64"],
      );
      for (const pin of Object.values(wheels)) {
        assert(pin.url.startsWith("https://files.pythonhosted.org/packages/"), pin.url);
        assertStringIncludes(pin.url, `adbc_driver_${driver}-${ADBC_DRIVERS_VERSION}-`);
        assertEquals(pin.member, `adbc_driver_${driver}/libadbc_driver_${driver}.so`);
        assert(/^[0-9a-f]{64}$/.test(pin.sha256) && /^[0-9a-f]{64}$/.test(pin.memberSha256));
      }
    }
    // The install tools/adbc_drivers.sh made is the library the linux-x86_64 wheel holds.
    if (key === "linux-x86_64") assertEquals(driverWheels.sqlite[key].memberSha256, pinned.memberSha256);
  });
});
