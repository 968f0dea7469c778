/**
 * `ZeroCopyBuffer`: memory a Zig library handed over, viewed from Deno without a copy.
 *
 * @module
 */

import { runtime } from "../runtime/current.ts";
import { customInspect } from "../runtime/inspect.ts";
import type { PointerValue } from "../runtime/ffi_types.ts";
import { type Descriptor, type KeptWords, PTR_WORD, viewKept } from "./descriptor.ts";
import { ELEMENT_INFO, type ElementType, type TypedArrayOf } from "../abi/element_types.ts";
import { ZeroCopyError } from "../errors.ts";
import { type Releaser, Watch } from "./safety_net.ts";
import { StridedView } from "./shape.ts";
import { pack, type TransferredBuffer } from "./transfer.ts";
import {
  bufferInternals,
  type BufferOwner,
  type BufferPin,
  type BufferState,
  goneError,
  makePin,
  movedError,
  stillOwned,
} from "./gate.ts";
import { pointerTo } from "./gate_memory.ts";
import type { CallFrame } from "./call_frame.ts";

export type { BufferOwner, BufferState } from "./gate.ts";

// A pin never disposed would keep a buffer disposed during its call in
// `draining` for good. This net frees such a buffer once its descriptor, which
// every pin and the buffer hold, is garbage: no call can reach the memory then.
// It holds a copy of the words, unregistered when the buffer frees them itself.
const pinNet = new FinalizationRegistry<{ words: Descriptor; owner: Releaser }>(({ words, owner }) =>
  owner.release(words)
);

export { bufferInternals } from "./gate.ts";
export type { BufferPin } from "./gate.ts";

/**
 * Memory that a Zig library allocated and handed over, seen through a TypedArray
 * with no copy. It owns that memory: dispose it (`using`) to give it back at
 * once; one never disposed is given back after garbage collection, once no view
 * of it is reachable.
 *
 * Disposing detaches the underlying `ArrayBuffer` before the memory is freed, so
 * every view of it, including views you made, has length 0 afterwards and can
 * never read freed memory. Under the library's Node-API mapping (the default)
 * the memory is freed by its `ArrayBuffer` itself, so moving `view.buffer` away
 * (`ArrayBuffer.prototype.transfer`, a `postMessage` transfer list) is safe: the
 * memory goes with it. Under the pointer-view mapping do not: the memory would
 * leave zerocopy's control, and a later dispose refuses to free it; use
 * {@linkcode ZeroCopyBuffer.prototype.transfer} to move a buffer to a worker.
 * Either way the buffer becomes `moved` and refuses every use with `MOVED`,
 * so no native call reaches memory it no longer owns (docs/safety.md).
 *
 * @typeParam T The element type, which picks the view's TypedArray.
 *
 * @example Take a buffer from Zig and give it back
 * ```ts
 * import { openDemo } from "@zerocopy/zerocopy";
 *
 * const demo = await openDemo();
 * {
 *   using numbers = demo.generate("i32", 1000);
 *   console.log(numbers.view[999]); // 999, read straight from Zig's memory
 * } // freed here, exactly once
 * ```
 */
export class ZeroCopyBuffer<T extends ElementType = ElementType> implements Disposable {
  // The descriptor, or the slab that keeps its words at byte offset `#at` until a call needs it.
  #words: KeptWords;
  readonly #at: number;
  readonly #owner: BufferOwner;
  readonly #type: T;
  readonly #watch: Watch | null;
  #memory: ArrayBuffer | null;
  #view: TypedArrayOf[T] | undefined;
  #state: BufferState = "live";
  #pins = 0;
  #layout: StridedView<T> | undefined;

  private constructor(words: KeptWords, owner: BufferOwner, type: T, memory: ArrayBuffer, at = 0) {
    // The constructor is private to TypeScript only: refuse a call from outside
    // now, before the safety net would meet a bogus buffer at its next checkpoint.
    if (!(memory instanceof ArrayBuffer) || typeof owner?.mapping !== "object") {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        "Cannot construct a ZeroCopyBuffer directly: get one from a ZeroCopyLibrary (adopt, allocate, receive)",
      );
    }
    this.#words = words;
    this.#at = at;
    this.#owner = owner;
    this.#type = type;
    this.#memory = memory;
    // An ArrayBuffer that frees its own memory needs no safety net.
    this.#watch = owner.mapping.ownsMemory ? null : new Watch(this, memory, this.#descriptor, owner);
  }

  /** The descriptor, viewed now if only its words were kept. */
  get #descriptor(): Descriptor {
    const words = this.#words;
    return words instanceof ArrayBuffer ? this.#words = viewKept(words, this.#at) : words;
  }

  static {
    bufferInternals.create = (words, owner, type, memory, at) =>
      new ZeroCopyBuffer(words, owner, type, memory, at);
    bufferInternals.isBuffer = (value): value is ZeroCopyBuffer =>
      typeof value === "object" && value !== null && #words in value;
    bufferInternals.descriptorOf = (buffer: ZeroCopyBuffer) => {
      buffer.#live("pass");
      return buffer.#descriptor;
    };
    bufferInternals.ownerOf = (buffer: ZeroCopyBuffer) => buffer.#owner;
    bufferInternals.intact = (buffer: ZeroCopyBuffer) => {
      buffer.#refresh();
      return buffer.#state === "live" || buffer.#state === "draining";
    };
    bufferInternals.consume = (buffer: ZeroCopyBuffer, purpose: string) => buffer.#consume(purpose);
    bufferInternals.pin = (buffer: ZeroCopyBuffer, frame) => buffer.#pin(frame);
  }

  /**
   * The elements, as a TypedArray over the native memory: writes are seen by Zig.
   *
   * @throws {ZeroCopyError} `DISPOSED`, `CONSUMED` or `MOVED` once the buffer is gone.
   */
  get view(): TypedArrayOf[T] {
    return this.#view ??= ELEMENT_INFO[this.#type].whole(this.#live()) as TypedArrayOf[T];
  }

  /**
   * The same memory as bytes, for I/O and hashing.
   *
   * @throws {ZeroCopyError} `DISPOSED`, `CONSUMED` or `MOVED` once the buffer is gone.
   */
  get bytes(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.#live());
  }

  /**
   * The element type.
   *
   * @throws {ZeroCopyError} `DISPOSED`, `CONSUMED` or `MOVED` once the buffer is gone.
   */
  get type(): T {
    this.#live();
    return this.#type;
  }

  /**
   * The number of elements.
   *
   * @throws {ZeroCopyError} `DISPOSED`, `CONSUMED` or `MOVED` once the buffer is gone.
   */
  get length(): number {
    return this.#live().byteLength / ELEMENT_INFO[this.#type].bytes;
  }

  /**
   * The number of bytes the view covers.
   *
   * @throws {ZeroCopyError} `DISPOSED`, `CONSUMED` or `MOVED` once the buffer is gone.
   */
  get byteLength(): number {
    return this.#live().byteLength;
  }

  /** Whether the buffer was disposed, given back, transferred or moved; the one member that never throws. */
  get disposed(): boolean {
    this.#refresh();
    return this.#state !== "live";
  }

  /** Where the buffer is in its life; the other member that never throws. */
  get state(): BufferState {
    this.#refresh();
    return this.#state;
  }

  /**
   * For experts: the address of the first element, valid until dispose.
   * Anything read or written through it is unchecked.
   *
   * @throws {ZeroCopyError} `DISPOSED`, `CONSUMED` or `MOVED` once the buffer is gone.
   */
  get unsafePointer(): PointerValue {
    this.#live();
    if (!runtime.permissions.ffi()) {
      throw runtime.errors.notCapable(
        `Requires ffi access without a path for ZeroCopyBuffer.unsafePointer: Deno allows UnsafePointer only under an unscoped grant (denoland/deno#15511); run again with --allow-ffi, or use view and the descriptor instead`,
      );
    }
    return pointerTo(this.#descriptor[PTR_WORD]);
  }

  /**
   * The dimensions this buffer carries (DLPack's shape): `[length]` unless
   * {@linkcode ZeroCopyBuffer.prototype.reshape} or a generated binding set them.
   *
   * @throws {ZeroCopyError} `DISPOSED`, `CONSUMED` or `MOVED` once the buffer is gone.
   */
  get shape(): readonly number[] {
    this.#live();
    return this.#layout?.shape ?? [this.length];
  }

  /**
   * Elements per step along each dimension of {@linkcode ZeroCopyBuffer.prototype.shape}.
   *
   * @throws {ZeroCopyError} `DISPOSED`, `CONSUMED` or `MOVED` once the buffer is gone.
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
   * `DISPOSED`, `CONSUMED` or `MOVED` once the buffer is gone.
   *
   * @example A frame that knows its dimensions
   * ```ts
   * import { openDemo } from "@zerocopy/zerocopy";
   *
   * const demo = await openDemo();
   * using frame = demo.generate("u8", 4 * 3 * 2).reshape([2, 3, 4]);
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
   * `DISPOSED`, `CONSUMED` or `MOVED` once the buffer is gone.
   *
   * @example Read a pixel of an RGBA frame
   * ```ts
   * import { openDemo } from "@zerocopy/zerocopy";
   *
   * const demo = await openDemo();
   * using frame = demo.generate("u8", 4 * 3 * 2);
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
   * @throws {ZeroCopyError} `DISPOSED`, `CONSUMED` or `MOVED` once the buffer is gone.
   *
   * @example Keep a buffer alive across a nonblocking call
   * ```ts ignore
   * using pin = buffer.pin();
   * const sum = await lib.symbols.sum_slowly(pin.descriptor); // nonblocking: true
   * ```
   */
  pin(): BufferPin {
    return this.#pin(undefined);
  }

  #pin(frame: CallFrame | undefined): BufferPin {
    this.#live("pin");
    this.#pins++;
    try {
      return makePin(this, this.#type, this.#descriptor, this.#owner.mapping, () => {
        if (--this.#pins === 0 && this.#state === "draining") this.#free();
      }, frame);
    } catch (error) {
      this.#pins--;
      throw error;
    }
  }

  /**
   * Moves ownership to another worker with no copy: this buffer's views are
   * detached and it will never free the memory; the receiver does, through
   * {@linkcode ZeroCopyLibrary.prototype.receive}. Post the result with its
   * transfer list. Under the Node-API mapping the message carries the memory
   * itself, so one never received frees it when it dies; under the pointer-view
   * mapping it carries only the descriptor, and one never received leaks.
   *
   * @returns Plain data to send with `postMessage(transferred, transferred.transferList)`.
   * @throws {ZeroCopyError} `DISPOSED`, `CONSUMED`, or `PINNED` while a native call uses it.
   *
   * @example Send a buffer to a worker
   * ```ts ignore
   * const worker = new Worker(new URL("../worker.ts", import.meta.url), { type: "module" });
   * const transferred = demo.generate("f32", 1_000_000).transfer();
   * worker.postMessage(transferred, transferred.transferList);
   * ```
   */
  transfer(): TransferredBuffer {
    if (!this.#owner.mapping.ownsMemory || !runtime.transfersMemory) {
      return pack(this.#owner.park(this.#consume("transfer")), this.#owner.path, null);
    }
    // The ArrayBuffer's finalizer owns the memory: move it (no copy) into the
    // message, where it frees the memory if the message dies unreceived.
    const memory = this.#leave("transfer");
    this.#state = "consumed";
    // V8 keeps an empty ArrayBuffer's memory through a postMessage transfer
    // but not through transfer(), which would free it now: an empty buffer
    // has no elements any view could read, so it travels as it is.
    return pack(0n, this.#owner.path, memory.byteLength === 0 ? memory : memory.transfer());
  }

  /**
   * Detaches every view, then gives the memory back to Zig. Idempotent: only
   * the first call frees. While pinned by a nonblocking call, the free waits
   * for the call to settle.
   *
   * @throws {ZeroCopyError} `MOVED` under the pointer-view mapping when the
   * `ArrayBuffer` was moved away behind zerocopy's back: the memory is then
   * left allocated rather than freed under the view that now holds it. (Under
   * the Node-API mapping the moved `ArrayBuffer` frees it, and dispose only
   * marks the buffer `moved`.)
   */
  [Symbol.dispose](): void {
    if (this.#state !== "live") return;
    this.#refresh();
    if ((this.#state as BufferState) === "moved") {
      if (this.#owner.mapping.ownsMemory) return;
      throw movedError(this.#type, "free");
    }
    const memory = this.#revoke();
    const mapping = this.#owner.mapping;
    if (this.#pins > 0) {
      this.#state = "draining";
      // False only when something else still holds the memory: it is freed
      // when that lets go, and the descriptor has nothing left to release.
      mapping.detachInto(memory, this.#descriptor);
      pinNet.register(
        this.#descriptor,
        { words: this.#descriptor.slice(), owner: this.#owner },
        this.#descriptor,
      );
    } else {
      this.#state = "disposed";
      mapping.free(memory, this.#words, this.#at, this.#owner);
    }
  }

  /** Shows type, length and the first elements, without reading a buffer that is gone. */
  [customInspect](
    inspect: (value: unknown, options?: unknown) => string,
    options: unknown,
  ): string {
    if (this.state !== "live") return `ZeroCopyBuffer<${this.#type}> { ${this.#state} }`;
    return `ZeroCopyBuffer<${this.#type}> { length: ${this.length}, view: ${inspect(this.view, options)} }`;
  }

  /** Leaves `live`: forgets every view and takes the memory out of the safety net's hands. */
  #revoke(): ArrayBuffer {
    const memory = this.#memory!;
    this.#memory = null;
    this.#view = undefined;
    this.#watch?.cancel();
    return memory;
  }

  /**
   * The gate's test of a live buffer: its `ArrayBuffer` must still be the
   * memory it mapped. Once someone else detached or moved it, the buffer
   * becomes `moved`: under the Node-API mapping the memory went with the
   * `ArrayBuffer` and is freed when that dies (or was freed already, by
   * `transfer(n)`); under the pointer-view mapping it is left allocated rather
   * than freed under that view, and counted.
   */
  #refresh(): void {
    if (this.#state !== "live" || stillOwned(this.#memory!)) return;
    this.#revoke();
    this.#state = "moved";
    if (!this.#owner.mapping.ownsMemory) this.#owner.abandon(this.#descriptor);
  }

  #free(): void {
    this.#state = "disposed";
    pinNet.unregister(this.#descriptor);
    this.#owner.release(this.#descriptor);
  }

  /** Leaves `live` to pass the memory on, unless pinned or moved away already. */
  #leave(purpose: string): ArrayBuffer {
    this.#live(purpose);
    if (this.#pins > 0) {
      throw new ZeroCopyError(
        "PINNED",
        `Cannot ${purpose} a ZeroCopyBuffer<${this.#type}> while a native call uses it: await the call first`,
      );
    }
    return this.#revoke();
  }

  #consume(purpose: string): Descriptor {
    const memory = this.#leave(purpose);
    if (!this.#owner.mapping.detachInto(memory, this.#descriptor)) {
      this.#state = "disposed";
      throw new ZeroCopyError(
        "DETACHED_ELSEWHERE",
        `Cannot ${purpose} a ${this.#type} buffer whose memory an asynchronous operation still holds: it is freed when that operation lets go`,
      );
    }
    this.#state = "consumed";
    return this.#descriptor;
  }

  /** The memory of a live buffer whose `ArrayBuffer` is still its own; throws otherwise. */
  #live(purpose = "use"): ArrayBuffer {
    this.#refresh();
    if (this.#memory === null) throw goneError(this.#state, this.#type, purpose);
    return this.#memory;
  }
}
