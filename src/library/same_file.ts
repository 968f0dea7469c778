/**
 * One name per file, however a path spells it: what lets `openLibrary` hand
 * back the same library for the same file.
 *
 * @module
 */

import type { Runtime } from "../runtime/runtime.ts";

/**
 * One key per file, however it is named: its device and inode when
 * `--allow-read` lets it be looked at (links and relative names included),
 * else its absolute path with "." and ".." resolved.
 *
 * @param host The runtime whose file system and permissions to use.
 * @param path The file.
 * @returns The key.
 */
export function sameFileKey(host: Pick<Runtime, "fs" | "permissions" | "os">, path: string): string {
  if (host.permissions.read(path)) {
    try {
      const info = host.fs.statSync(path);
      if (info.ino !== null) return `${info.dev}:${info.ino}`;
    } catch { /* no file: loading reports it */ }
  }
  const windows = host.os === "windows";
  const absolute = windows ? /^([a-zA-Z]:)?[\\/]/.test(path) : path.startsWith("/");
  const parts: string[] = [];
  for (const part of (absolute ? path : `${host.fs.cwd()}/${path}`).split(windows ? /[\\/]/ : "/")) {
    if (part === "..") {
      if (parts.length > 1) parts.pop();
    } else if (part !== "." && (part !== "" || parts.length === 0)) {
      parts.push(part);
    }
  }
  return parts.join("/");
}
