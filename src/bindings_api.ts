/**
 * What generated bindings import, for the bindings generated inside this
 * package (src/demo_bindings.ts); authors' bindings import the same names
 * from `jsr:@zerocopy/zerocopy`.
 *
 * @module
 */

export type { Descriptor } from "./descriptor.ts";
export type { TypedArrayOf } from "./element_types.ts";
export { lend } from "./lend.ts";
export { openLibrary, type ZeroCopyLibrary } from "./library.ts";
export { checkInteger, toFfiInteger } from "./integers.ts";
export { checkStatus } from "./status.ts";
export type { ZeroCopyBuffer } from "./zero_copy_buffer.ts";
