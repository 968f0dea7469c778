/**
 * What a value passed for a pointer parameter is, read through the built-in
 * getters rather than its own properties: a subclass or a changed prototype
 * could report more bytes than Deno's FFI, which reads the internal slots,
 * then passes. Only the gate (gate.ts) asks.
 *
 * @module
 */

/** The memory behind a TypedArray, DataView or ArrayBuffer, as the engine sees it. */
export interface MemoryOf {
  /** Whether `value` is a view (TypedArray or DataView) rather than the buffer itself. */
  readonly view: boolean;
  /** The ArrayBuffer or SharedArrayBuffer behind it. */
  readonly shared: boolean;
  /** Detached (moved, transferred, disposed): its length is 0 and its memory gone. */
  readonly detached: boolean;
  /** Resizable or growable: its length can change while a call uses it. */
  readonly resizable: boolean;
  /** The bytes `value` covers; 0 once detached. */
  readonly byteLength: number;
}

const TYPED = Object.getPrototypeOf(Uint8Array.prototype) as object;
const getter = (of: object, key: string | symbol) =>
  Object.getOwnPropertyDescriptor(of, key)!.get as (this: unknown) => unknown;
const typedTag = getter(TYPED, Symbol.toStringTag);
const typedBuffer = getter(TYPED, "buffer");
const typedLength = getter(TYPED, "byteLength");
const typedCount = getter(TYPED, "length");
const viewBuffer = getter(DataView.prototype, "buffer");
const viewLength = getter(DataView.prototype, "byteLength");
const bufferLength = getter(ArrayBuffer.prototype, "byteLength");
const bufferDetached = getter(ArrayBuffer.prototype, "detached");
const bufferResizable = getter(ArrayBuffer.prototype, "resizable");
const sharedGrowable = getter(SharedArrayBuffer.prototype, "growable");

/** The getter's result on `value`, or undefined when `value` lacks the internal slot (or private field) it reads. */
export function read(get: (this: unknown) => unknown, value: unknown): unknown {
  try {
    return get.call(value);
  } catch {
    return undefined;
  }
}

/**
 * The memory `value` covers, or undefined for anything but a TypedArray, a
 * DataView or an ArrayBuffer (a SharedArrayBuffer itself, a Proxy, a forged
 * object with the right prototype, a ZeroCopyBuffer).
 */
export function memoryOf(value: unknown): MemoryOf | undefined {
  const typed = read(typedTag, value) !== undefined;
  const view = typed || read(viewBuffer, value) !== undefined;
  const buffer = typed ? typedBuffer.call(value) : view ? viewBuffer.call(value) : value;
  // An ArrayBuffer's own getter first: asking the other kind's getter throws, and a
  // thrown error costs microseconds on a path every lent array takes.
  const detachedSlot = read(bufferDetached, buffer);
  let shared = false;
  let growable: unknown;
  if (detachedSlot === undefined) {
    growable = read(sharedGrowable, buffer);
    shared = growable !== undefined;
    if (!shared || !view) return undefined;
  }
  const detached = detachedSlot === true;
  const resizable = shared ? growable === true : bufferResizable.call(buffer) === true;
  // A DataView's length getter throws once its buffer is detached.
  const length = detached
    ? 0
    : (typed ? typedLength : view ? viewLength : bufferLength).call(value) as number;
  return { view, shared, detached, resizable, byteLength: length };
}

/** The element count of a TypedArray as the engine keeps it, or undefined for anything else. */
export function elementCount(value: unknown): number | undefined {
  return read(typedTag, value) === undefined ? undefined : typedCount.call(value) as number;
}

const typedOffset = getter(TYPED, "byteOffset");
const viewOffset = getter(DataView.prototype, "byteOffset");

/**
 * The bytes a TypedArray or DataView covers, over the buffer and at the offset
 * the engine keeps (what Deno's FFI passes), whatever its own getters say.
 */
export function bytesOf(value: ArrayBufferView): Uint8Array {
  const typed = read(typedTag, value) !== undefined;
  const buffer = (typed ? typedBuffer : viewBuffer).call(value) as ArrayBufferLike;
  const offset = (typed ? typedOffset : viewOffset).call(value) as number;
  const length = (typed ? typedLength : viewLength).call(value) as number;
  return new Uint8Array(buffer, offset, length);
}

/**
 * Whether the memory behind a TypedArray or DataView is detached, as the engine
 * sees it; undefined for anything else. Cheaper than {@linkcode memoryOf}: what
 * a synchronous lend checks on every call.
 */
export function detachedOf(value: unknown): boolean | undefined {
  // The tag getter answers undefined, without throwing, for anything but a TypedArray.
  let buffer: unknown;
  if (typedTag.call(value) !== undefined) buffer = typedBuffer.call(value);
  else if ((buffer = read(viewBuffer, value)) === undefined) return undefined;
  try {
    return bufferDetached.call(buffer) === true;
  } catch {
    return false; // a SharedArrayBuffer, which the ArrayBuffer getter refuses, is never detached
  }
}
