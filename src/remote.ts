/**
 * Prebuilt libraries for users without Zig: download once by URL, check a
 * pinned sha256, cache in Deno's cache directory (as denosaurs/plug does).
 *
 * @module
 */

import { ZeroCopyError } from "./errors.ts";
import { readEnv } from "./discovery.ts";
import { openLibrary, type ZeroCopyLibrary } from "./library.ts";

/**
 * Where to download a prebuilt library and how to check it.
 *
 * @typeParam S The library's own FFI symbols, beside the zerocopy ABI exports.
 */
export interface RemoteLibraryOptions<S extends Deno.ForeignLibraryInterface = Deno.ForeignLibraryInterface> {
  /** Where to download the shared library from (`https:`, or `http:` on a trusted network). */
  url: string | URL;
  /** The library's expected SHA-256, 64 hex digits: anything else is refused and not cached. */
  sha256: string;
  /** The library's own exports to bind; absent for libzerocopy itself. */
  symbols?: S;
  /** Where to cache it; defaults to `<Deno's cache directory>/zerocopy`. */
  cacheDir?: string;
}

/**
 * Opens a prebuilt library from `url`, downloading it only when the cache
 * lacks a copy with the pinned hash. A download whose SHA-256 differs is
 * refused and nothing is cached, so a tampered or wrong file is never loaded.
 *
 * Needs `--allow-net` for the URL, `--allow-read` and `--allow-write` for the
 * cache directory, `--allow-ffi`, and `--allow-env` to find Deno's cache
 * directory unless `cacheDir` is given.
 *
 * @typeParam S The library's own FFI symbols.
 * @param options The URL, the pinned hash, the symbols and the cache directory.
 * @returns The opened, ABI-checked library.
 * @throws {ZeroCopyError} `HASH_MISMATCH` for a download with another hash;
 * `DOWNLOAD_FAILED` for a failed request; whatever `openLibrary` throws.
 *
 * @example Open a pinned prebuilt libzerocopy
 * ```ts ignore
 * import { openRemoteLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = await openRemoteLibrary({
 *   url: "https://example.com/zerocopy/0.1.0/libzerocopy-x86_64-linux.so",
 *   sha256: "6f1ed002ab5595859014ebf0951522d9f0f5a8e1c8b7c39e0e8ad5b5b0d1b4a9",
 * });
 * ```
 */
export async function openRemoteLibrary<S extends Deno.ForeignLibraryInterface>(
  options: RemoteLibraryOptions<S>,
): Promise<ZeroCopyLibrary<S>> {
  const expected = options.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Invalid sha256 ${JSON.stringify(options.sha256)}: pass the library's SHA-256 as 64 hex digits`,
    );
  }
  const url = new URL(options.url);
  const dir = `${options.cacheDir ?? defaultCacheDir()}/${expected}`;
  const path = `${dir}/${url.pathname.split("/").pop() || "library"}`;
  if (await cachedCopyMatches(path, expected) === false) {
    const bytes = await download(url);
    const actual = await sha256Hex(bytes);
    if (actual !== expected) {
      throw new ZeroCopyError(
        "HASH_MISMATCH",
        `Refusing the library from ${url}: its SHA-256 is ${actual} but ${expected} was pinned; nothing was cached. Check the URL, or pin the hash of the release you trust`,
      );
    }
    await Deno.mkdir(dir, { recursive: true });
    const partial = `${path}.${crypto.randomUUID()}.partial`;
    await Deno.writeFile(partial, bytes);
    await Deno.rename(partial, path); // atomic: no reader sees half a library
  }
  const library = options.symbols === undefined
    ? await openLibrary({ path })
    : await openLibrary({ path, symbols: options.symbols });
  return library as unknown as ZeroCopyLibrary<S>;
}

async function cachedCopyMatches(path: string, sha256: string): Promise<boolean> {
  try {
    return await sha256Hex(await Deno.readFile(path)) === sha256;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function download(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    if (cause instanceof Deno.errors.NotCapable) throw cause;
    throw new ZeroCopyError(
      "DOWNLOAD_FAILED",
      `Cannot download ${url}: ${(cause as Error).message}; check the URL and network`,
      {
        cause,
      },
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ZeroCopyError(
      "DOWNLOAD_FAILED",
      `Cannot download ${url}: HTTP ${response.status}; check the URL`,
    );
  }
  return new Uint8Array(await response.arrayBuffer());
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Deno's cache directory, as Deno itself picks it, plus `zerocopy`. */
function defaultCacheDir(): string {
  const denoDir = readEnv("DENO_DIR");
  if (denoDir) return `${denoDir}/zerocopy`;
  const home = readEnv("HOME") ?? readEnv("USERPROFILE");
  switch (Deno.build.os) {
    case "darwin":
      return `${home}/Library/Caches/deno/zerocopy`;
    case "windows":
      return `${readEnv("LOCALAPPDATA") ?? `${home}/AppData/Local`}/deno/zerocopy`;
    default:
      return `${readEnv("XDG_CACHE_HOME") ?? `${home}/.cache`}/deno/zerocopy`;
  }
}
