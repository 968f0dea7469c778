/**
 * The one error class of zerocopy, with a stable `code` to branch on.
 *
 * @module
 */

/**
 * What went wrong, stable across releases: branch on this, not on the message.
 *
 * - `LIBRARY_NOT_FOUND`: no file at any of the paths tried.
 * - `LIBRARY_INVALID`: a file exists but is not a loadable shared library.
 * - `WRONG_ARCHITECTURE`: a library built for another machine or OS than this one.
 * - `UNTRUSTED_PATH`: a prebuilt library's cache directory, or a file or link in it, that another
 *   user could change between the hash check and the load (the message names it and the fix).
 * - `SYMBOL_MISSING`: the library lacks an export zerocopy needs.
 * - `ABI_MISMATCH`: the library was built for another ABI version.
 * - `LAYOUT_MISMATCH`: the library's struct layouts differ from what this module expects.
 * - `INVALID_LENGTH`: a length that is not a non-negative integer.
 * - `SIZE_OVERFLOW`: a length whose byte size is too large to address.
 * - `OUT_OF_MEMORY`: the native allocator refused the allocation.
 * - `INVALID_ELEMENT_TYPE`: an element type that is unknown or not the one expected.
 * - `INVALID_ARGUMENT`: the native side rejected an argument.
 * - `INVALID_POINTER`: a null or misaligned address where memory was expected.
 * - `MEMORY_TOO_SMALL`: memory passed for a pointer parameter holds fewer bytes than the Zig type it points at.
 * - `DETACHED`: a TypedArray lent to Zig whose memory is gone.
 * - `DISPOSED`: the buffer was already disposed.
 * - `CONSUMED`: the buffer was given back to Zig or transferred to a worker.
 * - `PINNED`: the buffer is in use by a nonblocking native call.
 * - `DETACHED_ELSEWHERE`: the buffer's memory is still held by an asynchronous operation.
 * - `MOVED`: the buffer's `ArrayBuffer` was moved away behind its back (`transfer()`,
 *   a transfer list, a worker): its memory belongs to whoever holds that `ArrayBuffer` now.
 * - `HASH_MISMATCH`: a downloaded library's SHA-256 is not the pinned one.
 * - `DOWNLOAD_FAILED`: a prebuilt library could not be downloaded, or arrived truncated.
 * - `UNSUPPORTED_PLATFORM`: no prebuilt library exists for this OS and architecture.
 * - `INVALID_SHAPE`: a shape or strides that do not fit the buffer.
 * - `FULL`: a region has no room left, or every slot of a ring is held.
 * - `CANCELLED`: a native call stopped at its job's cancel flag without an aborted signal to blame.
 * - `STALE_HANDLE`: a region, ring or transferred buffer the library no longer
 *   knows: released (its memory moved away and collected, say), received
 *   already, or never handed out by it.
 * - `ARROW_UNSUPPORTED`: an Arrow format string or type the Arrow subpath does not support (the message names it).
 * - `ARROW_INVALID`: an Arrow batch whose structs or buffers do not fit the memory handed over or each other.
 * - `SQL_ERROR`: a SQL engine refused a statement (the message carries the engine's own).
 * - `SQL_UNSUPPORTED`: what a SQL engine cannot do through the way it is reached (scan Arrow in place through ADBC).
 * - `STREAM_FAILED`: an Arrow stream's producer failed (the message carries its own), or a stream was read after it ended in error.
 * - `UNSUPPORTED_RUNTIME`: a feature the JavaScript runtime in use lacks (raw pointers and the
 *   pointer-view mapping outside Deno).
 *
 * @example Branch on the code of an error
 * ```ts
 * import { openDemo, ZeroCopyError, type ZeroCopyErrorCode } from "@zerocopy/zerocopy";
 *
 * const demo = await openDemo();
 * const buffer = demo.generate("u8", 4);
 * buffer[Symbol.dispose]();
 * try {
 *   buffer.view;
 * } catch (error) {
 *   const code: ZeroCopyErrorCode | undefined = error instanceof ZeroCopyError ? error.code : undefined;
 *   console.log(code); // "DISPOSED"
 * }
 * ```
 */
export type ZeroCopyErrorCode =
  | "LIBRARY_NOT_FOUND"
  | "LIBRARY_INVALID"
  | "WRONG_ARCHITECTURE"
  | "UNTRUSTED_PATH"
  | "SYMBOL_MISSING"
  | "ABI_MISMATCH"
  | "LAYOUT_MISMATCH"
  | "INVALID_LENGTH"
  | "SIZE_OVERFLOW"
  | "OUT_OF_MEMORY"
  | "INVALID_ELEMENT_TYPE"
  | "INVALID_ARGUMENT"
  | "INVALID_POINTER"
  | "MEMORY_TOO_SMALL"
  | "DETACHED"
  | "DISPOSED"
  | "CONSUMED"
  | "PINNED"
  | "DETACHED_ELSEWHERE"
  | "MOVED"
  | "HASH_MISMATCH"
  | "DOWNLOAD_FAILED"
  | "UNSUPPORTED_PLATFORM"
  | "INVALID_SHAPE"
  | "FULL"
  | "CANCELLED"
  | "STALE_HANDLE"
  | "ARROW_UNSUPPORTED"
  | "ARROW_INVALID"
  | "SQL_ERROR"
  | "STREAM_FAILED"
  | "SQL_UNSUPPORTED"
  | "UNSUPPORTED_RUNTIME";

/**
 * Thrown by every zerocopy API for a failure it can name; the message says how to fix it.
 * The runtime's own permission errors (Deno's `NotCapable`) are passed through unwrapped.
 *
 * @example Branch on the code
 * ```ts
 * import { ZeroCopyError } from "./errors.ts";
 *
 * const error = new ZeroCopyError("DISPOSED", "Cannot read a disposed ZeroCopyBuffer");
 * if (error instanceof ZeroCopyError && error.code === "DISPOSED") {
 *   console.log(error.message);
 * }
 * ```
 */
export class ZeroCopyError extends Error {
  /** The stable reason for the failure. */
  readonly code: ZeroCopyErrorCode;

  /**
   * Creates an error with a stable code.
   *
   * @param code The stable reason.
   * @param message What failed and how to fix it.
   * @param options `cause` for the underlying error, if any.
   */
  constructor(code: ZeroCopyErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ZeroCopyError";
    this.code = code;
  }
}
