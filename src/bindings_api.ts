/**
 * What generated bindings import, for the bindings generated inside this
 * package (src/demo/demo_bindings.ts); authors' bindings import the same names
 * from `jsr:@zerocopy/zerocopy`.
 *
 * @module
 */

export type { Descriptor } from "./buffer/descriptor.ts";
export type { LentArrayOf, TypedArrayOf } from "./abi/element_types.ts";
export { lend, lendAs, lentLength } from "./buffer/lend.ts";
export { type BufferPin, passDescriptor } from "./buffer/gate.ts";
export { gateMemory } from "./buffer/gate_memory.ts";
export { gateRegion, gateRing } from "./streams/gate_streams.ts";
export type { ZeroCopyLibrary } from "./library/library.ts";
export { openLibrary } from "./library/open.ts";
export { checkInteger, checkScalar, toFfiInteger } from "./abi/integers.ts";
export { checkStatus } from "./abi/status.ts";
export type { ZeroCopyBuffer } from "./buffer/zero_copy_buffer.ts";
export { type NonblockingOptions, startCall } from "./calls/async_call.ts";
export { checkRecordLayouts, RecordView } from "./records/record_view.ts";
