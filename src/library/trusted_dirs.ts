/**
 * Who can change the files a pinned library is loaded from. `dlopen` takes a
 * path, not a descriptor, so the bytes whose hash was checked are the bytes
 * that run only when no one else can rename, replace or rewrite anything on
 * that path between the check and the load. The rules are OpenSSH's
 * StrictModes: every directory from the cache root down (and above it, as far
 * as `--allow-read` lets it be looked at) is owned by this user or root and
 * writable by no one else, unless it is sticky (as `/tmp` is: others may add
 * entries but not rename or remove ours). Below the cache root nothing may be
 * a symbolic link: zerocopy made those entries itself and knows they are
 * directories and files. Windows has no POSIX owners and modes (the runtime
 * reports none): there the checks stand down, and the hash check of the private copy
 * is what is left (docs/security.md).
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import type { FileInfo, Runtime } from "../runtime/runtime.ts";

const GROUP_OR_OTHER_WRITE = 0o022;
const STICKY = 0o1000;

/**
 * This process's user id, from a file it just created (asking the runtime
 * would need Deno's `--allow-sys`): the descriptor's owner is ours whatever
 * the path names by then. Null where files have no POSIX owner (Windows).
 *
 * @param host The runtime's OS and file system.
 * @param dir A directory this process may write to.
 * @returns The user id, or null where the OS has none.
 */
export async function ownUid(host: Pick<Runtime, "os" | "fs">, dir: string): Promise<number | null> {
  if (host.os === "windows") return null;
  const probe = `${dir}/.uid-${crypto.randomUUID()}`;
  const file = await host.fs.open(probe, { write: true, createNew: true, mode: 0o600 });
  try {
    return (await file.stat()).uid;
  } finally {
    file.close();
    await host.fs.remove(probe).catch(() => {});
  }
}

/**
 * Checks the directories a library is about to be loaded from: `cacheRoot`
 * and the ancestors of it that `--allow-read` covers (followed, as the user
 * chose them), then each of `below`, which must be real directories of ours
 * that no one else can write to.
 *
 * @param host The file system, and the permissions that say how far up it may be looked at.
 * @param cacheRoot The cache directory.
 * @param below The directories under it, outermost first.
 * @param uid This process's user id (null: no POSIX owners, nothing to check).
 * @throws {ZeroCopyError} `UNTRUSTED_PATH` naming the directory and the fix.
 */
export async function checkTrustedDirs(
  host: Pick<Runtime, "fs" | "permissions">,
  cacheRoot: string,
  below: readonly string[],
  uid: number | null,
): Promise<void> {
  if (uid === null) return;
  for (const dir of ancestors(cacheRoot)) {
    if (!host.permissions.read(dir)) continue;
    checkDir(dir, await host.fs.stat(dir), uid, true);
  }
  for (const dir of below) {
    const info = await host.fs.lstat(dir);
    if (info.isSymlink) throw symlinkRefused(dir);
    checkDir(dir, info, uid, false);
  }
}

/**
 * Checks the file about to be loaded, as `lstat` saw it: a regular file of
 * ours that no one else can write to.
 *
 * @param path The file.
 * @param info Its `lstat`.
 * @param uid This process's user id (null: nothing to check).
 * @throws {ZeroCopyError} `UNTRUSTED_PATH` naming the file and the fix.
 */
export function checkTrustedFile(path: string, info: FileInfo, uid: number | null): void {
  if (info.isSymlink) throw symlinkRefused(path);
  if (!info.isFile) {
    throw untrusted(path, "it is not a regular file", `remove "${path}" (zerocopy writes it again)`);
  }
  if (uid === null) return;
  checkOwner(path, info, uid);
  if (info.mode !== null && (info.mode & GROUP_OR_OTHER_WRITE) !== 0) {
    throw untrusted(path, `it is writable by group or others (mode ${octal(info.mode)})`, `remove "${path}"`);
  }
}

/** `path` and each of its parents, outermost first: "/a/b" gives "/", "/a", "/a/b". */
function ancestors(path: string): string[] {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const dirs = [trimmed];
  for (let cut = trimmed.lastIndexOf("/"); cut >= 0; cut = dirs[0].lastIndexOf("/")) {
    const parent = cut === 0 ? "/" : dirs[0].slice(0, cut);
    if (parent === dirs[0]) break;
    dirs.unshift(parent);
  }
  return dirs;
}

function checkDir(dir: string, info: FileInfo, uid: number, sharedAllowed: boolean): void {
  if (!info.isDirectory) {
    throw untrusted(
      dir,
      "it is not a directory",
      `remove "${dir}", or pass another cacheDir (or set DENO_DIR)`,
    );
  }
  checkOwner(dir, info, uid);
  const mode = info.mode ?? 0;
  if ((mode & GROUP_OR_OTHER_WRITE) === 0 || (sharedAllowed && (mode & STICKY) !== 0)) return;
  throw untrusted(
    dir,
    `it is writable by group or others (mode ${octal(mode)})${
      sharedAllowed ? " and not sticky" : ""
    }, so another user could swap the library before it is loaded`,
    `run chmod go-w "${dir}", or pass a cacheDir (or set DENO_DIR) that only you can write to`,
  );
}

function checkOwner(path: string, info: FileInfo, uid: number): void {
  if (info.uid === null || info.uid === uid || info.uid === 0) return;
  throw untrusted(
    path,
    `it is owned by user ${info.uid}, not by you (user ${uid}) or root, so that user could swap the library before it is loaded`,
    `pass a cacheDir (or set DENO_DIR) of your own`,
  );
}

function symlinkRefused(path: string): ZeroCopyError {
  return untrusted(
    path,
    "it is a symbolic link, which could point elsewhere between the check and the load",
    `remove the link "${path}" (zerocopy creates what it needs there)`,
  );
}

function untrusted(path: string, why: string, fix: string): ZeroCopyError {
  return new ZeroCopyError("UNTRUSTED_PATH", `Refusing to load a library through "${path}": ${why}; ${fix}`);
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}
