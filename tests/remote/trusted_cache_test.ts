// Run as the rest of tests/remote/: --allow-net=127.0.0.1, --allow-ffi, read on zig-out and lib,
// read/write on ZEROCOPY_TEST_CACHE. dlopen takes a path, so a hash-pinned library is loaded only
// through directories no other user can change and through no link; a refused private copy leaves
// nothing behind; a library built for another machine says so.

import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { afterAll, beforeAll, describe, it } from "@std/testing/bdd";
import { libraryFileName, openLibrary, openRemoteLibrary, platformKey, ZeroCopyError } from "../../mod.ts";
import { privateCopy } from "../../src/library/private_copy.ts";
import { machineOf } from "../../src/library/machine.ts";

const local = await openLibrary();
const libraryBytes = await Deno.readFile(local.path);
const sha256 = await hex(libraryBytes);
const pinned = { [platformKey()]: sha256 };
const releaseFile = `zerocopy-${Deno.build.os}-${Deno.build.arch}.${libraryFileName().split(".").pop()}`;
const cacheRoot = Deno.env.get("ZEROCOPY_TEST_CACHE")!;
const posix = Deno.build.os !== "windows";
const otherArch = Deno.build.arch === "x86_64" ? "aarch64" : "x86_64";
const otherArchLibrary = `lib/${Deno.build.os}-${otherArch}/${libraryFileName()}`;

let server: Deno.HttpServer<Deno.NetAddr>;
let template = "";
let served = libraryBytes;

async function hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** `ln -s`: Deno.symlink needs unscoped --allow-read and --allow-write, which this suite does not have. */
async function symlink(target: string, link: string): Promise<void> {
  const { success } = await new Deno.Command("ln", { args: ["-s", target, link] }).output();
  assert(success, `ln -s ${target} ${link}`);
}

async function refused(cacheDir: string, code = "UNTRUSTED_PATH"): Promise<ZeroCopyError> {
  const error = await assertRejects(
    () => openRemoteLibrary({ url: template, sha256: pinned, cacheDir }),
    ZeroCopyError,
  );
  assertEquals(error.code, code, error.message);
  return error;
}

describe("a hash-pinned library is loaded only through paths no one else can change", () => {
  beforeAll(() => {
    server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => new Response(served));
    template = `http://127.0.0.1:${server.addr.port}/releases/zerocopy-{os}-{arch}.{ext}`;
  });
  afterAll(() => server.shutdown());

  it("refuses a cache under a directory that group or others can write to", { ignore: !posix }, async () => {
    const shared = `${cacheRoot}/shared`;
    await Deno.mkdir(shared);
    await Deno.chmod(shared, 0o777);
    const error = await refused(`${shared}/cache`);
    assertStringIncludes(error.message, `"${shared}"`);
    assertStringIncludes(error.message, "writable by group or others (mode 0777)");
    assertStringIncludes(error.message, `chmod go-w "${shared}"`);
    await Deno.chmod(shared, 0o755);
    const lib = await openRemoteLibrary({ url: template, sha256: pinned, cacheDir: `${shared}/cache` });
    assert(lib.path.startsWith(`${shared}/cache/loaded/`), lib.path);
  });

  it(
    "refuses a cache directory itself open to others, and its loaded/ directory",
    { ignore: !posix },
    async () => {
      const cacheDir = `${cacheRoot}/open-cache`;
      await Deno.mkdir(cacheDir);
      await Deno.chmod(cacheDir, 0o775);
      assertStringIncludes((await refused(cacheDir)).message, `"${cacheDir}"`);
      await Deno.chmod(cacheDir, 0o700);
      await Deno.mkdir(`${cacheDir}/loaded`, { recursive: true, mode: 0o700 });
      await Deno.chmod(`${cacheDir}/loaded`, 0o1777); // sticky is enough above the cache, not inside it
      assertStringIncludes((await refused(cacheDir)).message, `"${cacheDir}/loaded"`);
    },
  );

  it("accepts a sticky shared ancestor such as /tmp", { ignore: !posix }, async () => {
    const sticky = `${cacheRoot}/sticky`;
    await Deno.mkdir(sticky);
    await Deno.chmod(sticky, 0o1777);
    const lib = await openRemoteLibrary({ url: template, sha256: pinned, cacheDir: `${sticky}/cache` });
    assert(lib.path.startsWith(`${sticky}/cache/loaded/`), lib.path);
  });

  it("refuses a cache under a directory another user owns", { ignore: !posix }, async (t) => {
    const theirs = `${cacheRoot}/theirs`;
    await Deno.mkdir(`${theirs}/cache`, { recursive: true, mode: 0o755 });
    try {
      await Deno.chown(theirs, 65534, 65534); // nobody: only root can give a directory away
    } catch (error) {
      if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
      // As another user than root this case cannot be built; the mode cases above cover the rule.
      await t.step({ name: "another user's directory (needs root to build)", ignore: true, fn: () => {} });
      return;
    }
    const error = await refused(`${theirs}/cache`);
    assertStringIncludes(error.message, `"${theirs}"`);
    assertStringIncludes(error.message, "owned by user 65534");
    assertStringIncludes(error.message, "cacheDir");
  });

  it("refuses a loaded/ directory that is a symbolic link", { ignore: !posix }, async () => {
    const cacheDir = `${cacheRoot}/linked-loaded`;
    const elsewhere = `${cacheRoot}/elsewhere`;
    await Deno.mkdir(cacheDir, { mode: 0o700 });
    await Deno.mkdir(elsewhere, { mode: 0o700 });
    await symlink(elsewhere, `${cacheDir}/loaded`);
    const error = await refused(cacheDir);
    assertStringIncludes(error.message, `"${cacheDir}/loaded"`);
    assertStringIncludes(error.message, "symbolic link");
    assertEquals([...Deno.readDirSync(elsewhere)], [], "nothing was written through the link");
  });

  it(
    "refuses a cached library that is a symbolic link, even to the right bytes",
    { ignore: !posix },
    async () => {
      const cacheDir = `${cacheRoot}/linked-file`;
      await Deno.mkdir(`${cacheDir}/${sha256}`, { recursive: true, mode: 0o700 });
      const real = `${cacheRoot}/real-${releaseFile}`;
      await Deno.writeFile(real, libraryBytes);
      const cached = `${cacheDir}/${sha256}/${releaseFile}`;
      await symlink(real, cached);
      const error = await refused(cacheDir);
      assertStringIncludes(error.message, `"${cached}"`);
      assertStringIncludes(error.message, "symbolic link");
      assertStringIncludes(error.message, "remove it");
    },
  );

  it("removes a private copy it refuses at once, not a day later", async () => {
    const cacheDir = `${cacheRoot}/refused-copy`;
    // Bytes that are not the ones the hash names: the copy on disk then fails its check.
    const library = { bytes: libraryBytes.slice(0, 64), sha256, file: releaseFile, origin: "test", cacheDir };
    const error = await assertRejects(() => privateCopy(library), ZeroCopyError);
    assertEquals(error.code, "HASH_MISMATCH", error.message);
    const left = [...Deno.readDirSync(`${cacheDir}/loaded`)].map((entry) => entry.name);
    assertEquals(left.filter((name) => name.startsWith(`${Deno.pid}-`)), []);
  });
});

describe("a library built for another machine", () => {
  beforeAll(() => {
    server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => new Response(served));
    template = `http://127.0.0.1:${server.addr.port}/releases/zerocopy-{os}-{arch}.{ext}`;
  });
  afterAll(() => {
    served = libraryBytes;
    return server.shutdown();
  });

  it("reads the machine from ELF, Mach-O and PE headers", async () => {
    for (
      const [dir, format, arch] of [
        ["linux-x86_64", "ELF", "x86_64"],
        ["linux-aarch64", "ELF", "aarch64"],
        ["darwin-aarch64", "Mach-O", "aarch64"],
        ["darwin-x86_64", "Mach-O", "x86_64"],
        ["windows-x86_64", "PE", "x86_64"],
        ["windows-aarch64", "PE", "aarch64"],
      ]
    ) {
      const file = [...Deno.readDirSync(`lib/${dir}`)][0].name;
      assertEquals(machineOf(await Deno.readFile(`lib/${dir}/${file}`)), { format, arch }, dir);
    }
    assertEquals(machineOf(new TextEncoder().encode("not a library at all")), undefined);
  });

  it("is WRONG_ARCHITECTURE, not a missing file, given as path", async () => {
    const error = await assertRejects(() => openLibrary({ path: otherArchLibrary }), ZeroCopyError);
    assertEquals(error.code, "WRONG_ARCHITECTURE", error.message);
    assertStringIncludes(error.message, `"${otherArchLibrary}"`);
    assertStringIncludes(
      error.message,
      `for ${otherArch}, but this is ${Deno.build.os} on ${Deno.build.arch}`,
    );
  });

  it("is WRONG_ARCHITECTURE for another OS's library", async () => {
    const windows = Deno.build.os === "windows";
    const path = windows ? "lib/linux-x86_64/libzerocopy.so" : "lib/windows-x86_64/zerocopy.dll";
    const error = await assertRejects(() => openLibrary({ path }), ZeroCopyError);
    assertEquals(error.code, "WRONG_ARCHITECTURE", error.message);
    assertStringIncludes(error.message, windows ? "an ELF library" : "a PE library");
  });

  it("is WRONG_ARCHITECTURE when a pinned download is the other machine's build", async () => {
    served = await Deno.readFile(otherArchLibrary);
    const cacheDir = `${cacheRoot}/other-arch`;
    const otherPinned = { [platformKey()]: await hex(served) };
    const error = await assertRejects(
      () => openRemoteLibrary({ url: template, sha256: otherPinned, cacheDir }),
      ZeroCopyError,
    );
    assertEquals(error.code, "WRONG_ARCHITECTURE", error.message);
    assertStringIncludes(error.message, `${cacheDir}/loaded/`);
  });
});
