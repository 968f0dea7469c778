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
import { StridedView } from "./shape.ts";

/**
 * A `Buffer` descriptor (zig/abi.zig `Buffer`: ptr, len, cap, release, private,
 * element type) in JS memory. Pass it as a `"buffer"` parameter to a Zig
 * function that fills it (`out: *zerocopy.Buffer`) or takes it.
 */
export type Descriptor = BigUint64Array<ArrayBuffer>;

/** Gives a descriptor's memory back to the library that handed it over. */
export interface Releaser {
  /** The library's path, so another worker can open the same library. */
  readonly path: string;
  /** Frees the memory once and zeroes the descriptor, so a second call does nothing. */
  release(descriptor: Descriptor): void;
}

// Every new ArrayBuffer costs Deno 2.9 about 300 ns, as much as the rest of a
// handover together, while a view onto an existing one costs about 30 ns: so
// descriptors are carved out of slabs. A slab is garbage once none of its
// descriptors is reachable.
const DESCRIPTORS_PER_SLAB = 1024;
let slab = new BigUint64Array(0);
let slabHalves = new Uint32Array(slab.buffer);
let nextInSlab = DESCRIPTORS_PER_SLAB;

/** An empty descriptor for a native call to fill. */
export function newDescriptor(): Descriptor {
  if (nextInSlab === DESCRIPTORS_PER_SLAB) {
    slab = new BigUint64Array(BUFFER_WORDS * DESCRIPTORS_PER_SLAB);
    slabHalves = new Uint32Array(slab.buffer);
    nextInSlab = 0;
  }
  const start = BUFFER_WORDS * nextInSlab++;
  return slab.subarray(start, start + BUFFER_WORDS);
}

/**
 * A buffer on its way to another worker: post it with `postMessage` and turn
 * it back into a buffer with `ZeroCopyBuffer.receive()`. Its descriptor lives
 * in a SharedArrayBuffer, so every copy of the message shares it and exactly
 * one `receive()` can claim the memory, however many workers it reaches.
 */
export interface TransferredBuffer {
  /** Path of the library that handed the memory over. */
  readonly path: string;
  /** The descriptor's words, shared by every copy of the message; the first receiver claims them. */
  readonly descriptor: BigUint64Array<SharedArrayBuffer>;
}

interface Held {
  readonly descriptor: Descriptor;
  readonly releaser: Releaser;
}

// Registered on the ArrayBuffer, not on the wrapper: the memory may only go
// back once neither the wrapper nor any view the user made can reach it.
const safetyNet = new FinalizationRegistry<Held>((held) => held.releaser.release(held.descriptor));

// Registering and unregistering cost V8 about 200 ns, more than half of what
// the rest of a handover costs, and most buffers are disposed before their
// task ends. So a new buffer joins the safety net at the next microtask
// checkpoint, and only if it is still live then. Until then a list holds it,
// so garbage collection cannot lose it: FinalizationRegistry callbacks never
// run before that checkpoint anyway. The list is linked through the buffers
// themselves, and a buffer disposed meanwhile unlinks itself, so a task that
// disposes what it takes leaves nothing behind, however many it takes.
let firstAwaiting: ZeroCopyBuffer | null = null;
let joinScheduled = false;
let joinSafetyNet: () => void;

type State = "live" | "disposed" | "consumed";

let construct: (
  descriptor: Descriptor,
  releaser: Releaser,
  type: ElementType,
  memory: ArrayBuffer,
) => ZeroCopyBuffer;
let readDescriptor: (buffer: ZeroCopyBuffer) => Descriptor;
let consumeBuffer: (buffer: ZeroCopyBuffer, purpose: string) => Descriptor;

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
 * zerocopy's control, and a later dispose refuses to free it. Use
 * {@linkcode ZeroCopyBuffer.prototype.transfer} to move a buffer to a worker.
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
  #memory: ArrayBuffer | null;
  // Links of the list of buffers waiting to join the safety net.
  #awaiting = true;
  #previousAwaiting: ZeroCopyBuffer | null = null;
  #nextAwaiting: ZeroCopyBuffer | null = null;
  #registered = false;
  #view: TypedArrayOf[T] | undefined;
  #state: State = "live";
  #pins = 0;
  #layout: StridedView<T> | undefined;

  private constructor(descriptor: Descriptor, releaser: Releaser, type: T, memory: ArrayBuffer) {
    // The constructor is private to TypeScript only: refuse a call from outside
    // now, before the safety net would meet a bogus buffer at its next checkpoint.
    if (!(memory instanceof ArrayBuffer)) {
      throw new TypeError(
        "Cannot construct a ZeroCopyBuffer directly: get one from a ZeroCopyLibrary (take, generate, allocate)",
      );
    }
    this.#descriptor = descriptor;
    this.#releaser = releaser;
    this.#type = type;
    this.#memory = memory;
    this.#nextAwaiting = firstAwaiting;
    if (firstAwaiting !== null) firstAwaiting.#previousAwaiting = this;
    firstAwaiting = this;
    if (!joinScheduled) {
      joinScheduled = true;
      queueMicrotask(joinSafetyNet);
    }
  }

  static {
    construct = (descriptor, releaser, type, memory) =>
      new ZeroCopyBuffer(descriptor, releaser, type, memory);
    readDescriptor = (buffer) => {
      buffer.#live();
      return buffer.#descriptor;
    };
    consumeBuffer = (buffer, purpose) => buffer.#consume(purpose);
    joinSafetyNet = () => {
      joinScheduled = false;
      let buffer = firstAwaiting;
      firstAwaiting = null;
      while (buffer !== null) {
        const next = buffer.#nextAwaiting;
        buffer.#awaiting = false;
        buffer.#previousAwaiting = buffer.#nextAwaiting = null;
        // Only live buffers are still linked: revoking one unlinks it.
        safetyNet.register(
          buffer.#memory!,
          { descriptor: buffer.#descriptor, releaser: buffer.#releaser },
          buffer.#descriptor,
        );
        buffer.#registered = true;
        buffer = next;
      }
    };
  }

  /**
   * Turns a buffer another worker sent with {@linkcode ZeroCopyBuffer.prototype.transfer}
   * back into a buffer over the same memory, which this side now owns.
   *
   * @typeParam T The element type expected.
   * @param transferred What `transfer()` returned, received through `postMessage`.
   * @param open Opens the library at a path; pass `(path) => openLibrary({ path, symbols: {} })`.
   * @param expected The element type expected; a buffer of another type is refused (and freed).
   * @returns The buffer, owned here: dispose it to free the memory.
   * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything but a transferred
   * buffer; `CONSUMED` for one already received; `INVALID_ELEMENT_TYPE` for a
   * buffer of another type than `expected`.
   *
   * @example Receive a buffer in a worker
   * ```ts ignore
   * import { openLibrary, ZeroCopyBuffer } from "@zerocopy/zerocopy";
   *
   * self.onmessage = (event) => {
   *   using buffer = ZeroCopyBuffer.receive(event.data, (path) => openLibrary({ path, symbols: {} }), "f32");
   *   console.log(buffer.length);
   * };
   * ```
   */
  static receive<T extends ElementType = ElementType>(
    transferred: TransferredBuffer,
    open: (path: string) => { releaser: Releaser },
    expected?: T,
  ): ZeroCopyBuffer<T> {
    const words = transferred?.descriptor;
    if (
      !(words instanceof BigUint64Array) || !(words.buffer instanceof SharedArrayBuffer) ||
      words.length !== BUFFER_WORDS || typeof transferred.path !== "string"
    ) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        "Cannot receive a value that ZeroCopyBuffer.transfer() did not produce: post the transfer() result unchanged",
      );
    }
    const descriptor = newDescriptor();
    descriptor.set(words);
    // The claim: only the receiver that swaps the release function out of the
    // shared words owns the memory, even if the message reached several workers.
    const release = descriptor[BufferField.release];
    if (release === 0n || Atomics.compareExchange(words, BufferField.release, release, 0n) !== release) {
      descriptor.fill(0n);
      throw new ZeroCopyError(
        "CONSUMED",
        "Cannot receive a transferred buffer twice: another receive() already owns its memory",
      );
    }
    return adoptDescriptor(descriptor, open(transferred.path).releaser, expected);
  }

  /**
   * The elements, as a TypedArray over the native memory: writes are seen by Zig.
   *
   * @throws {ZeroCopyError} `DISPOSED` or `CONSUMED` once the buffer is gone.
   */
  get view(): TypedArrayOf[T] {
    return this.#view ??= ELEMENT_INFO[this.#type].view(this.#live()) as TypedArrayOf[T];
  }

  /**
   * The same memory as bytes, for I/O and hashing.
   *
   * @throws {ZeroCopyError} `DISPOSED` or `CONSUMED` once the buffer is gone.
   */
  get bytes(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.#live());
  }

  /**
   * The element type.
   *
   * @throws {ZeroCopyError} `DISPOSED` or `CONSUMED` once the buffer is gone.
   */
  get type(): T {
    this.#live();
    return this.#type;
  }

  /**
   * The number of elements.
   *
   * @throws {ZeroCopyError} `DISPOSED` or `CONSUMED` once the buffer is gone.
   */
  get length(): number {
    return this.#live().byteLength / ELEMENT_INFO[this.#type].bytes;
  }

  /**
   * The number of bytes the view covers.
   *
   * @throws {ZeroCopyError} `DISPOSED` or `CONSUMED` once the buffer is gone.
   */
  get byteLength(): number {
    return this.#live().byteLength;
  }

  /** Whether the buffer was disposed, given back or transferred; the one member that never throws. */
  get disposed(): boolean {
    return this.#state !== "live";
  }

  /**
   * For experts: the address of the first element, valid until dispose.
   * Anything read or written through it is unchecked.
   *
   * @throws {ZeroCopyError} `DISPOSED` or `CONSUMED` once the buffer is gone.
   */
  get unsafePointer(): Deno.PointerValue {
    this.#live();
    return Deno.UnsafePointer.create(this.#descriptor[BufferField.ptr]);
  }

  /**
   * The dimensions this buffer carries (DLPack's shape): `[length]` unless
   * {@linkcode ZeroCopyBuffer.prototype.reshape} or a generated binding set them.
   *
   * @throws {ZeroCopyError} `DISPOSED` or `CONSUMED` once the buffer is gone.
   */
  get shape(): readonly number[] {
    this.#live();
    return this.#layout?.shape ?? [this.length];
  }

  /**
   * Elements per step along each dimension of {@linkcode ZeroCopyBuffer.prototype.shape}.
   *
   * @throws {ZeroCopyError} `DISPOSED` or `CONSUMED` once the buffer is gone.
   */
  get strides(): readonly number[] {
    this.#live();
    return this.#layout?.strides ?? [1];
  }

  /**
   * Gives the buffer dimensions and strides to carry (row-major by default),
   * checked against its length, as DLPack does for tensors. Generated bindings
   * call it for Zig functions that declare the shape they hand over.
   *
   * @param shape Elements along each dimension, e.g. `[height, width, 4]`.
   * @param strides Elements per step along each dimension; row-major when absent.
   * @returns This buffer, now carrying the shape.
   * @throws {ZeroCopyError} `INVALID_SHAPE` when they do not fit the length;
   * `DISPOSED` or `CONSUMED` once the buffer is gone.
   *
   * @example A frame that knows its dimensions
   * ```ts
   * import { openLibrary } from "@zerocopy/zerocopy";
   *
   * const lib = openLibrary();
   * using frame = lib.generate("u8", 4 * 3 * 2).reshape([2, 3, 4]);
   * console.log(frame.shape, frame.strides); // [ 2, 3, 4 ] [ 12, 4, 1 ]
   * ```
   */
  reshape(shape: readonly number[], strides?: readonly number[]): this {
    this.#layout = new StridedView<T>(this, shape, strides);
    return this;
  }

  /**
   * Views the elements with a shape and strides, checked against the length:
   * the ones given, else the ones the buffer carries.
   *
   * @param shape Elements along each dimension, e.g. `[height, width, 4]`; the carried shape when absent.
   * @param strides Elements per step along each dimension; row-major when absent.
   * @returns A strided view that reads through this buffer.
   * @throws {ZeroCopyError} `INVALID_SHAPE` when they do not fit the length;
   * `DISPOSED` or `CONSUMED` once the buffer is gone.
   *
   * @example Read a pixel of an RGBA frame
   * ```ts
   * import { openLibrary } from "@zerocopy/zerocopy";
   *
   * const lib = openLibrary();
   * using frame = lib.generate("u8", 4 * 3 * 2);
   * const pixels = frame.withShape([2, 3, 4]);
   * console.log(pixels.row(1, 2)); // the 4 channels of pixel (x 2, y 1)
   * ```
   */
  withShape(shape?: readonly number[], strides?: readonly number[]): StridedView<T> {
    if (shape === undefined) return new StridedView<T>(this, this.shape, this.strides);
    return new StridedView<T>(this, shape, strides);
  }

  /**
   * Keeps the memory allocated while a nonblocking native call uses it. A
   * dispose during the call detaches the views at once but defers the free
   * until the last pin is disposed, so Zig never works on freed memory.
   *
   * @returns The pin; `pin.descriptor` is what to pass to the native call.
   * @throws {ZeroCopyError} `DISPOSED` or `CONSUMED` once the buffer is gone.
   *
   * @example Keep a buffer alive across a nonblocking call
   * ```ts ignore
   * using pin = buffer.pin();
   * const sum = await lib.symbols.sum_slowly(pin.descriptor); // nonblocking: true
   * ```
   */
  pin(): BufferPin {
    const descriptor = this.#descriptor;
    // Holding the ArrayBuffer keeps the safety net from freeing the memory mid-call.
    let memory: ArrayBuffer | null = this.#live();
    this.#pins++;
    return {
      descriptor,
      [Symbol.dispose]: () => {
        if (memory === null) return;
        memory = null;
        if (--this.#pins === 0 && this.#state === "disposed") this.#releaser.release(descriptor);
      },
    };
  }

  /**
   * Moves ownership to another worker with no copy: this buffer's views are
   * detached and it will never free the memory; the receiver does, through
   * {@linkcode ZeroCopyBuffer.receive}.
   *
   * @returns Plain data to send with `postMessage`.
   * @throws {ZeroCopyError} `DISPOSED`, `CONSUMED`, or `PINNED` while a native call uses it.
   *
   * @example Send a buffer to a worker
   * ```ts ignore
   * const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
   * worker.postMessage(lib.generate("f32", 1_000_000).transfer());
   * ```
   */
  transfer(): TransferredBuffer {
    // Shared, so that all copies of the message are one claim; and a copy of
    // its own, because posting a slab's view would clone the whole slab.
    const shared = new BigUint64Array(new SharedArrayBuffer(BUFFER_WORDS * 8));
    shared.set(this.#consume("transfer"));
    return { path: this.#releaser.path, descriptor: shared };
  }

  /**
   * Detaches every view, then gives the memory back to Zig. Idempotent: only
   * the first call frees. While pinned by a nonblocking call, the free waits
   * for the call to settle.
   *
   * @throws {ZeroCopyError} `DETACHED_ELSEWHERE` when the `ArrayBuffer` was
   * transferred away behind zerocopy's back: the memory is then left allocated
   * rather than freed under the view that now holds it.
   */
  [Symbol.dispose](): void {
    if (this.#state !== "live") return;
    this.#state = "disposed";
    this.#revoke();
    if (this.#pins === 0) this.#releaser.release(this.#descriptor);
  }

  /** Shows type, length and the first elements, without reading a disposed buffer. */
  [Symbol.for("Deno.customInspect")](
    inspect: (value: unknown, options?: unknown) => string,
    options: unknown,
  ): string {
    if (this.#state !== "live") return `ZeroCopyBuffer<${this.#type}> { ${this.#state} }`;
    return `ZeroCopyBuffer<${this.#type}> { length: ${this.length}, view: ${inspect(this.view, options)} }`;
  }

  /** Detaches every view and takes the memory out of the safety net's hands. */
  #revoke(): void {
    const memory = this.#memory!;
    this.#memory = null;
    this.#view = undefined;
    // Unregistered even though release zeroes the descriptor, which would make
    // the callback harmless: a registered ArrayBuffer survives minor GCs, and
    // with it the external memory V8 counts for it, forcing full GCs at large sizes.
    if (this.#registered) safetyNet.unregister(this.#descriptor);
    if (this.#awaiting) this.#leaveAwaiting();
    if (memory.detached) {
      this.#pins = Infinity; // never free: a foreign ArrayBuffer holds the memory
      throw new ZeroCopyError(
        "DETACHED_ELSEWHERE",
        `Cannot free a ${this.#type} buffer whose ArrayBuffer was transferred away: its memory is left allocated; never transfer view.buffer yourself`,
      );
    }
    memory.transfer(0);
  }

  /** Unlinks this buffer from the list waiting to join the safety net. */
  #leaveAwaiting(): void {
    const previous = this.#previousAwaiting;
    const next = this.#nextAwaiting;
    if (previous === null) firstAwaiting = next;
    else previous.#nextAwaiting = next;
    if (next !== null) next.#previousAwaiting = previous;
    this.#previousAwaiting = this.#nextAwaiting = null;
    this.#awaiting = false;
  }

  /** Ends this object's ownership without freeing: the caller passes the descriptor on. */
  #consume(purpose: string): Descriptor {
    this.#live();
    if (this.#pins > 0) {
      throw new ZeroCopyError(
        "PINNED",
        `Cannot ${purpose} a ZeroCopyBuffer<${this.#type}> while a native call uses it: await the call first`,
      );
    }
    this.#state = "consumed";
    this.#revoke();
    return this.#descriptor;
  }

  #live(): ArrayBuffer {
    if (this.#memory === null) {
      throw this.#state === "consumed"
        ? new ZeroCopyError(
          "CONSUMED",
          `Cannot use a ZeroCopyBuffer<${this.#type}> that was given back or transferred: its memory belongs to its new owner`,
        )
        : new ZeroCopyError(
          "DISPOSED",
          `Cannot use a disposed ZeroCopyBuffer<${this.#type}>: keep the buffer alive until you are done with it`,
        );
    }
    return this.#memory;
  }
}

/** Keeps a buffer's memory allocated while a native call uses it; dispose it when the call settles. */
export interface BufferPin extends Disposable {
  /** The descriptor to pass to the native call. */
  readonly descriptor: Descriptor;
}

/**
 * The descriptor of a live buffer, to pass to native calls that read it.
 *
 * @throws {ZeroCopyError} `DISPOSED` or `CONSUMED` once the buffer is gone.
 */
export function descriptorOf(buffer: ZeroCopyBuffer): Descriptor {
  return readDescriptor(buffer);
}

/**
 * Ends `buffer`'s ownership without freeing and returns its descriptor, for a
 * native call that takes the memory over.
 *
 * @throws {ZeroCopyError} `DISPOSED`, `CONSUMED` or `PINNED`.
 */
export function consume(buffer: ZeroCopyBuffer, purpose: string): Descriptor {
  return consumeBuffer(buffer, purpose);
}

/**
 * Wraps the memory a native call described in `descriptor`, which `releaser`
 * frees. When `expected` is given, a buffer of another element type is refused.
 * On any inconsistency the memory is released before the error is thrown, so
 * nothing leaks.
 */
export function adoptDescriptor<T extends ElementType>(
  descriptor: Descriptor,
  releaser: Releaser,
  expected?: T,
): ZeroCopyBuffer<T> {
  // Read as 32-bit halves: BigInt arithmetic would allocate on every handover.
  const halves = halvesOf(descriptor);
  const at = descriptor.byteOffset >> 2;
  const tag = halves[at + 2 * BufferField.elementTypeAndFlags];
  const type = elementTypeOfTag(tag);
  if (type === undefined || (expected !== undefined && type !== expected)) {
    releaser.release(descriptor);
    throw new ZeroCopyError(
      "INVALID_ELEMENT_TYPE",
      `Expected a buffer of ${expected ?? "a known element type"} but the library handed over ${
        type ?? `unknown tag ${tag}`
      }: fix the element type the Zig function or its caller declares`,
    );
  }
  const elementBytes = ELEMENT_INFO[type].bytes;
  const length = wordAt(halves, at, BufferField.len);
  const byteLength = length * elementBytes;
  const address = wordAt(halves, at, BufferField.ptr);
  if (byteLength > MAX_BYTE_LENGTH) {
    releaser.release(descriptor);
    throw new ZeroCopyError(
      "SIZE_OVERFLOW",
      `A buffer of ${length} ${type} is too large for an ArrayBuffer: hand over less`,
    );
  }
  if (
    byteLength > 0 && (address === 0 || address % elementBytes !== 0 || address > Number.MAX_SAFE_INTEGER)
  ) {
    releaser.release(descriptor);
    throw new ZeroCopyError(
      "INVALID_POINTER",
      `The library handed over ${length} ${type} at address 0x${
        descriptor[BufferField.ptr].toString(16)
      }, which is null, not aligned to ${elementBytes} bytes or beyond 2^53: fix the Zig function that fills the descriptor`,
    );
  }
  const memory = byteLength === 0
    ? new ArrayBuffer(0)
    : Deno.UnsafePointerView.getArrayBuffer(pointerAt(address), byteLength);
  return construct(descriptor, releaser, type, memory) as ZeroCopyBuffer<T>;
}

// Deno.UnsafePointer.create allocates a pointer object in native code (about
// 70 ns); pools and allocators hand the same addresses over again and again.
// A pointer object is only an address: caching it holds no memory.
const POINTER_CACHE_SIZE = 256;
const pointers = new Map<number, Deno.PointerObject>();

function pointerAt(address: number): Deno.PointerObject {
  let pointer = pointers.get(address);
  if (pointer === undefined) {
    if (pointers.size === POINTER_CACHE_SIZE) pointers.clear();
    // UnsafePointer.create takes a number as well as a bigint at runtime.
    pointer = Deno.UnsafePointer.create(address as unknown as bigint)!;
    pointers.set(address, pointer);
  }
  return pointer;
}

/**
 * A descriptor's whole ArrayBuffer as 32-bit halves: a field's low half is at
 * `byteOffset / 4 + 2 * field`, since every host Deno runs on is little-endian.
 * The current slab's view is made once; other descriptors get one each.
 */
function halvesOf(descriptor: Descriptor): Uint32Array {
  return descriptor.buffer === slabHalves.buffer ? slabHalves : new Uint32Array(descriptor.buffer);
}

/** A 64-bit field as a number, exact below 2^53; beyond it, large enough to fail the checks. */
function wordAt(halves: Uint32Array, at: number, field: number): number {
  const low = at + 2 * field;
  return halves[low + 1] * 2 ** 32 + halves[low];
}
