/**
 * Move large buffers between Zig and Deno without copying or serializing.
 *
 * Zig allocates and hands ownership over as a `{ptr, len, cap}` descriptor;
 * Deno views that memory through a TypedArray with no copy, and gives it back
 * to Zig exactly once when the {@linkcode ZeroCopyBuffer} is disposed.
 *
 * Needs `--allow-ffi` for the native library's path (build it with `zig build`).
 *
 * @example Hand a million integers from Zig to Deno
 * ```ts
 * import { openDemo } from "@zerocopy/zerocopy";
 *
 * const demo = await openDemo();
 * using numbers = demo.generate("i32", 1_000_000);
 * console.log(numbers.view.length, numbers.view[123_456]); // 1000000 123456
 * ```
 *
 * @module
 */

export { type BufferPin, type BufferState, ZeroCopyBuffer } from "./src/buffer/zero_copy_buffer.ts";
export {
  type BoundSymbols,
  type LibraryStats,
  type LibzerocopySymbols,
  ZeroCopyLibrary,
} from "./src/library/library.ts";
export { openLibrary, type OpenLibraryOptions } from "./src/library/open.ts";
export { LIBRARY_ENV_VAR, libraryFileName, type LibrarySource } from "./src/library/discovery.ts";
export type { Descriptor } from "./src/buffer/descriptor.ts";
export type { TransferredBuffer } from "./src/buffer/transfer.ts";
export { MAPPING_ENV_VAR, type MappingKind } from "./src/buffer/mapping.ts";
export { type Demo, openDemo } from "./src/demo/demo.ts";
export type { Bindings as DemoBindings } from "./src/demo/demo_bindings.ts";
export { lend, lendAs, lentLength } from "./src/buffer/lend.ts";
export { flushReleases, type ReleaseBacklog, releaseBacklog } from "./src/buffer/background_release.ts";
export { passDescriptor } from "./src/buffer/gate.ts";
export { gateMemory } from "./src/buffer/gate_memory.ts";
export {
  checkRecordLayouts,
  type FieldValue,
  type RecordColumn,
  type RecordField,
  type RecordLayout,
  type RecordOf,
  RecordView,
} from "./src/records/record_view.ts";
export {
  DEFAULT_PROGRESS_INTERVAL,
  type NonblockingCall,
  type NonblockingOptions,
  startCall,
} from "./src/calls/async_call.ts";
export {
  type ProgressBar,
  progressBar,
  type ProgressBarOptions,
  type ProgressWriter,
} from "./src/calls/progress_bar.ts";
export { type HandOverTarget, Region, type RegionOptions } from "./src/streams/region.ts";
export { Ring, type RingOptions, type RingSlot } from "./src/streams/ring.ts";
export { gateRegion, gateRing, type RegionTarget } from "./src/streams/gate_streams.ts";
export { type ElementSource, rowMajorStrides, StridedView } from "./src/buffer/shape.ts";
export { openRemoteLibrary, type RemoteLibraryOptions } from "./src/library/remote.ts";
export { platformKey, type PrebuiltLibrary, type PrebuiltSource } from "./src/library/prebuilt.ts";
export { ZeroCopyError, type ZeroCopyErrorCode } from "./src/errors.ts";
export type {
  BoundFunction,
  BoundFunctions,
  ForeignArgument,
  ForeignArguments,
  ForeignFunction,
  ForeignLibraryInterface,
  ForeignResult,
  LoadedLibrary,
  NativeType,
  PointerObject,
  PointerValue,
} from "./src/runtime/ffi_types.ts";
export {
  ELEMENT_TYPES,
  type ElementType,
  type LentArrayOf,
  type TypedArrayOf,
} from "./src/abi/element_types.ts";
export { ABI_VERSION } from "./src/abi/layout.ts";
export { checkStatus } from "./src/abi/status.ts";
export {
  checkInteger,
  checkScalar,
  type SmallIntegerType,
  toFfiInteger,
  type WideIntegerType,
} from "./src/abi/integers.ts";
export { abiLayout, abiSymbols, libzerocopySymbols } from "./src/abi/symbols.ts";
