/**
 * Raw pointers under Deno: `UnsafePointer` and `UnsafePointerView`. Deno
 * allows them only under an unscoped `--allow-ffi` (denoland/deno#15511).
 *
 * @module
 */

import type { PointerObject } from "../ffi_types.ts";
import type { Pointers } from "../runtime.ts";

// Deno's pointer objects are the runtime's own; zerocopy's type names any opaque object.
const own = (pointer: PointerObject) => pointer as unknown as Deno.PointerObject;

/** Deno's raw pointers. */
export const denoPointers: Pointers = {
  available: true,
  // UnsafePointer.create takes a number as well as a bigint at runtime.
  create: (address) => Deno.UnsafePointer.create(address as bigint),
  arrayBuffer: (pointer, byteLength) => Deno.UnsafePointerView.getArrayBuffer(own(pointer), byteLength),
  cString: (pointer) => new Deno.UnsafePointerView(own(pointer)).getCString(),
};
