/**
 * What `ZeroCopyLibrary.stats()` reports.
 *
 * @module
 */

/**
 * Buffers and bytes a library has handed over and not yet had back.
 *
 * @example Check that everything went back
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * const { liveBuffers, abandonedBuffers } = lib.stats();
 * console.log(liveBuffers, abandonedBuffers); // 0 0
 * ```
 */
export interface LibraryStats {
  /** Buffers handed over and not yet released. */
  liveBuffers: number;
  /** Bytes (of capacity) handed over and not yet released. */
  liveBytes: number;
  /** Buffers handed over since the library was loaded. */
  totalHandedOver: number;
  /** Buffers released since the library was loaded. */
  totalReleased: number;
  /**
   * Of those, buffers whose memory the release thread freed, off the thread
   * that disposed them (big buffers on Linux; never in the checked build).
   */
  releasedInBackground: number;
  /**
   * Buffers this library object left allocated on purpose: under the
   * pointer-view mapping, their `ArrayBuffer` was transferred away by the user
   * and may still map the memory, so freeing it could crash its reader. They
   * stay in `liveBuffers`; the README's "Two mappings" section explains.
   */
  abandonedBuffers: number;
}
