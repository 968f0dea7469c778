/**
 * Prebuilt native libraries: pick the one built for this platform, download it
 * once into Deno's cache directory, and check its SHA-256 every time it is
 * opened: the second step of opening one (verify), after src/library/discovery.ts
 * found where to look; src/library/private_copy.ts takes the checked bytes on. `openLibrary()` uses it for the libraries published in a
 * package, `openRemoteLibrary` for a Zig author's own releases.
 *
 * @module
 */

import { zerocopyCacheDir } from "./cache_dir.ts";
import { toPath, unreadLibraryEnvNote } from "./env.ts";
import { inCacheDir, sha256Hex } from "./cache_files.ts";
import { ZeroCopyError } from "../errors.ts";
import { runtime } from "../runtime/current.ts";
import type { Runtime } from "../runtime/runtime.ts";

/**
 * One prebuilt library: its file name, byte size (when known) and SHA-256.
 *
 * @example One entry of a generated manifest
 * ```ts
 * import type { PrebuiltLibrary } from "@zerocopy/zerocopy";
 *
 * const entry: PrebuiltLibrary = { file: "libmine.so", size: 1024, sha256: "0".repeat(64) };
 * console.log(entry.file); // "libmine.so"
 * ```
 */
export interface PrebuiltLibrary {
  /** The file name, as the library is stored and cached. */
  readonly file: string;
  /** Its size in bytes: a download of another size is refused before hashing. */
  readonly size?: number;
  /** Its SHA-256, 64 hex digits. */
  readonly sha256: string;
}

/**
 * The name of a platform in prebuilt manifests and hash maps: `<os>-<arch>`,
 * such as `linux-x86_64` or `darwin-aarch64` (as Deno's `build` spells them).
 *
 * @param os The OS, this machine's by default.
 * @param arch The architecture, this machine's by default.
 * @returns `<os>-<arch>`.
 *
 * @example The key of this machine and of another
 * ```ts
 * import { platformKey } from "@zerocopy/zerocopy";
 *
 * console.log(platformKey("darwin", "aarch64")); // "darwin-aarch64"
 * console.log(/^[a-z]+-[a-z0-9_]+$/.test(platformKey())); // true
 * ```
 */
export function platformKey(os: string = runtime.os, arch: string = runtime.arch): string {
  return `${os}-${arch}`;
}

/**
 * Where a package's prebuilt libraries are and what they hash to: its `lib/` folder and generated manifest.
 *
 * @example A package's lib/ folder and manifest
 * ```ts
 * import type { PrebuiltSource } from "@zerocopy/zerocopy";
 *
 * const source: PrebuiltSource = {
 *   baseUrl: new URL("./lib/", import.meta.url),
 *   libraries: { "linux-x86_64": { file: "libmine.so", sha256: "0".repeat(64) } },
 * };
 * console.log(source.baseUrl.pathname.endsWith("/lib/")); // true
 * ```
 */
export interface PrebuiltSource {
  /** The folder holding one `<os>-<arch>/<file>` per library, as a URL (`https:`, `http:` or `file:`). */
  baseUrl: URL;
  /** The libraries by `<os>-<arch>`, such as the generated `prebuiltLibraries`. */
  libraries: Readonly<Record<string, PrebuiltLibrary>>;
}

/** Which prebuilt library to use and where to keep it. */
export interface ResolvePrebuiltOptions extends PrebuiltSource {
  /** The OS to pick for; this machine's by default. */
  os?: string;
  /** The architecture to pick for; this machine's by default. */
  arch?: string;
  /** Where to cache downloads; `<Deno's cache directory>/zerocopy` by default. */
  cacheDir?: string;
}

/** The bytes of a prebuilt library whose SHA-256 was checked, and where they came from. */
export interface VerifiedLibrary {
  /** The library's bytes, exactly the ones hashed: load these, never the file they were read from. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Their SHA-256, 64 lowercase hex digits. */
  readonly sha256: string;
  /** The library's file name. */
  readonly file: string;
  /** The cached or bundled file they were read from. */
  readonly origin: string;
  /** The cache directory, where the copy that is loaded goes. */
  readonly cacheDir: string;
}

/**
 * This platform's prebuilt library, checked: downloaded into the cache on
 * first use, then read from there offline.
 *
 * @param options The libraries, where they are served from, the platform and the cache.
 * @param host The runtime whose file system and permissions to use.
 * @returns The bytes whose SHA-256 was just checked.
 * @throws {ZeroCopyError} `UNSUPPORTED_PLATFORM` naming the platform and the
 * targets that exist; as {@linkcode verifiedCopy} otherwise.
 * @throws {Error} the runtime's `NotCapable`, naming the flags to add.
 */
export async function resolvePrebuilt(
  options: ResolvePrebuiltOptions,
  host: Runtime = runtime,
): Promise<VerifiedLibrary> {
  const key = platformKey(options.os, options.arch);
  const library = Object.hasOwn(options.libraries, key) ? options.libraries[key] : undefined;
  if (library === undefined) throw unsupportedPlatform(key, Object.keys(options.libraries));
  return await verifiedCopy({
    url: new URL(`${key}/${library.file}`, options.baseUrl),
    sha256: library.sha256,
    size: library.size,
    cacheDir: options.cacheDir,
  }, host);
}

/**
 * The typed error for a platform with no prebuilt library.
 *
 * @param key The platform, `<os>-<arch>`.
 * @param targets The platforms that have one.
 * @returns A `ZeroCopyError` with code `UNSUPPORTED_PLATFORM`.
 */
export function unsupportedPlatform(key: string, targets: readonly string[]): ZeroCopyError {
  return new ZeroCopyError(
    "UNSUPPORTED_PLATFORM",
    `No prebuilt library for "${key}": there are ${
      targets.map((target) => `"${target}"`).join(", ") || "none"
    }; build it with "zig build" and set ZEROCOPY_LIB or the path option${unreadLibraryEnvNote()}`,
  );
}

/** Where a library is, what it must hash to, and where to cache it. */
export interface VerifiedCopyOptions {
  /** The library's URL: `https:`/`http:` to download and cache, `file:` to check in place. */
  url: URL;
  /** Its SHA-256, 64 hex digits. */
  sha256: string;
  /** Its size in bytes, when known. */
  size?: number;
  /** Where to cache downloads; `<Deno's cache directory>/zerocopy` by default. */
  cacheDir?: string;
  /** What a failed download's message suggests besides checking the network. */
  instead?: string;
  /** What the file is, for messages: "the prebuilt library" by default. */
  what?: string;
}

/**
 * The bytes of `options.url` whose SHA-256 is the pinned one. A download
 * goes to `<cacheDir>/<sha256>/<file>` through a temporary file renamed into
 * place, under a lock file, so two processes starting at once download it
 * once and never see half a file. The cached copy is read and hashed again on
 * every call, and the bytes hashed are the ones returned: a file changed after
 * the check cannot reach the caller.
 *
 * Needs `--allow-read` on the cache directory, and on first use
 * `--allow-write` on it and `--allow-net` for the URL's host.
 *
 * @param options The URL, the pinned hash and size, the cache directory.
 * @param host The runtime whose file system and permissions to use.
 * @returns The checked bytes and where they were read from.
 * @throws {ZeroCopyError} `HASH_MISMATCH` for a download or cached copy with
 * another hash (a download is then not cached); `UNTRUSTED_PATH` for a cached
 * copy that is a symbolic link; `DOWNLOAD_FAILED` for an
 * unreachable host, an HTTP error or a truncated body; `INVALID_ARGUMENT` for
 * a malformed hash, an unsupported URL scheme or a cache path through a file.
 * @throws {Error} the runtime's `NotCapable`, naming the flags to add.
 */
export async function verifiedCopy(
  options: VerifiedCopyOptions,
  host: Runtime = runtime,
): Promise<VerifiedLibrary> {
  const { fs } = host;
  const sha256 = checkSha256(options.sha256);
  const url = options.url;
  const file = url.pathname.split("/").pop() || "library";
  if (url.protocol !== "https:" && url.protocol !== "http:" && url.protocol !== "file:") {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Cannot fetch a library from "${url}": use an https:, http: or file: URL`,
    );
  }
  const cacheDir = options.cacheDir ?? zerocopyCacheDir();
  if (url.protocol === "file:") {
    const path = toPath(url);
    const bytes = await checkCopy(host, path, sha256, "bundled", cacheDir);
    if (bytes !== undefined) return { bytes, sha256, file, origin: path, cacheDir };
    throw new ZeroCopyError(
      "LIBRARY_NOT_FOUND",
      `Cannot find the prebuilt library "${path}": the package is incomplete; reinstall it, or build the library with "zig build"${unreadLibraryEnvNote()}`,
    );
  }
  const dir = `${cacheDir}/${sha256}`;
  const path = `${dir}/${file}`;
  const verified = (bytes: Uint8Array<ArrayBuffer>) => ({ bytes, sha256, file, origin: path, cacheDir });
  requirePermissions(host, url, cacheDir, false, options.what);
  const cached = await checkCopy(host, path, sha256, "cached", cacheDir);
  if (cached !== undefined) return verified(cached);
  requirePermissions(host, url, cacheDir, true, options.what);
  await inCacheDir(host, cacheDir, () => fs.mkdir(dir, { recursive: true, mode: 0o755 }));
  const lockPath = `${path}.lock`;
  const lock = await fs.open(lockPath, { create: true, write: true });
  try {
    await lock.lock(true);
    // Another process may have finished the download while this one waited.
    const done = await checkCopy(host, path, sha256, "cached", cacheDir);
    if (done !== undefined) return verified(done);
    const bytes = await download(host, url, options.size, options.instead);
    const actual = await sha256Hex(bytes);
    if (actual !== sha256) {
      throw new ZeroCopyError(
        "HASH_MISMATCH",
        `Refusing the library from "${url}": its SHA-256 is ${actual} but ${sha256} was pinned; nothing was cached. Check the URL, or pin the hash of the release you trust`,
      );
    }
    const partial = `${path}.${crypto.randomUUID()}.partial`;
    try {
      await fs.writeFile(partial, bytes);
      await fs.rename(partial, path); // atomic: no reader ever sees half a library
    } catch (error) {
      await fs.remove(partial).catch(() => {});
      throw error;
    }
    return verified(bytes);
  } finally {
    lock.close(); // releases the lock
    // Safe to remove: a waiter holding the old lock finds the finished file, a newcomer sees it first.
    await fs.remove(lockPath).catch(() => {});
  }
}

/**
 * The bytes at `path` when they hash to `sha256`: undefined when absent,
 * `HASH_MISMATCH` when present with another hash.
 */
async function checkCopy(
  host: Runtime,
  path: string,
  sha256: string,
  what: "cached" | "bundled",
  cacheDir: string,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    // The bytes are hashed whatever file they come from; a link where zerocopy wrote a file is refused
    // all the same, as something put it there that should not write to the cache.
    if (what === "cached" && (await inCacheDir(host, cacheDir, () => host.fs.lstat(path))).isSymlink) {
      throw new ZeroCopyError(
        "UNTRUSTED_PATH",
        `Refusing the cached library "${path}": it is a symbolic link, not the file zerocopy downloaded; remove it to download the library again, and check who can write to the cache directory "${cacheDir}"`,
      );
    }
    bytes = await inCacheDir(host, cacheDir, () => host.fs.readFile(path));
  } catch (error) {
    if (host.errors.isNotFound(error)) return undefined;
    throw error;
  }
  const actual = await sha256Hex(bytes);
  if (actual === sha256) return bytes;
  throw new ZeroCopyError(
    "HASH_MISMATCH",
    `Refusing the ${what} library "${path}": its SHA-256 is ${actual} but ${sha256} is expected, so it changed after it was ${
      what === "cached" ? "downloaded; delete it to download it again" : "built; reinstall the package"
    }`,
  );
}

/**
 * Throws the runtime's `NotCapable` naming every flag missing for the step
 * ahead, rather than failing on the first of several calls that each need one.
 */
function requirePermissions(
  host: Runtime,
  url: URL,
  cacheDir: string,
  download: boolean,
  what = "the prebuilt library",
): void {
  const missing: string[] = [];
  const { permissions } = host;
  if (!permissions.read(cacheDir)) missing.push(`--allow-read=${cacheDir}`);
  if (download) {
    if (!permissions.write(cacheDir)) missing.push(`--allow-write=${cacheDir}`);
    if (!permissions.net(url.host)) missing.push(`--allow-net=${url.host}`);
  }
  if (missing.length === 0) return;
  throw host.errors.notCapable(
    `Requires more permissions to ${download ? "download" : "read"} ${what} "${url}" ${
      download ? "into" : "from"
    } the cache "${cacheDir}": run again with ${missing.join(" ")}`,
  );
}

async function download(
  host: Runtime,
  url: URL,
  size: number | undefined,
  instead = "set ZEROCOPY_LIB to a library you built",
): Promise<Uint8Array<ArrayBuffer>> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    if (host.errors.isPermissionError(cause)) throw cause;
    throw new ZeroCopyError(
      "DOWNLOAD_FAILED",
      `Cannot download "${url}": ${(cause as Error).message}; check the network, or ${instead}`,
      { cause },
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ZeroCopyError(
      "DOWNLOAD_FAILED",
      `Cannot download "${url}": HTTP ${response.status}; check the URL`,
    );
  }
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    throw new ZeroCopyError(
      "DOWNLOAD_FAILED",
      `Cannot download "${url}": the transfer broke off (${
        (cause as Error).message
      }); nothing was cached, run again`,
      { cause },
    );
  }
  if (size !== undefined && bytes.length !== size) {
    throw new ZeroCopyError(
      "DOWNLOAD_FAILED",
      `Cannot download "${url}": got ${bytes.length} bytes but the library has ${size}; nothing was cached, run again`,
    );
  }
  return bytes;
}

/** A SHA-256 as 64 lowercase hex digits; `INVALID_ARGUMENT` for anything else. */
export function checkSha256(sha256: unknown): string {
  const lower = typeof sha256 === "string" ? sha256.toLowerCase() : "";
  if (/^[0-9a-f]{64}$/.test(lower)) return lower;
  throw new ZeroCopyError(
    "INVALID_ARGUMENT",
    `Invalid sha256 ${JSON.stringify(sha256)}: pass the library's SHA-256 as 64 hex digits`,
  );
}
