/**
 * The file system under Node and Bun: `node:fs`, as the runtime interface names it.
 *
 * @module
 */

import type { FileInfo, FileSystem, OpenFile, OpenOptions } from "../runtime.ts";
import { builtin, type NodeFs, nodeProcess, type NodeStats } from "./host.ts";

const fs = () => builtin<NodeFs>("node:fs");

// Node makes up POSIX modes and owners on Windows (a directory reads as 0o40666, open to all); Deno reports
// none there, which is what the checks of owners and modes take to mean "nothing to check".
const posix = () => nodeProcess().platform !== "win32";

function info(stats: NodeStats): FileInfo {
  return {
    isFile: stats.isFile(),
    isDirectory: stats.isDirectory(),
    isSymlink: stats.isSymbolicLink(),
    size: stats.size,
    mtime: stats.mtime,
    mode: posix() ? stats.mode : null,
    uid: posix() ? stats.uid : null,
    dev: stats.dev,
    ino: stats.ino,
  };
}

function openFlags(options: OpenOptions): number {
  const c = fs().constants;
  const access = options.read && (options.write || options.create || options.createNew)
    ? c.O_RDWR
    : options.write || options.create || options.createNew
    ? c.O_WRONLY
    : c.O_RDONLY;
  const create = options.createNew ? c.O_CREAT | c.O_EXCL : options.create ? c.O_CREAT : 0;
  return access | create;
}

// A directory is removed as Deno.remove removes one: when empty, or with everything in it under `recursive`.
async function remove(path: string, recursive: boolean): Promise<void> {
  try {
    await fs().promises.rm(path, { recursive });
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_FS_EISDIR") throw error;
    await (fs().promises as unknown as { rmdir(path: string): Promise<void> }).rmdir(path);
  }
}

/** Node's file system. */
export const nodeFileSystem: FileSystem = {
  stat: async (path) => info(await fs().promises.stat(path)),
  statSync: (path) => info(fs().statSync(path)),
  lstat: async (path) => info(await fs().promises.lstat(path)),
  // A copy into an ArrayBuffer of its own: a Buffer may share one with others.
  readFile: async (path) => new Uint8Array(await fs().promises.readFile(path)),
  readStartSync(path, length) {
    const fd = fs().openSync(path, "r");
    try {
      const start = new Uint8Array(length);
      return start.subarray(0, fs().readSync(fd, start, 0, length, 0));
    } finally {
      fs().closeSync(fd);
    }
  },
  writeFile: (path, bytes) => fs().promises.writeFile(path, bytes),
  rename: (from, to) => fs().promises.rename(from, to),
  remove: (path, options) => remove(path, options?.recursive ?? false),
  removeSync: (path, options) => fs().rmSync(path, { recursive: options?.recursive ?? false }),
  mkdir: async (path, options) => void await fs().promises.mkdir(path, options ?? {}),
  open: async (path: string, options: OpenOptions): Promise<OpenFile> => {
    const file = await fs().promises.open(path, openFlags(options), options.mode ?? 0o666);
    return {
      stat: async () => info(await file.stat()),
      read: async (buffer) => {
        const { bytesRead } = await file.read(buffer, 0, buffer.byteLength, null);
        return bytesRead === 0 && buffer.byteLength > 0 ? null : bytesRead;
      },
      write: async (bytes) => (await file.write(bytes)).bytesWritten,
      // Node has no advisory file locks: two processes that download the same
      // library at once both write a temporary file and rename it into place,
      // which stays atomic; only the download is done twice.
      lock: () => Promise.resolve(),
      close: () => void file.close(),
    };
  },
  async *readDir(path) {
    for (const name of await fs().promises.readdir(path)) yield { name };
  },
  cwd: () => nodeProcess().cwd(),
};
