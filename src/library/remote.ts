/**
 * A Zig author's prebuilt libraries from their own release URL: the same
 * download, hash check and cache as the prebuilt libraries of this package.
 *
 * @module
 */

import { runtime } from "../runtime/current.ts";
import type { ForeignLibraryInterface } from "../runtime/ffi_types.ts";
import { ZeroCopyError } from "../errors.ts";
import { libraryFileName } from "./discovery.ts";
import type { ZeroCopyLibrary } from "./library.ts";
import { openCandidates } from "./pipeline.ts";
import { checkOpenOptions } from "./options.ts";
import { checkSha256, platformKey, unsupportedPlatform } from "./prebuilt.ts";

/**
 * Where to download a prebuilt library and how to check it.
 *
 * @typeParam S The library's own FFI symbols, beside the zerocopy ABI exports.
 *
 * @example Options for a library served from your own host
 * ```ts
 * import type { RemoteLibraryOptions } from "@zerocopy/zerocopy";
 *
 * const options: RemoteLibraryOptions = {
 *   url: "https://example.com/releases/1.0.0/{os}-{arch}/libmine.{ext}",
 *   sha256: { "linux-x86_64": "0".repeat(64) },
 * };
 * console.log(Object.keys(options.sha256)); // [ "linux-x86_64" ]
 * ```
 */
export interface RemoteLibraryOptions<S extends ForeignLibraryInterface = ForeignLibraryInterface> {
  /**
   * The URL template of the libraries (`https:`, or `http:` on a trusted
   * network): `{os}`, `{arch}` and `{ext}` become this machine's OS and
   * architecture as platform keys spell them (`linux`, `x86_64`) and `so`, `dylib` or `dll`.
   */
  url: string;
  /**
   * The SHA-256 of each platform's library, 64 hex digits, by `<os>-<arch>`
   * (`linux-x86_64`, `darwin-aarch64`, `windows-x86_64`, ...): a download with
   * another hash is refused and not cached.
   */
  sha256: Readonly<Record<string, string>>;
  /** The library's own exports to bind; absent for libzerocopy itself. */
  symbols?: S;
  /** Where to cache it; defaults to `<Deno's cache directory>/zerocopy`. */
  cacheDir?: string;
}

/**
 * Opens this platform's prebuilt library from `url`, downloading it only when
 * the cache lacks a copy with the pinned hash, and checking the hash of the
 * cached copy on every open, so a tampered or wrong file is never loaded.
 *
 * Needs `--allow-ffi`, `--allow-read` on the cache directory, and on first use
 * `--allow-write` on it and `--allow-net` for the host; `--allow-env=DENO_DIR,XDG_CACHE_HOME,HOME`
 * (macOS: `DENO_DIR,HOME`; Windows: `DENO_DIR,LOCALAPPDATA,USERPROFILE`) to find
 * Deno's cache directory unless `cacheDir` is given. A missing permission
 * throws Deno's `NotCapable` naming the flags to add.
 *
 * @typeParam S The library's own FFI symbols.
 * @param options The URL template, the pinned hashes, the symbols and the cache directory.
 * @returns The opened, ABI-checked library.
 * @throws {ZeroCopyError} `UNSUPPORTED_PLATFORM` when `sha256` has no entry for
 * this platform; `HASH_MISMATCH` for a download or cached copy with another
 * hash; `DOWNLOAD_FAILED` for a failed or truncated download;
 * `INVALID_ARGUMENT` for a missing or malformed `url` or `sha256` map, or
 * `symbols` of the wrong kind; whatever `openLibrary` throws.
 *
 * @example Open a Zig author's release, pinned per platform
 * ```ts ignore
 * import { openRemoteLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = await openRemoteLibrary({
 *   url: "https://github.com/me/frames/releases/download/v1.0.0/libframes-{os}-{arch}.{ext}",
 *   sha256: {
 *     "linux-x86_64": "5c33e3c238d47cccddc93f24e7798cb1d181a9014faf502c7ba03e63523fda8d",
 *     "darwin-aarch64": "229b705ff3cd6f405e15aa15f3b1f0dd7c38efa45a069b929d91a44f6c17bb7a",
 *   },
 *   symbols: { make_frame: { parameters: ["u32", "u32", "buffer"], result: "i32" } },
 * });
 * ```
 */
export async function openRemoteLibrary<S extends ForeignLibraryInterface>(
  options: RemoteLibraryOptions<S>,
): Promise<ZeroCopyLibrary<S>> {
  if (typeof options !== "object" || options === null) {
    throw new ZeroCopyError("INVALID_ARGUMENT", "Invalid options: pass { url, sha256 }");
  }
  const sha256 = checkSha256Map(options.sha256);
  const key = platformKey();
  const pinned = Object.hasOwn(sha256, key) ? sha256[key] : undefined;
  if (pinned === undefined) throw unsupportedPlatform(key, Object.keys(sha256));
  if (typeof options.url !== "string") {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Invalid url: got ${typeof options
        .url}; pass a URL template such as "https://host/lib-{os}-{arch}.{ext}"`,
    );
  }
  let url: URL;
  try {
    url = new URL(
      options.url.replaceAll("{os}", runtime.os).replaceAll("{arch}", runtime.arch)
        .replaceAll("{ext}", libraryFileName().split(".").pop()!),
    );
  } catch (cause) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Invalid url template ${
        JSON.stringify(options.url)
      }: pass an absolute URL such as "https://host/lib-{os}-{arch}.{ext}"`,
      { cause },
    );
  }
  const checked = checkOpenOptions({ symbols: options.symbols, cacheDir: options.cacheDir });
  const library = await openCandidates(
    [{ kind: "remote", url, sha256: pinned, source: "remote" }],
    { symbols: checked.symbols, cacheDir: checked.cacheDir },
  );
  return library as unknown as ZeroCopyLibrary<S>;
}

/** The `sha256` option: an object of 64-hex-digit hashes by `<os>-<arch>`, lowercased. */
function checkSha256Map(map: unknown): Record<string, string> {
  if (typeof map !== "object" || map === null || Array.isArray(map)) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Invalid sha256: got ${
        map === null ? "null" : Array.isArray(map) ? "an array" : typeof map
      }; pass the SHA-256 of each platform's library by "<os>-<arch>", such as { "linux-x86_64": "5c33…" }`,
    );
  }
  const checked: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    if (!/^[a-z0-9_]+-[a-z0-9_]+$/.test(key)) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Invalid sha256 key ${
          JSON.stringify(key)
        }: name platforms "<os>-<arch>" as Deno's build spells them, such as "linux-x86_64"`,
      );
    }
    checked[key] = checkSha256(value);
  }
  return checked;
}
