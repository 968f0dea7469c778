/**
 * One file out of a wheel (a zip archive) held in memory: the central
 * directory is read to find the member by name, and its bytes are inflated
 * with the runtime's `DecompressionStream`, never past the size pinned for
 * it. Nothing from the archive becomes a file path: the member is looked up
 * by the name the caller pinned, and its bytes are returned, not written.
 *
 * @module
 */

import { ZeroCopyError } from "../../errors.ts";

/** A driver's wheel for one platform, pinned: where it is, what it and the library inside it hash to. */
export interface DriverWheel {
  /** The wheel's URL on files.pythonhosted.org. */
  readonly url: string;
  /** The wheel's size in bytes. */
  readonly size: number;
  /** The wheel's SHA-256, as PyPI lists it. */
  readonly sha256: string;
  /** The driver library's path inside the wheel. */
  readonly member: string;
  /** The driver library's size in bytes. */
  readonly memberSize: number;
  /** The driver library's SHA-256. */
  readonly memberSha256: string;
}

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

/**
 * The bytes of `member` inside the zip archive `zip`, exactly `size` of them.
 *
 * @param zip The archive.
 * @param member The member's name, as the central directory spells it.
 * @param size The member's size once inflated: a member that claims or inflates to another size is refused.
 * @param label What the archive is, for messages.
 * @returns The member's bytes.
 * @throws {ZeroCopyError} `LIBRARY_INVALID` when the archive is malformed, lacks the member, or the
 * member is not `size` bytes once inflated.
 */
export async function unzipMember(
  zip: Uint8Array<ArrayBuffer>,
  member: string,
  size: number,
  label: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const invalid = (why: string) =>
    new ZeroCopyError("LIBRARY_INVALID", `Cannot read "${member}" from ${label}: ${why}`);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  // The end record is the last 22 bytes, or sits before a comment of at most 65535 bytes.
  let end = -1;
  for (let at = zip.length - 22; at >= 0 && at >= zip.length - 22 - 0xffff; at--) {
    if (u32(at) === END_OF_DIRECTORY && at + 22 + u16(at + 20) === zip.length) {
      end = at;
      break;
    }
  }
  if (end < 0) throw invalid("it is not a zip archive (no end of central directory)");
  const count = u16(end + 10);
  const directorySize = u32(end + 12);
  const directoryStart = u32(end + 16);
  if (directoryStart + directorySize > end) throw invalid("its central directory runs past its end");
  const wanted = new TextEncoder().encode(member);
  for (let at = directoryStart, i = 0; i < count; i++) {
    if (at + 46 > directoryStart + directorySize || u32(at) !== DIRECTORY_ENTRY) {
      throw invalid("its central directory is malformed");
    }
    const nameLength = u16(at + 28);
    const next = at + 46 + nameLength + u16(at + 30) + u16(at + 32);
    if (next > directoryStart + directorySize) throw invalid("its central directory is malformed");
    if (sameBytes(zip.subarray(at + 46, at + 46 + nameLength), wanted)) {
      const method = u16(at + 10);
      const compressedSize = u32(at + 20);
      if (u32(at + 24) !== size) {
        throw invalid(`the archive says it has ${u32(at + 24)} bytes, but ${size} are pinned`);
      }
      const local = u32(at + 42);
      if (local + 30 > directoryStart || u32(local) !== LOCAL_HEADER) {
        throw invalid("its local header is malformed");
      }
      const start = local + 30 + u16(local + 26) + u16(local + 28);
      if (start + compressedSize > directoryStart) throw invalid("its data runs past the central directory");
      const data = zip.subarray(start, start + compressedSize);
      if (method === STORED) {
        if (compressedSize !== size) throw invalid("its stored size is not its size");
        return data.slice();
      }
      if (method !== DEFLATED) throw invalid(`it is compressed with method ${method}, not deflate`);
      return await inflate(data, size, invalid);
    }
    at = next;
  }
  throw invalid("the archive has no such member");
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Inflates raw deflate data into exactly `size` bytes, stopping as soon as it would exceed them. */
async function inflate(
  data: Uint8Array<ArrayBuffer>,
  size: number,
  invalid: (why: string) => ZeroCopyError,
): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(size);
  let filled = 0;
  const reader = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw")).getReader();
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (cause) {
        throw invalid(`its data does not inflate (${(cause as Error).message})`);
      }
      if (chunk.done) break;
      if (filled + chunk.value.length > size) throw invalid(`it inflates to more than ${size} bytes`);
      out.set(chunk.value, filled);
      filled += chunk.value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (filled !== size) throw invalid(`it inflates to ${filled} bytes, not ${size}`);
  return out;
}
