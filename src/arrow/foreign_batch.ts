/**
 * Arrow arrays another library produced, read in place: Zig checks the
 * foreign `ArrowSchema` + `ArrowArray` and hands each buffer over as a
 * `ZeroCopyBuffer<"u8">` whose release drops one reference to the array; the
 * producer's `release` runs once the last of them is released (dispose, or
 * garbage collection under either mapping). zig/zerocopy/arrow/foreign.zig
 * writes the directory read here.
 *
 * @module
 */

import type { RecordBatch } from "apache-arrow";
import { ZeroCopyError } from "../errors.ts";
import { STATUS } from "../abi/layout.ts";
import { DESCRIPTOR_WORDS } from "../buffer/descriptor.ts";
import type { ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";
import type { ZeroCopyLibrary } from "../library/library.ts";
import { readForeignDirectory } from "./foreign_directory.ts";
import { abiLayout } from "../abi/symbols.ts";

// The directory's layout, from the ABI manifest (foreign.zig `ForeignHeader`, `ForeignNode`).
const Header = abiLayout.structs.ForeignHeader.fields;
const utf8 = new TextDecoder();

/** Why Zig refused an array (foreign.zig `Failure`). */
export const FAILURES: Record<number, string> = {
  1: "has a column of Arrow format $ which is not supported (docs/arrow.md lists the types): cast it in the query (to double, varchar, ...)",
  2: "does not fit together: a count or a length is out of range for its type or its parent",
  3: "is larger than the walk's budget (65,536 arrays, 64 levels of nesting)",
  6: "has an offset of a utf8, binary or list column below zero, below the one before it, or past a list's items",
};

/** What a foreign array's import made: the batch, and the buffers it views. */
export interface ForeignBatch {
  readonly batch: RecordBatch;
  readonly buffers: ZeroCopyBuffer<"u8">[];
}

/** The libzerocopy exports this module calls. */
interface ForeignSymbols {
  zc_release(descriptor: ArrayBuffer | ArrayBufferView): void;
}

function symbolsOf(lib: ZeroCopyLibrary): ForeignSymbols {
  return lib.symbols as unknown as ForeignSymbols;
}

/**
 * One attempt of an adoption in Zig: it writes the directory (the header, the
 * nodes, the strings) into `directory` and hands each buffer over into `slots`
 * (`slots.length / DESCRIPTOR_WORDS` descriptors), and returns a status: `full`
 * when either is too small (the header says how much is needed).
 */
export type AdoptAttempt = (directory: Uint8Array<ArrayBuffer>, slots: BigUint64Array<ArrayBuffer>) => number;

// Room for a batch of a few dozen columns at the first attempt: a retry walks the array again.
const FIRST_DIRECTORY_BYTES = 16384;
const FIRST_SLOTS = 128;

/**
 * The memory lent to Zig for adoptions, kept from one chunk to the next of a
 * result (and grown when a chunk needs more): a result of thousands of chunks
 * allocates it once.
 */
export class AdoptScratch {
  directory: Uint8Array<ArrayBuffer> = new Uint8Array(FIRST_DIRECTORY_BYTES);
  slots: BigUint64Array<ArrayBuffer> = new BigUint64Array(DESCRIPTOR_WORDS * FIRST_SLOTS);
}

/**
 * Runs `attempt` until the lent memory is large enough, then reads what Zig
 * adopted: the batch and the buffers it views, or null for a directory of no
 * node (the end of a result). A refusal is thrown as Zig explained it;
 * `onRefused` runs first, for what the caller must give back.
 *
 * @throws {ZeroCopyError} `ARROW_UNSUPPORTED` or `ARROW_INVALID` naming what Zig refused.
 */
export function adoptChunk(
  lib: ZeroCopyLibrary,
  attempt: AdoptAttempt,
  onRefused?: (status: number) => void,
  scratch: AdoptScratch = new AdoptScratch(),
): ForeignBatch | null {
  for (;;) {
    const { directory, slots } = scratch;
    const status = attempt(directory, slots);
    const header = new DataView(directory.buffer);
    if (status === STATUS.full) {
      scratch.directory = new Uint8Array(
        Math.max(directory.length, header.getUint32(Header.directory_needed, true)),
      );
      scratch.slots = new BigUint64Array(
        DESCRIPTOR_WORDS * Math.max(1, header.getUint32(Header.buffers_needed, true)),
      );
      continue;
    }
    if (status !== STATUS.ok) {
      onRefused?.(status);
      const failure = header.getUint32(Header.failure, true);
      const stringsAt = header.getUint32(Header.strings_at, true);
      const format = utf8.decode(
        directory.subarray(stringsAt, stringsAt + header.getUint32(Header.strings_len, true)),
      );
      const why = (FAILURES[failure] ?? `was refused (status ${status})`).replace("$", `"${format}"`);
      throw new ZeroCopyError(
        failure === 1 ? "ARROW_UNSUPPORTED" : "ARROW_INVALID",
        `Cannot read the Arrow array the engine produced: it ${why}`,
      );
    }
    if (header.getUint32(Header.node_count, true) === 0) return null;
    const buffers = wrapBuffers(lib, slots, header.getUint32(Header.buffer_count, true));
    try {
      return { batch: readForeignDirectory(directory, buffers), buffers };
    } catch (error) {
      for (const buffer of buffers) buffer[Symbol.dispose]();
      throw error;
    }
  }
}

/** Each descriptor Zig wrote into `slots` as a buffer; on a failure, the rest released. */
export function wrapBuffers(
  lib: ZeroCopyLibrary,
  slots: BigUint64Array<ArrayBuffer>,
  count: number,
): ZeroCopyBuffer<"u8">[] {
  const buffers: ZeroCopyBuffer<"u8">[] = [];
  let i = 0;
  try {
    for (; i < count; i++) {
      const slot = slots.subarray(i * DESCRIPTOR_WORDS, (i + 1) * DESCRIPTOR_WORDS);
      buffers.push(lib.adopt("u8", (out) => {
        out.set(slot);
        slot.fill(0n); // one owner: the copy just made
      }));
    }
  } catch (error) {
    for (const buffer of buffers) buffer[Symbol.dispose]();
    // From the slot that failed: an adopt that threw before its callback left it whole (a zeroed slot releases nothing).
    for (; i < count; i++) {
      symbolsOf(lib).zc_release(slots.subarray(i * DESCRIPTOR_WORDS, (i + 1) * DESCRIPTOR_WORDS));
    }
    throw error;
  }
  return buffers;
}
