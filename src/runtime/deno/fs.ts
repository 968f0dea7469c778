/**
 * The file system under Deno: `Deno.*` file calls, as the runtime interface names them.
 *
 * @module
 */

import type { FileSystem, OpenFile, OpenOptions } from "../runtime.ts";

/** Deno's file system. */
export const denoFileSystem: FileSystem = {
  stat: (path) => Deno.stat(path),
  statSync: (path) => Deno.statSync(path),
  lstat: (path) => Deno.lstat(path),
  readFile: (path) => Deno.readFile(path),
  readStartSync(path, length) {
    using file = Deno.openSync(path, { read: true });
    const start = new Uint8Array(length);
    return start.subarray(0, file.readSync(start) ?? 0);
  },
  writeFile: (path, bytes) => Deno.writeFile(path, bytes),
  rename: (from, to) => Deno.rename(from, to),
  remove: (path, options) => Deno.remove(path, options),
  removeSync: (path, options) => Deno.removeSync(path, options),
  mkdir: (path, options) => Deno.mkdir(path, options),
  open: async (path: string, options: OpenOptions): Promise<OpenFile> => {
    const file = await Deno.open(path, options);
    return {
      stat: () => file.stat(),
      read: (buffer) => file.read(buffer),
      write: (bytes) => file.write(bytes),
      lock: (exclusive) => file.lock(exclusive),
      close: () => file.close(),
    };
  },
  readDir: (path) => Deno.readDir(path),
  cwd: () => Deno.cwd(),
};
