/**
 * The gate for memory a native call reads or writes in place: lent arrays
 * (`[*]const T`), memory for pointer parameters (`*T`), and the addresses
 * that lent C Data structs hold. The only module besides `gate.ts` that turns
 * a JavaScript object into something native code follows.
 *
 * @module
 */

import { runtime } from "../runtime/current.ts";
import type { PointerValue } from "../runtime/ffi_types.ts";
import type { ElementType, TypedArrayOf } from "../abi/element_types.ts";
import { ZeroCopyError } from "../errors.ts";
import { bufferInternals, what } from "./gate.ts";
import { detachedOf, memoryOf } from "./_memory_of.ts";

type ArrayConstructor = abstract new (...args: never[]) => ArrayBufferView;

// Written out rather than taken from the element table: a lent array must be
// exactly what the Zig function reads, element for element.
const LENT_ARRAYS: Readonly<Record<ElementType, readonly ArrayConstructor[]>> = {
  i8: [Int8Array],
  u8: [Uint8Array, Uint8ClampedArray],
  i16: [Int16Array],
  u16: [Uint16Array],
  i32: [Int32Array],
  u32: [Uint32Array],
  i64: [BigInt64Array],
  u64: [BigUint64Array],
  f32: [Float32Array],
  f64: [Float64Array],
};

/**
 * Proves `array` can be lent: a TypedArray or DataView whose memory is not
 * detached and, when `type` is given, a TypedArray of exactly that element
 * type, so that its `.length` counts the elements the Zig function reads.
 *
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything but a TypedArray or
 * DataView; `INVALID_ELEMENT_TYPE` for another element type (or a DataView
 * where elements are read); `DETACHED` when its memory is gone.
 */
export function gateLent<T extends ElementType>(
  array: unknown,
  type: T | undefined,
  call?: string,
  name?: string,
): TypedArrayOf[T] {
  if (!ArrayBuffer.isView(array)) {
    const argument = label(call, name);
    const buffer = bufferInternals.isBuffer(array);
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Cannot lend ${argument}${
        buffer
          ? "a ZeroCopyBuffer: lend its view (buffer.view), or pass buffer.pin().descriptor to a function that takes a descriptor"
          : `${what(array)}: lend a TypedArray${type === undefined ? " or DataView" : ""} (new ${
            type === undefined ? "Float64Array" : LENT_ARRAYS[type][0].name
          }([1, 2, 3]))`
      }`,
    );
  }
  if (type !== undefined && !LENT_ARRAYS[type].some((constructor) => array instanceof constructor)) {
    const argument = label(call, name);
    const expected = LENT_ARRAYS[type].map((constructor) => constructor.name).join(" or ");
    throw new ZeroCopyError(
      "INVALID_ELEMENT_TYPE",
      `Cannot lend ${argument}a ${array.constructor.name} where ${type} elements are read: lend a ${expected}, whose length counts the elements`,
    );
  }
  if (detachedOf(array) !== false) throw detachedError(array, label(call, name));
  return array as unknown as TypedArrayOf[T];
}

/** The argument a refusal names; built only for a message, as every lent array of every call is gated. */
function label(call: string | undefined, name: string | undefined): string {
  return call === undefined ? "" : `argument "${name}" of ${call}: `;
}

/**
 * Refuses memory a native call must not read: detached (Zig would see no
 * data); for a nonblocking call, also resizable or growable memory, whose
 * length (which the call was told) can change while Zig reads it.
 *
 * @throws {ZeroCopyError} `DETACHED` or `INVALID_ARGUMENT`.
 */
export function checkLentMemory(array: ArrayBufferView, argument = "", nonblocking = false): void {
  // The engine's view of the memory: a subclass's own getters could say otherwise.
  if (!nonblocking) {
    if (detachedOf(array) !== false) throw detachedError(array, argument);
    return;
  }
  const memory = memoryOf(array);
  if (memory === undefined || memory.detached) {
    throw detachedError(array, argument);
  }
  if (memory.resizable) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Cannot lend ${argument}a ${array.constructor.name} over a ${
        memory.shared ? "growable SharedArrayBuffer" : "resizable ArrayBuffer"
      } to a nonblocking call: its length can change while Zig reads it; lend a fixed-length copy (memory.transferToFixedLength() or slice())`,
    );
  }
}

function detachedError(array: ArrayBufferView, argument: string): ZeroCopyError {
  return new ZeroCopyError(
    "DETACHED",
    `Cannot lend ${argument}a ${array.constructor.name} whose memory was detached (its buffer was disposed, moved or transferred): lend a live array`,
  );
}

// A pointer for an empty buffer that C Data consumers may still read the start of.
const EMPTY = new Uint8Array(8);

/**
 * The address of `view`'s first byte, for a struct that a native call will
 * follow (a lent batch's buffer list): the one place a JavaScript object
 * becomes an address. The library itself tells it (`zc_address_of`), so that
 * no `UnsafePointer` is needed. The memory is checked first ({@linkcode
 * checkLentMemory}).
 *
 * @throws {ZeroCopyError} `DETACHED` when the memory is gone.
 */
export function addressOf(view: ArrayBufferView, library: { readonly symbols: object }): bigint {
  checkLentMemory(view);
  // Reading `buffer` moves a small on-heap TypedArray's bytes off the heap,
  // where garbage collection cannot move them before the call.
  void view.buffer;
  const { zc_address_of } = library.symbols as { zc_address_of(memory: BufferSource): number | bigint };
  return BigInt(zc_address_of(view.byteLength === 0 ? EMPTY : view as BufferSource));
}

/**
 * A pointer value for an address Zig handed over (a buffer's first
 * element), for experts who asked for one; needs an unscoped `--allow-ffi`.
 */
export function pointerTo(address: bigint): PointerValue {
  return runtime.pointers.create(address);
}

// Memory for pointer parameters.

/**
 * Proves `value` can be passed for a `*T` or `?*T` parameter, as generated
 * bindings do for each one with `@sizeOf(T)` and the pointer's alignment: a
 * TypedArray, DataView or ArrayBuffer (or null when `nullable`), not detached,
 * not resizable (its length could change under the call), of at least `size`
 * bytes at an address aligned to `align`.
 *
 * @param lib The library called, which tells the memory's address.
 * @param value What the caller passed.
 * @param size The bytes Zig reads or writes through the pointer.
 * @param align The alignment the pointer needs.
 * @param nullable Whether the pointer is optional (`?*T`).
 * @param call The function called, for the message.
 * @param name The parameter's name, for the message.
 * @returns `value`, to pass as the `"buffer"` parameter.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything else (null for a
 * `*T`, a resizable or growable buffer); `DETACHED` for memory that is gone;
 * `MEMORY_TOO_SMALL` for fewer than `size` bytes; `INVALID_POINTER` when misaligned.
 *
 * @example Gate an out-parameter of one u64
 * ```ts
 * import { gateMemory, openLibrary, ZeroCopyError } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * const out = new BigUint64Array(1);
 * console.log(gateMemory(lib, out, 8, 8, false, "zc_example", "out") === out); // true
 * try {
 *   gateMemory(lib, new Uint8Array(1), 8, 8, false, "zc_example", "out");
 * } catch (error) {
 *   console.log(error instanceof ZeroCopyError && error.code); // "MEMORY_TOO_SMALL"
 * }
 * ```
 */
export function gateMemory(
  lib: {
    readonly symbols: {
      readonly zc_address_of: (memory: ArrayBuffer | ArrayBufferView | null) => number | bigint;
    };
  },
  value: unknown,
  size: number,
  align: number,
  nullable: boolean,
  call: string,
  name: string,
): ArrayBuffer | ArrayBufferView | null {
  if (value === null && nullable) return null;
  const fix =
    `pass a fixed-length TypedArray, DataView or ArrayBuffer of at least ${size} bytes at an address ` +
    `that is a multiple of ${align}${nullable ? ", or null" : ""}`;
  const refuse = (code: ConstructorParameters<typeof ZeroCopyError>[0], problem: string) =>
    new ZeroCopyError(code, `Argument "${name}" of ${call} ${problem}: ${fix}`);
  if (value === null) {
    throw refuse("INVALID_ARGUMENT", "is null, where the pointer is not optional (`*T`, not `?*T`)");
  }
  const memory = memoryOf(value);
  if (memory === undefined) {
    const view = bufferInternals.isBuffer(value) ? " (pass its view, buffer.view)" : "";
    throw refuse("INVALID_ARGUMENT", `is ${what(value)}, no TypedArray, DataView or ArrayBuffer${view}`);
  }
  if (memory.detached) {
    throw refuse("DETACHED", "is memory that was detached (disposed, moved or transferred)");
  }
  if (memory.resizable) throw refuse("INVALID_ARGUMENT", "is over a resizable or growable buffer");
  const bytes = memory.byteLength;
  if (bytes < size) {
    throw refuse("MEMORY_TOO_SMALL", `holds ${bytes} byte${bytes === 1 ? "" : "s"}, fewer than ${size}`);
  }
  if (
    align > 1 && size > 0 &&
    BigInt(lib.symbols.zc_address_of(value as ArrayBufferView)) % BigInt(align) !== 0n
  ) {
    throw refuse("INVALID_POINTER", `starts at an address that is not a multiple of ${align}`);
  }
  return value as ArrayBufferView;
}
