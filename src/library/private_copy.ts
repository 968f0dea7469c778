/**
 * The private copy, the third step of opening a library: a prebuilt library
 * is loaded from a private copy of exactly the bytes whose hash was checked
 * (src/library/prebuilt.ts), never from the cached file that was hashed
 * (which anyone who can write to the cache could swap between the check and
 * the load); src/library/load.ts then loads the copy. docs/security.md states
 * what this defends against and what it does not.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { runtime } from "../runtime/current.ts";
import type { OpenFile, Runtime } from "../runtime/runtime.ts";
import { inCacheDir, sha256Hex } from "./cache_files.ts";
import type { VerifiedLibrary } from "./prebuilt.ts";
import { checkTrustedDirs, checkTrustedFile, ownUid } from "./trusted_dirs.ts";

/** Private copies made by this isolate, by cache directory and SHA-256: loaded once, they need no second copy. */
const copies = new Map<string, string>();

/** How long a private copy left by a process that did not exit cleanly is kept. */
const STALE_MS = 24 * 60 * 60 * 1000;

/**
 * The private copy this process already made of the bytes hashing to
 * `sha256` in `cacheDir`, if any: what {@linkcode privateCopy} would return
 * for them without reading anything.
 */
export function knownPrivateCopy(cacheDir: string, sha256: string): string | undefined {
  return copies.get(`${cacheDir}\0${sha256}`);
}

/**
 * A file holding exactly `library.bytes`, in a directory of the cache that
 * only this process's user can write to (mode 0700), checked after it is
 * written: `<cacheDir>/loaded/<pid>-<sha256 prefix>/<file>`. The name is the
 * same for every worker of this process, so that each opens the same loaded
 * library (one set of counters, buffers that move between them) rather than a
 * second instance. Removed when the isolate that made it exits, or at once
 * when it is refused; the loaded code stays mapped (Windows keeps the file
 * until the next cleanup).
 *
 * `dlopen` takes a path, so the file hashed is the file loaded only when no
 * one else can change that path: every directory on it is checked
 * (trusted_dirs.ts), no entry below the cache root may be a link, the copy is
 * written to a new file (never through an existing one), and the hash is of
 * the bytes read through a descriptor of the very file `lstat` finds at the
 * path that is loaded.
 *
 * Needs `--allow-read` and `--allow-write` on the cache directory.
 *
 * @param library The checked bytes and the cache directory.
 * @param host The runtime whose file system and permissions to use.
 * @returns The path to load.
 * @throws {ZeroCopyError} `HASH_MISMATCH` when the copy changed while it was
 * written; `UNTRUSTED_PATH` for a directory or file on the way that another
 * user could change, or a link.
 * @throws {Error} the runtime's `NotCapable`, naming `--allow-write` on the cache directory.
 */
export async function privateCopy(library: VerifiedLibrary, host: Runtime = runtime): Promise<string> {
  const { cacheDir, sha256 } = library;
  const { fs } = host;
  const known = copies.get(`${cacheDir}\0${sha256}`);
  if (known !== undefined) return known;
  if (!host.permissions.write(cacheDir)) {
    throw host.errors.notCapable(
      `Requires write access to "${cacheDir}" to load the prebuilt library from a private copy of the bytes whose SHA-256 was checked (never from the cached file itself, which could change in between): run again with --allow-write=${cacheDir}`,
    );
  }
  const root = `${cacheDir}/loaded`;
  const dir = `${root}/${host.pid}-${sha256.slice(0, 16)}`;
  // 0755 at most, whatever the umask: a group-writable directory here would be refused below.
  await inCacheDir(host, cacheDir, () => fs.mkdir(cacheDir, { recursive: true, mode: 0o755 }));
  const uid = await ownUid(host, cacheDir);
  await checkTrustedDirs(host, cacheDir, [], uid);
  await fs.mkdir(root, { mode: 0o755 }).catch((error) => {
    if (!host.errors.isAlreadyExists(error)) throw error;
  });
  await checkTrustedDirs(host, cacheDir, [root], uid);
  const created = await makePrivateDir(host, dir);
  const path = `${dir}/${library.file}`;
  try {
    await checkTrustedDirs(host, cacheDir, [root, dir], uid);
    // Only a directory found to be ours is removed at exit: a recursive removal follows no one else's link.
    if (created) {
      host.onExit(() => {
        try {
          fs.removeSync(dir, { recursive: true });
        } catch { /* Windows keeps a loaded DLL: the next cleanup removes it */ }
      });
    }
    if (created || (await hashOnDisk(host, path, uid))?.sha256 !== sha256) {
      await writeNew(host, path, library.bytes);
    }
    // What is on disk now is what dlopen maps: check it, not the bytes in memory.
    const actual = await hashOnDisk(host, path, uid);
    if (actual?.sha256 !== sha256) {
      throw new ZeroCopyError(
        "HASH_MISMATCH",
        `Refusing to load "${path}": its SHA-256 is ${
          actual?.sha256 ?? "unknown (it is gone)"
        } but ${sha256} was just written, so something else writes to "${dir}"; check who can write to the cache directory "${cacheDir}"`,
      );
    }
  } catch (error) {
    // A refused copy is never loaded: nothing waits for the exit to remove it. A directory that is not
    // ours (UNTRUSTED_PATH) is left alone: removing through it could remove someone else's files.
    if (created && !(error instanceof ZeroCopyError && error.code === "UNTRUSTED_PATH")) {
      await fs.remove(dir, { recursive: true }).catch(() => {});
    }
    throw error;
  }
  if (created) await removeStale(host, root);
  copies.set(`${cacheDir}\0${sha256}`, path);
  return path;
}

/**
 * Creates `dir` with mode 0700; true when this call created it. One that
 * exists (made by another worker of this process, or left by a process that
 * had the same id) is used only when it is a directory, not a link, with no
 * access for group or others (its owner is checked with the rest of the path).
 */
async function makePrivateDir(host: Runtime, dir: string): Promise<boolean> {
  try {
    await host.fs.mkdir(dir, { mode: 0o700 });
    return true;
  } catch (error) {
    if (!host.errors.isAlreadyExists(error)) throw error;
  }
  const info = await host.fs.lstat(dir);
  if (info.isDirectory && !info.isSymlink && (info.mode === null || (info.mode & 0o077) === 0)) return false;
  throw new ZeroCopyError(
    "UNTRUSTED_PATH",
    `Refusing to load a library through "${dir}": it is not a private directory (a link, a file, or open to other users); remove it`,
  );
}

/**
 * Writes `bytes` to a new file beside `path` (created, never opened through a
 * link or an existing file) and renames it into place, so that another worker
 * of this process never reads half a library.
 */
async function writeNew(host: Runtime, path: string, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
  const partial = `${path}.${crypto.randomUUID()}.partial`;
  try {
    const file = await host.fs.open(partial, { write: true, createNew: true, mode: 0o700 });
    try {
      for (let written = 0; written < bytes.length;) written += await file.write(bytes.subarray(written));
    } finally {
      file.close();
    }
    await host.fs.rename(partial, path);
  } catch (error) {
    await host.fs.remove(partial).catch(() => {});
    throw error;
  }
}

/**
 * The SHA-256 of the file at `path`, read through one descriptor, after
 * checking that the file `lstat` finds at `path` is that descriptor's file
 * (same device and inode: not a link, not swapped in between) and that only
 * this user can write to it. Undefined when there is no file.
 */
async function hashOnDisk(
  host: Runtime,
  path: string,
  uid: number | null,
): Promise<{ sha256: string } | undefined> {
  let file: OpenFile;
  try {
    checkTrustedFile(path, await host.fs.lstat(path), uid);
    file = await host.fs.open(path, { read: true });
  } catch (error) {
    if (host.errors.isNotFound(error)) return undefined;
    throw error;
  }
  try {
    const opened = await file.stat();
    const named = await host.fs.lstat(path);
    checkTrustedFile(path, named, uid);
    if (opened.dev !== named.dev || opened.ino !== named.ino) {
      throw new ZeroCopyError(
        "UNTRUSTED_PATH",
        `Refusing to load "${path}": the file changed while it was opened, so something else writes to its directory; check who can write to the cache directory`,
      );
    }
    const bytes = new Uint8Array(opened.size);
    for (let read = 0; read < bytes.length;) {
      const count = await file.read(bytes.subarray(read));
      if (count === null) break;
      read += count;
    }
    return { sha256: await sha256Hex(bytes) };
  } finally {
    file.close();
  }
}

/** Removes copies that processes killed before their cleanup left behind a day ago or more. */
async function removeStale(host: Runtime, root: string): Promise<void> {
  try {
    for await (const entry of host.fs.readDir(root)) {
      if (entry.name.startsWith(`${host.pid}-`)) continue;
      const info = await host.fs.lstat(`${root}/${entry.name}`);
      if (Date.now() - (info.mtime?.getTime() ?? Date.now()) < STALE_MS) continue;
      await host.fs.remove(`${root}/${entry.name}`, { recursive: true });
    }
  } catch { /* a cleanup that fails leaves files, never a failed open */ }
}
