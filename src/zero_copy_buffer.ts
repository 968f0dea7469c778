/**
 * `ZeroCopyBuffer`: memory a Zig library handed over, viewed from Deno without a copy.
 *
 * @module
 */

import { BUFFER_WORDS, BufferField } from "./abi.ts";
import {
  ELEMENT_INFO,
  type ElementType,
  elementTypeOfTag,
  MAX_BYTE_LENGTH,
  type TypedArrayOf,
} from "./element_types.ts";
import { ZeroCopyError } from "./errors.ts";

/** A `Buffer` descriptor (zig/abi.zig) in JS memory, 8-byte aligned. */
export type Descriptor = BigUint64Array<ArrayBuffer>;

/** Gives a descriptor's memory back to the library that handed it over. */
export interface Releaser {
  /** Frees the memory once and zeroes the descriptor, so a second call does nothing. */
  release(descriptor: Descriptor): void;
}

/** Allocates an empty descriptor for a native call to fill. */
export function newDescriptor(): Descriptor {
  return new BigUint64Array(BUFFER_WORDS);
}

interface Held {
  readonly descriptor: Descriptor;
  readonly releaser: Releaser;
}

// Registered on the ArrayBuffer, not on the wrapper: the memory may only go
// back once neither the wrapper nor any view the user made can reach it.
const safetyNet = new FinalizationRegistry<Held>((held) => held.releaser.release(held.descriptor));

let construct: (
  descriptor: Descriptor,
  releaser: Releaser,
  type: ElementType,
  length: number,
  memory: ArrayBuffer,
) => ZeroCopyBuffer;
let readDescriptor: (buffer: ZeroCopyBuffer) => Descriptor;

/**
 * Memory that a Zig library allocated and handed over, seen through a TypedArray
 * with no copy. It owns that memory: dispose it (`using`) to give it back at
 * once; one never disposed is given back after garbage collection, once no view
 * of it is reachable.
 *
 * Disposing detaches the underlying `ArrayBuffer` before the memory is freed, so
 * every view of it, including views you made, has length 0 afterwards and can
 * never read freed memory. Do not transfer `view.buffer` yourself
 * (`ArrayBuffer.prototype.transfer`, a transfer list): the memory would leave
 * zerocopy's control, and a later dispose refuses to free it.
 *
 * @typeParam T The element type, which picks the view's TypedArray.
 *
 * @example Take a buffer from Zig and give it back
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = openLibrary();
 * {
 *   using numbers = lib.generate("i32", 1000);
 *   console.log(numbers.view[999]); // 999, read straight from Zig's memory
 * } // freed here, exactly once
 * ```
 */
export class ZeroCopyBuffer<T extends ElementType = ElementType> implements Disposable {
  readonly #descriptor: Descriptor;
  readonly #releaser: Releaser;
  readonly #type: T;
  readonly #length: number;
  #memory: ArrayBuffer | null;
  #view: TypedArrayOf[T] | undefined;

  private constructor(
    descriptor: Descriptor,
    releaser: Releaser,
    type: T,
    length: number,
    memory: ArrayBuffer,
  ) {
    this.#descriptor = descriptor;
    this.#releaser = releaser;
    this.#type = type;
    this.#length = length;
    this.#memory = memory;
    safetyNet.register(memory, { descriptor, releaser }, descriptor);
  }

  static {
    construct = (descriptor, releaser, type, length, memory) =>
      new ZeroCopyBuffer(descriptor, releaser, type, length, memory);
    readDescriptor = (buffer) => {
      buffer.#live();
      return buffer.#descriptor;
    };
  }

  /**
   * The elements, as a TypedArray over the native memory: writes are seen by Zig.
   *
   * @throws {ZeroCopyError} `DISPOSED` once the buffer is disposed.
   */
  get view(): TypedArrayOf[T] {
    return this.#view ??= ELEMENT_INFO[this.#type].view(this.#live()) as TypedArrayOf[T];
  }

  /**
   * The same memory as bytes, for I/O and hashing.
   *
   * @throws {ZeroCopyError} `DISPOSED` once the buffer is disposed.
   */
  get bytes(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.#live());
  }

  /**
   * The element type.
   *
   * @throws {ZeroCopyError} `DISPOSED` once the buffer is disposed.
   */
  get type(): T {
    this.#live();
    return this.#type;
  }

  /**
   * The number of elements.
   *
   * @throws {ZeroCopyError} `DISPOSED` once the buffer is disposed.
   */
  get length(): number {
    this.#live();
    return this.#length;
  }

  /**
   * The number of bytes the view covers.
   *
   * @throws {ZeroCopyError} `DISPOSED` once the buffer is disposed.
   */
  get byteLength(): number {
    return this.#live().byteLength;
  }

  /** Whether the buffer was disposed; the one member that never throws. */
  get disposed(): boolean {
    return this.#memory === null;
  }

  /**
   * For experts: the address of the first element, valid until dispose.
   * Anything read or written through it is unchecked.
   *
   * @throws {ZeroCopyError} `DISPOSED` once the buffer is disposed.
   */
  get unsafePointer(): Deno.PointerValue {
    this.#live();
    return Deno.UnsafePointer.create(this.#descriptor[BufferField.ptr]);
  }

  /**
   * Detaches every view, then gives the memory back to Zig. Idempotent: only
   * the first call frees.
   *
   * @throws {ZeroCopyError} `DETACHED_ELSEWHERE` when the `ArrayBuffer` was
   * transferred away behind zerocopy's back: the memory is then left allocated
   * rather than freed under the view that now holds it.
   */
  [Symbol.dispose](): void {
    const memory = this.#memory;
    if (memory === null) return;
    this.#memory = null;
    this.#view = undefined;
    safetyNet.unregister(this.#descriptor);
    if (memory.detached) {
      throw new ZeroCopyError(
        "DETACHED_ELSEWHERE",
        `Cannot free a ${this.#type} buffer whose ArrayBuffer was transferred away: its memory is left allocated; never transfer view.buffer yourself`,
      );
    }
    memory.transfer(0);
    this.#releaser.release(this.#descriptor);
  }

  /** Shows type, length and the first elements, without reading a disposed buffer. */
  [Symbol.for("Deno.customInspect")](
    inspect: (value: unknown, options?: unknown) => string,
    options: unknown,
  ): string {
    if (this.#memory === null) return `ZeroCopyBuffer<${this.#type}> { disposed }`;
    return `ZeroCopyBuffer<${this.#type}> { length: ${this.#length}, view: ${inspect(this.view, options)} }`;
  }

  #live(): ArrayBuffer {
    if (this.#memory === null) {
      throw new ZeroCopyError(
        "DISPOSED",
        `Cannot use a disposed ZeroCopyBuffer<${this.#type}>: keep the buffer alive until you are done with it`,
      );
    }
    return this.#memory;
  }
}

/**
 * The descriptor of a live buffer, to pass to native calls that read it.
 *
 * @throws {ZeroCopyError} `DISPOSED` once the buffer is disposed.
 */
export function descriptorOf(buffer: ZeroCopyBuffer): Descriptor {
  return readDescriptor(buffer);
}

/**
 * Wraps the memory a native call described in `descriptor`, which `releaser` frees.
 * On any inconsistency the memory is released before the error is thrown, so
 * nothing leaks.
 */
export function adoptDescriptor<T extends ElementType>(
  descriptor: Descriptor,
  releaser: Releaser,
  expected: T,
): ZeroCopyBuffer<T> {
  const tag = Number(descriptor[BufferField.elementTypeAndFlags] & 0xffff_ffffn);
  const type = elementTypeOfTag(tag);
  const length = Number(descriptor[BufferField.len]);
  const byteLength = type === undefined ? 0 : length * ELEMENT_INFO[type].bytes;
  if (type !== expected) {
    releaser.release(descriptor);
    throw new ZeroCopyError(
      "INVALID_ELEMENT_TYPE",
      `Expected a buffer of ${expected} but the library handed over ${
        type ?? `unknown tag ${tag}`
      }: fix the symbol's declared element type`,
    );
  }
  if (byteLength > MAX_BYTE_LENGTH) {
    releaser.release(descriptor);
    throw new ZeroCopyError(
      "SIZE_OVERFLOW",
      `A buffer of ${length} ${type} is too large for an ArrayBuffer: hand over less`,
    );
  }
  const memory = byteLength === 0 ? new ArrayBuffer(0) : Deno.UnsafePointerView.getArrayBuffer(
    Deno.UnsafePointer.create(descriptor[BufferField.ptr])!,
    byteLength,
  );
  return construct(descriptor, releaser, type, length, memory) as ZeroCopyBuffer<T>;
}
