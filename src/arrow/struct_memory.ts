/**
 * Memory for the C Data structs of a synchronous lend. It is resizable, so
 * that Deno refuses it to a nonblocking symbol (the structs are released when
 * the call returns), and it is reused: making a resizable `ArrayBuffer`
 * reserves its pages anew each time, several times the cost of a plain one,
 * on a path every lend takes. A lend borrows memory for the length of its
 * call and returns it zeroed, so a view of it kept past the call reads
 * released structs, or those of a later lend during that lend's call.
 *
 * @module
 */

const SPARES_PER_CAPACITY = 4;
const spares = new Map<number, ArrayBuffer[]>();

const bufferDetached = getter(ArrayBuffer.prototype, "detached");
const bufferLength = getter(ArrayBuffer.prototype, "byteLength");

function getter(of: object, key: string): (this: unknown) => unknown {
  return Object.getOwnPropertyDescriptor(of, key)!.get as (this: unknown) => unknown;
}

/** Struct memory borrowed for one call: `bytes` to write, `memory` to give back. */
export interface StructMemory {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly memory: ArrayBuffer;
  readonly capacity: number;
}

/** `size` zeroed bytes of resizable memory, reused when a spare is at hand. */
export function borrowStructMemory(size: number): StructMemory {
  const capacity = Math.max(1024, 2 ** Math.ceil(Math.log2(size)));
  const memory = spares.get(capacity)?.pop() ?? new ArrayBuffer(capacity, { maxByteLength: capacity });
  return { bytes: new Uint8Array(memory, 0, size), memory, capacity };
}

/**
 * Gives memory back once its structs are zeroed. Memory the user detached or
 * resized through a view of it is dropped instead.
 */
export function returnStructMemory({ memory, capacity }: StructMemory): void {
  if (bufferDetached.call(memory) === true || bufferLength.call(memory) !== capacity) return;
  let list = spares.get(capacity);
  if (list === undefined) spares.set(capacity, list = []);
  if (list.length < SPARES_PER_CAPACITY) list.push(memory);
}

let scratch = new Uint8Array(4096);

/**
 * Plain memory to write structs in before copying them over: V8 writes
 * through a DataView of resizable memory on a slow path, many times slower
 * than the copy. Shared: writing structs calls no user code.
 */
export function scratchOf(size: number): Uint8Array<ArrayBuffer> {
  if (scratch.byteLength < size) scratch = new Uint8Array(2 ** Math.ceil(Math.log2(size)));
  const bytes = scratch.subarray(0, size);
  bytes.fill(0);
  return bytes;
}
