/**
 * Helpers that the verify and private-copy steps of opening a library share:
 * file operations on the cache directory, and the hash they check.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import type { Runtime } from "../runtime/runtime.ts";

/**
 * Runs a file operation on the cache, turning a path that runs through a
 * regular file (which the runtime reports as a bare `NotADirectory`) into a typed error.
 */
export async function inCacheDir<T>(
  host: Pick<Runtime, "errors">,
  cacheDir: string,
  operation: () => Promise<T>,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!host.errors.isNotADirectory(error) && !host.errors.isAlreadyExists(error)) throw error;
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Cannot use the cache directory "${cacheDir}" for the prebuilt library: part of its path is a file, not a folder; pass another cacheDir (or set DENO_DIR), or remove the file`,
      { cause: error },
    );
  }
}

/** The SHA-256 of `bytes`, as 64 lowercase hex digits. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
