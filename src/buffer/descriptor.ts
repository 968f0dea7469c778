/**
 * Descriptors in JavaScript memory: where they come from (slabs) and how their
 * fields are read and checked before any memory is mapped.
 *
 * @module
 */

import { ELEMENT_INFO, type ElementType, elementTypeOfTag, MAX_BYTE_LENGTH } from "../abi/element_types.ts";
import { ZeroCopyError } from "../errors.ts";
import { DESCRIPTOR_BYTES, DescriptorOffset } from "../abi/layout.ts";

/**
 * A descriptor (zig/zerocopy/abi.zig `Descriptor`: ptr, len, cap, release, private,
 * element type, flags) in JavaScript memory. Pass it as a `"buffer"` parameter
 * to a Zig function that fills it (`out: *zerocopy.Descriptor`) or claims it.
 *
 * @example The descriptor a pin passes
 * ```ts
 * import { type Descriptor, openDemo } from "@zerocopy/zerocopy";
 *
 * const demo = await openDemo();
 * using buffer = demo.generate("u8", 8);
 * using pin = buffer.pin();
 * const descriptor: Descriptor = pin.descriptor;
 * console.log(descriptor instanceof BigUint64Array); // true
 * ```
 */
export type Descriptor = BigUint64Array<ArrayBuffer>;

/** 64-bit words of a descriptor. */
export const DESCRIPTOR_WORDS: number = DESCRIPTOR_BYTES / 8;

/** Word index of the release function: zero once nobody owns the memory. */
export const RELEASE_WORD: number = DescriptorOffset.release / 8;

/** Word index of the address. */
export const PTR_WORD: number = DescriptorOffset.ptr / 8;

// Every new ArrayBuffer costs Deno 2.9 about 300 ns, as much as the rest of a
// handover together, while a view onto an existing one costs about 30 ns: so
// descriptors are carved out of slabs. A slab is garbage once none of its
// descriptors is reachable.
const DESCRIPTORS_PER_SLAB = 1024;
// The ArrayBuffer itself, not a view's `buffer`: that getter costs 3 % of a
// Node-API handover in the bench, where reading a variable costs nothing.
let slabBuffer = new ArrayBuffer(0);
let slabHalves = new Uint32Array(slabBuffer);
let nextInSlab = DESCRIPTORS_PER_SLAB;

/** An empty descriptor for a native call to fill. */
export function newDescriptor(): Descriptor {
  if (nextInSlab === DESCRIPTORS_PER_SLAB) newSlab();
  // A constructor call, not subarray(), which looks up Symbol.species first.
  return new BigUint64Array(slabBuffer, DESCRIPTOR_BYTES * nextInSlab++, DESCRIPTOR_WORDS);
}

function newSlab(): void {
  slabBuffer = new ArrayBuffer(DESCRIPTOR_BYTES * DESCRIPTORS_PER_SLAB);
  slabHalves = new Uint32Array(slabBuffer);
  nextInSlab = 0;
}

/**
 * A buffer's descriptor as it keeps it: a view, or the slab its words were
 * copied into (with their byte offset beside it), viewed only when a call needs
 * the descriptor. A new view costs JavaScriptCore about 100 ns, a tenth of a
 * handover there, and most buffers are disposed without one.
 */
export type KeptWords = Descriptor | ArrayBuffer;

/** The descriptor of words kept at byte offset `at` of a slab, or the view itself. */
export function viewKept(words: KeptWords, at: number): Descriptor {
  return words instanceof ArrayBuffer ? new BigUint64Array(words, at, DESCRIPTOR_WORDS) : words;
}

/**
 * The descriptor one synchronous `adopt` passes to its call, in a slab: its
 * words are copied out (`keep`) and zeroed, so that what the callback kept of
 * it owns and describes nothing. Never reused: a nonblocking call it was passed
 * to may still write it, from another thread, and only dead words are there.
 */
export class OutSlot {
  /** What the call fills. */
  readonly descriptor: Descriptor;
  /** The slab the descriptor is in, as 32-bit halves, and where in it: copied without a view of its own. */
  readonly #halves: Uint32Array;
  readonly #at: number;

  constructor() {
    if (nextInSlab === DESCRIPTORS_PER_SLAB) newSlab();
    this.#halves = slabHalves;
    this.#at = nextInSlab * (DESCRIPTOR_BYTES / 4);
    // A constructor call, not subarray(), which looks up Symbol.species first.
    this.descriptor = new BigUint64Array(slabBuffer, DESCRIPTOR_BYTES * nextInSlab++, DESCRIPTOR_WORDS);
  }

  /**
   * Copies the words into the current slab and zeroes the slot; returns the
   * words' byte offset there, which is `keptSlab()` until the next `keep`.
   */
  keep(): number {
    if (nextInSlab === DESCRIPTORS_PER_SLAB) newSlab();
    const from = this.#halves;
    const at = this.#at;
    const to = nextInSlab++ * (DESCRIPTOR_BYTES / 4);
    for (let i = 0; i < DESCRIPTOR_BYTES / 4; i++) {
      slabHalves[to + i] = from[at + i];
      from[at + i] = 0;
    }
    return to * 4;
  }
}

/** The slab the last `OutSlot.keep` copied into. */
export function keptSlab(): ArrayBuffer {
  return slabBuffer;
}

/** What a filled descriptor describes, checked: what mapping needs. */
export interface DescribedMemory {
  readonly type: ElementType;
  /** The first element's address, exact (below 2^53). */
  readonly address: number;
  readonly byteLength: number;
}

/**
 * Reads and checks a descriptor a native call filled. Throws (without freeing:
 * the caller releases) for an unknown or unexpected element type, a size no
 * ArrayBuffer can have, or a null or misaligned address.
 */
export function describe(descriptor: Descriptor, expected?: ElementType): DescribedMemory {
  // Read as 32-bit halves: BigInt arithmetic would allocate on every handover.
  const halves = halvesOf(descriptor);
  const base = descriptor.byteOffset;
  const tag = halves[(base + DescriptorOffset.element_type) >> 2];
  const type = elementTypeOfTag(tag);
  if (type === undefined || (expected !== undefined && type !== expected)) {
    throw new ZeroCopyError(
      "INVALID_ELEMENT_TYPE",
      `Expected a buffer of ${expected ?? "a known element type"} but the library handed over ${
        type ?? `unknown tag ${tag}`
      }: fix the element type the Zig function or its caller declares`,
    );
  }
  const elementBytes = ELEMENT_INFO[type].bytes;
  const length = wordAt(halves, (base + DescriptorOffset.len) >> 2);
  const byteLength = length * elementBytes;
  const address = wordAt(halves, (base + DescriptorOffset.ptr) >> 2);
  if (byteLength > MAX_BYTE_LENGTH) {
    throw new ZeroCopyError(
      "SIZE_OVERFLOW",
      `A buffer of ${length} ${type} is too large for an ArrayBuffer: hand over less`,
    );
  }
  if (
    byteLength > 0 && (address === 0 || address % elementBytes !== 0 || address > Number.MAX_SAFE_INTEGER)
  ) {
    throw new ZeroCopyError(
      "INVALID_POINTER",
      `The library handed over ${length} ${type} at address 0x${
        descriptor[PTR_WORD].toString(16)
      }, which is null, not aligned to ${elementBytes} bytes or beyond 2^53: fix the Zig function that fills the descriptor`,
    );
  }
  return { type, address, byteLength };
}

/** The element type a descriptor names, or undefined for an unknown tag. */
export function elementTypeOf(descriptor: Descriptor): ElementType | undefined {
  return elementTypeOfTag(halvesOf(descriptor)[(descriptor.byteOffset + DescriptorOffset.element_type) >> 2]);
}

/**
 * A descriptor's whole ArrayBuffer as 32-bit halves: a field's low half is at
 * its byte offset / 4, since every host Deno runs on is little-endian. The
 * current slab's view is made once, and the last other slab's is kept.
 */
function halvesOf(descriptor: Descriptor): Uint32Array {
  const buffer = descriptor.buffer;
  if (buffer === slabBuffer) return slabHalves;
  // An adopt's out slot stays in an older slab: one more view, kept.
  if (buffer !== otherBuffer) {
    otherBuffer = buffer;
    otherHalves = new Uint32Array(buffer);
  }
  return otherHalves;
}

let otherBuffer: ArrayBufferLike = slabBuffer;
let otherHalves = slabHalves;

/**
 * The 64-bit field whose low half is at u32 index `at`, as a number: exact
 * below 2^53, and beyond it large enough to fail every size and bounds check.
 */
export function wordAt(halves: Uint32Array, at: number): number {
  return halves[at + 1] * 2 ** 32 + halves[at];
}
