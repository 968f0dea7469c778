//! The Zig half of zerocopy, for the library itself and for Zig authors who
//! export their own zero-copy functions to Deno. This file only re-exports;
//! each concern lives in the file named for it:
//!
//!   abi.zig           the descriptor, statuses, element types, layout manifest
//!   handover.zig      handing memory over, `release`, `claim`, `allocate`
//!   shared_arena.zig  an arena handed over as several descriptors
//!   out.zig           `Out(T)`, the typed out-parameter of an export
//!   region.zig        regions: many slices handed over inside memory mapped once
//!   ring.zig          rings: slots a producer fills and the host holds until released
//!   records.zig       `RecordOut(T)`: a slice of an extern struct handed over, with its layout
//!   job.zig           `Job`: progress and cancellation a long export shares with the host
//!   handles.zig       the table through which Zig recognizes regions, rings and transfers the host names
//!   handed_over.zig   the descriptors the host owns: only those are mapped, freed or claimed for it
//!   transfer.zig      buffers parked for another worker, claimed back by handle
//!   stats.zig         counters of what is handed over and not yet released
//!   checked.zig       the checked build's allocator and double-free detection
//!   page_guard.zig    the checked allocator: freed memory faults when touched
//!   exports.zig       the C exports every library needs (`exportAbi`)
//!   napi.zig          the Node-API entry `exportAbi` adds: external ArrayBuffers that free themselves
//!   napi_holds.zig    addresses a nonblocking call keeps allocated whatever happens to their ArrayBuffer
//!   napi_frame.zig    call frames: what a nonblocking call uses outlives an isolate that dies meanwhile
//!   napi_reclaim.zig  `reclaim` where detaching does not finalize (Node): owners found by a type tag
//!   napi_wrap_checks.zig  what `wrap` maps: `describe()`'s checks, in Zig
//!   napi_guard.zig    `closeWhenGone`: a handle (an ADBC connection) closed once its isolate dropped it
//!   lock_free_stack.zig  the lists finalizers on any thread leave work on for a JavaScript thread
//!   napi_host.zig     the Node-API functions the entry looks up in the host process
//!   napi_symbols.zig  the library's exports as Node-API functions, from the signatures the bindings read
//!   napi_symbols_async.zig  their nonblocking forms: a Promise, the call on a worker thread
//!   napi_convert.zig  JavaScript values to export arguments and results back, as Deno FFI converts them
//!   bindings.zig      TypeScript generated from the exports
//!   arrow/            Apache Arrow record batches through the C Data Interface, both ways
//!
//! Hand memory over with `handOverSlice`, `handOverArrayList` or `handOver`,
//! and put `comptime { zerocopy.exportAbi(); }` in your root file so the
//! TypeScript side finds `zc_release`, `zc_abi_version`, `zc_layout`,
//! `zc_stats` and `zc_allocate` in your shared library.

pub const abi = @import("abi.zig");
pub const arrow = @import("arrow/arrow.zig");
pub const bindings = @import("bindings.zig");
const checked_build = @import("checked.zig");
const exports = @import("exports.zig");
const handover = @import("handover.zig");
const out = @import("out.zig");

pub const Descriptor = abi.Descriptor;
pub const ElementType = abi.ElementType;
pub const ReleaseFn = abi.ReleaseFn;
pub const Stats = abi.Stats;
pub const Status = abi.Status;
pub const Job = abi.Job;

/// Whether this build checks every free (`zig build checked-lib`).
pub const checked = checked_build.enabled;
pub const default_allocator = checked_build.default_allocator;

pub const AllocateError = handover.AllocateError;
pub const allocate = handover.allocate;
pub const statusOf = handover.statusOf;
pub const handOverSlice = handover.handOverSlice;
pub const handOverArrayList = handover.handOverArrayList;
pub const handOver = handover.handOver;
pub const handOverDescriptor = handover.handOverDescriptor;
pub const release = handover.release;
pub const elements = handover.elements;
pub const claim = handover.claim;
pub const allocateAndHandOver = handover.allocateAndHandOver;

pub const SharedArena = @import("shared_arena.zig").SharedArena;
pub const region = @import("region.zig");
pub const ring = @import("ring.zig");
pub const Region = region.Region;
pub const RegionOut = region.RegionOut;
pub const BatchOut = region.BatchOut;
pub const Ring = ring.Ring;
pub const RingOut = ring.RingOut;
pub const handles = @import("handles.zig");
pub const transfer = @import("transfer.zig");
pub const Out = out.Out;
pub const records = @import("records.zig");
pub const RecordOut = records.RecordOut;
pub const isOut = out.isOut;
pub const stats = @import("stats.zig").stats;

pub const exportAll = exports.exportAll;
pub const exportAbi = exports.exportAbi;
pub const probe_exports = exports.probe_exports;
pub const abi_exports = exports.abi_exports;

test {
    _ = abi;
    _ = arrow;
    _ = bindings;
    _ = checked_build;
    _ = exports;
    _ = handover;
    _ = @import("background_release.zig");
    _ = @import("blocking_mutex.zig");
    _ = @import("handed_over.zig");
    _ = @import("napi_wrap_checks.zig");
    _ = @import("job.zig");
    _ = @import("lock_free_stack.zig");
    _ = records;
    _ = @import("napi.zig");
    _ = @import("napi_holds.zig");
    _ = @import("napi_frame.zig");
    _ = @import("napi_convert.zig");
    _ = @import("napi_symbols.zig");
    _ = @import("napi_symbols_test.zig");
    _ = @import("napi_reclaim.zig");
    _ = out;
    _ = @import("shared_arena.zig");
    _ = @import("stats.zig");
    _ = region;
    _ = ring;
    _ = handles;
    _ = transfer;
    if (@import("builtin").os.tag != .windows) _ = @import("page_guard.zig");
}
