/**
 * A named ADBC driver where no checkout installed it: the pinned PyPI wheel
 * (driver_wheels.ts) downloaded once into the cache and hash-checked there on
 * every use, as the prebuilt libzerocopy is (src/library/prebuilt.ts); the
 * driver library inflated from it (wheel.ts) and hash-checked on its own; then
 * loaded from a private copy of exactly those bytes (src/library/private_copy.ts),
 * never from a file someone else could change between the check and the load.
 *
 * @module
 */

import { ZeroCopyError } from "../../errors.ts";
import { zerocopyCacheDir } from "../../library/cache_dir.ts";
import { sha256Hex } from "../../library/cache_files.ts";
import { platformKey, verifiedCopy } from "../../library/prebuilt.ts";
import { knownPrivateCopy, privateCopy } from "../../library/private_copy.ts";
import { runtime } from "../../runtime/current.ts";
import type { Runtime } from "../../runtime/runtime.ts";
import { type DriverWheel, unzipMember } from "./wheel.ts";

/**
 * The path of a private copy of the driver library inside this platform's
 * wheel of `wheels`, downloading the wheel into `cacheDir` unless a copy with
 * the pinned hash is already there.
 *
 * Needs `--allow-read` and `--allow-write` on the cache directory, and on
 * first use `--allow-net` for the wheel's host (files.pythonhosted.org).
 *
 * @param driver The driver's name, for messages.
 * @param wheels The driver's pinned wheels by platform key.
 * @param cacheDir Where to cache the wheel; `<Deno's cache directory>/zerocopy` by default.
 * @param host The runtime whose file system, network and permissions to use.
 * @returns The path to load.
 * @throws {ZeroCopyError} `UNSUPPORTED_PLATFORM` when no wheel is pinned for
 * this platform; `HASH_MISMATCH` for a wheel (downloaded or cached) or a
 * driver library inside it with another hash; `DOWNLOAD_FAILED` for an
 * unreachable host, an HTTP error or a truncated wheel; `LIBRARY_INVALID` for
 * a wheel that is not a zip holding the pinned member; as `privateCopy` otherwise.
 * @throws {Error} the runtime's `NotCapable`, naming the flags to add.
 */
export async function downloadedDriver(
  driver: string,
  wheels: Readonly<Record<string, DriverWheel>>,
  cacheDir: string | undefined,
  host: Runtime = runtime,
): Promise<string> {
  const key = platformKey(host.os, host.arch);
  const wheel = Object.hasOwn(wheels, key) ? wheels[key] : undefined;
  if (wheel === undefined) {
    throw new ZeroCopyError(
      "UNSUPPORTED_PLATFORM",
      `No wheel of the ADBC driver "${driver}" for "${key}": there are ${
        Object.keys(wheels).map((target) => `"${target}"`).join(", ") || "none"
      }; pass the absolute path of a driver built for this platform as "driver"`,
    );
  }
  const dir = cacheDir ?? zerocopyCacheDir();
  const file = wheel.member.slice(wheel.member.lastIndexOf("/") + 1);
  const verified = await verifiedCopy({
    url: new URL(wheel.url),
    sha256: wheel.sha256,
    size: wheel.size,
    cacheDir: dir,
    instead: `pass the absolute path of ${file} as "driver"`,
    what: `the wheel of the ADBC driver "${driver}"`,
  }, host);
  // The wheel is checked on every connect; the driver inside it only until this process has its private copy.
  const known = knownPrivateCopy(dir, wheel.memberSha256);
  if (known !== undefined) return known;
  const bytes = await unzipMember(verified.bytes, wheel.member, wheel.memberSize, `"${verified.origin}"`);
  const sha256 = await sha256Hex(bytes);
  if (sha256 !== wheel.memberSha256) {
    throw new ZeroCopyError(
      "HASH_MISMATCH",
      `Refusing the ADBC driver "${wheel.member}" inside "${verified.origin}": its SHA-256 is ${sha256} but ${wheel.memberSha256} was pinned; delete the wheel to download it again`,
    );
  }
  return await privateCopy({ bytes, sha256, file, origin: verified.origin, cacheDir: dir }, host);
}
