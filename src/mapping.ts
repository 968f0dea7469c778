/**
 * Mapping: how the memory a descriptor describes becomes an `ArrayBuffer`
 * without a copy.
 *
 * @module
 */

/**
 * Turns native memory into an `ArrayBuffer` over the same bytes. The one
 * implementation today is Deno's `UnsafePointerView.getArrayBuffer`, whose
 * `ArrayBuffer` has no deleter: the owner frees the memory after detaching it.
 */
export interface Mapping {
  /** Which mapping this is, as `ZeroCopyLibrary.mapping` reports it. */
  readonly kind: "pointer-view";
  /** An `ArrayBuffer` over `byteLength` bytes at `address` (non-zero, checked by the caller). */
  map(address: number, byteLength: number): ArrayBuffer;
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

/** `Deno.UnsafePointerView.getArrayBuffer`: needs `--allow-ffi` without a path (denoland/deno#15511). */
export const pointerViewMapping: Mapping = {
  kind: "pointer-view",
  map: (address, byteLength) => Deno.UnsafePointerView.getArrayBuffer(pointerAt(address), byteLength),
};
