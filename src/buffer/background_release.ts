/**
 * Big buffers are freed off the JavaScript thread: a dispose (or a garbage
 * collection) of a buffer of 1 MiB or more from a library's own allocator
 * returns at once, and the library's release thread gives the pages back.
 * The buffer counts as released in `lib.stats()` from the dispose on; these
 * functions tell how much memory is still on its way back, and wait for it.
 *
 * @module
 */

import type { ForeignLibraryInterface } from "../runtime/ffi_types.ts";
import { STATS_BYTES, StatsOffset } from "../abi/layout.ts";
import type { AbiFunctions, ZeroCopyLibrary } from "../library/library.ts";
import { checkLibraryArguments } from "../library/library_arguments.ts";
import { ZeroCopyError } from "../errors.ts";

/**
 * Buffers a library was given back whose memory its release thread has not freed yet.
 *
 * @example Nothing left to free
 * ```ts
 * import { flushReleases, openLibrary, type ReleaseBacklog } from "@zerocopy/zerocopy";
 *
 * const backlog: ReleaseBacklog = flushReleases(await openLibrary());
 * console.log(backlog.buffers, backlog.bytes); // 0 0
 * ```
 */
export interface ReleaseBacklog {
  /** Buffers queued or being freed. */
  buffers: number;
  /** Their bytes (of capacity), still allocated. */
  bytes: number;
}

// Every zerocopy library exports the ABI functions, whatever else it declares.
const abiOf = (lib: ZeroCopyLibrary<ForeignLibraryInterface>) => lib.symbols as unknown as AbiFunctions;

/**
 * What `lib`'s release thread still has to free.
 *
 * @param lib The library that handed the buffers over.
 * @returns The buffers and bytes queued or being freed.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything but an opened library.
 *
 * @example Watch a big buffer go back
 * ```ts
 * import { openLibrary, releaseBacklog } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * lib.allocate("u8", 64 << 20)[Symbol.dispose](); // returns before the pages are freed
 * console.log(releaseBacklog(lib).bytes <= 64 << 20); // true
 * ```
 */
export function releaseBacklog(lib: ZeroCopyLibrary<ForeignLibraryInterface>): ReleaseBacklog {
  checkLibraryArguments(lib, undefined, "releaseBacklog");
  lib.stats(); // takes in the releases a garbage collector's thread left for this one
  const stats = new DataView(new ArrayBuffer(STATS_BYTES));
  abiOf(lib).zc_stats(stats);
  return {
    buffers: Number(stats.getBigUint64(StatsOffset.releasing_buffers, true)),
    bytes: Number(stats.getBigUint64(StatsOffset.releasing_bytes, true)),
  };
}

/**
 * Blocks until `lib`'s release thread has freed every buffer given back so
 * far, or `timeoutMs` has passed: for tests and tools that measure the
 * process's memory right after disposing big buffers. A program need not call
 * it; what is still queued when the process exits goes back to the system with it.
 *
 * @param lib The library that handed the buffers over.
 * @param timeoutMs The longest wait, in milliseconds.
 * @returns What is still queued: zero buffers once everything is freed.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything but an opened library, or a wait that is not a
 * number of at least 0.
 *
 * @example Wait until a big buffer's memory is back
 * ```ts
 * import { flushReleases, openLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * lib.allocate("f64", 1 << 20)[Symbol.dispose]();
 * console.log(flushReleases(lib).bytes); // 0
 * ```
 */
export function flushReleases(
  lib: ZeroCopyLibrary<ForeignLibraryInterface>,
  timeoutMs = 10_000,
): ReleaseBacklog {
  checkLibraryArguments(lib, undefined, "flushReleases");
  if (typeof timeoutMs !== "number" || !(timeoutMs >= 0)) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `flushReleases waits a number of milliseconds of at least 0, not ${String(timeoutMs)}`,
    );
  }
  lib.stats();
  abiOf(lib).zc_release_flush(Math.max(0, Math.min(timeoutMs, 0xffff_ffff)) >>> 0);
  return releaseBacklog(lib);
}
