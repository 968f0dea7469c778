//! A record batch in two allocations (`layout.zig`): its C Data structs in
//! memory only Zig sees (`ArrowBlock`), its buffers and a directory of
//! offsets in memory handed over as one ordinary `u8` descriptor, so the host
//! views every Arrow buffer as a slice of one `ArrayBuffer` and gives it all
//! back with one `zc_release`; or it is moved into a C Data consumer's
//! structs (`moveOut`), whose release callbacks free it once every struct of
//! it is released.
//!
//! The descriptor names its batch by handle (`private`), through the table
//! regions and rings use (`handles.zig`), never by anything in the memory
//! the host can write: a forged or stale descriptor finds no batch.

const std = @import("std");
const Allocator = std.mem.Allocator;
const abi = @import("../abi.zig");
const checked = @import("../checked.zig");
const counters = @import("../stats.zig");
const handles = @import("../handles.zig");
const handover = @import("../handover.zig");
const c = @import("c_data.zig");
const layout = @import("layout.zig");
const ArrowArray = c.ArrowArray;
const ArrowSchema = c.ArrowSchema;
const Descriptor = abi.Descriptor;

const column = @import("column.zig");
pub const TimeUnit = column.TimeUnit;
pub const MonthDayNano = column.MonthDayNano;
pub const Indices = column.Indices;
pub const Values = column.Values;
pub const Column = column.Column;
const copyColumn = column.copyColumn;

pub const Error = layout.Error;

/// Builds a batch of `columns` in the allocations of `allocator` and hands
/// it over through `out`: the layout `BatchBuilder` makes, with the slices
/// copied into it. Every column must have the same length.
pub fn handOverBatch(allocator: *const Allocator, columns: []const Column, out: *Descriptor) Error!void {
    out.* = .released;
    const root: Column = .{ .values = .{ .@"struct" = columns }, .nullable = false };
    const block = try layout.allocate(Column, allocator, &root, null);
    copyColumn(&root, &block.array);
    register(block) catch |err| {
        discardUnregistered(block);
        return err;
    };
    handOverBlock(block, out);
}

/// Enters a laid-out block in the handle table, so descriptors can name it.
pub fn register(block: *ArrowBlock) error{OutOfMemory}!void {
    block.handle = try handles.global.register(.batch, block);
}

/// Frees a registered block that was never handed over.
pub fn discard(block: *ArrowBlock) void {
    _ = handles.global.take(block.handle, .batch);
    block.free();
}

/// Frees a block `register` refused.
pub fn discardUnregistered(block: *ArrowBlock) void {
    block.free();
}

/// Seals a registered block and hands its host memory over through `out`,
/// `private` carrying its handle.
pub fn handOverBlock(block: *ArrowBlock, out: *Descriptor) void {
    layout.seal(block);
    handover.handOver(u8, block.data.ptr, block.data.len, block.data.len, releaseDescriptor, @ptrFromInt(block.handle), out);
}

/// A handed-over batch held allocated for the caller until `unpin`, even if
/// its descriptor is released meanwhile (by a finalizer on another thread).
pub const Pinned = struct {
    block: *ArrowBlock,

    /// The root structs, in Zig's own memory.
    pub fn schema(pinned: Pinned) *const ArrowSchema {
        return &pinned.block.schema;
    }

    pub fn array(pinned: Pinned) *const ArrowArray {
        return &pinned.block.array;
    }

    /// The memory the host maps, which every buffer lies in. The host can
    /// write any byte of it at any time: read values from it, never sizes or
    /// places to read next (the structs have those).
    pub fn memory(pinned: Pinned) []align(64) u8 {
        return pinned.block.data;
    }

    pub fn unpin(pinned: Pinned) void {
        handles.global.unpin(pinned.block.handle);
    }
};

/// The batch `descriptor` names, pinned; null unless its `private` is the
/// handle of a live batch whose memory is exactly what the descriptor
/// describes. Under the Node-API mapping the host's copy of a descriptor has
/// no `release` (the memory releases itself) but keeps `private`, so either
/// copy finds its batch.
pub fn pin(descriptor: *const Descriptor) ?Pinned {
    if (descriptor.element_type != .u8) return null;
    const handle: handles.Handle = @intFromPtr(descriptor.private);
    const block: *ArrowBlock = @ptrCast(@alignCast(handles.global.pin(handle, .batch) orelse return null));
    if (descriptor.ptr != block.data.ptr or descriptor.len != block.data.len) {
        handles.global.unpin(handle);
        return null;
    }
    return .{ .block = block };
}

/// Whether `descriptor` owns a batch built by `handOverBatch` (and can release it).
pub fn isBatch(descriptor: *const Descriptor) bool {
    if (descriptor.release != releaseDescriptor) return false;
    const pinned = pin(descriptor) orelse return false;
    pinned.unpin();
    return true;
}

/// Moves a handed-over batch into a C Data consumer's structs: `descriptor` is
/// left released (it no longer owns anything) and the memory goes back once
/// the consumer has released `schema`, `array` and any child it moved out.
pub fn moveOut(descriptor: *Descriptor, schema: *ArrowSchema, array: *ArrowArray) error{NotABatch}!void {
    if (!isBatch(descriptor)) return error.NotABatch;
    // Taken out of the table: no descriptor, copied or not, names it again.
    const object = handles.global.take(@intFromPtr(descriptor.private), .batch) orelse return error.NotABatch;
    const block: *ArrowBlock = @ptrCast(@alignCast(object));
    block.refs = 2 * block.nodes;
    schema.* = block.schema;
    array.* = block.array;
    block.schema.release = null;
    block.array.release = null;
    _ = handover.claim(descriptor);
}

/// The start of a batch's own allocation, which the host never sees: the
/// root structs, then the state its releases need.
pub const ArrowBlock = struct {
    schema: ArrowSchema,
    array: ArrowArray,
    /// Once moved out: one per schema and array struct not yet released (atomic).
    refs: usize = 0,
    /// Arrays in the batch (the root included), as many as schemas.
    nodes: usize,
    /// This allocation.
    meta: []align(64) u8,
    /// The allocation handed over: the directory and the buffers.
    data: []align(64) u8,
    allocator: *const Allocator,
    handle: handles.Handle = 0,

    fn free(block: *ArrowBlock) void {
        const meta = block.meta;
        const allocator = block.allocator;
        allocator.free(block.data);
        allocator.free(meta);
    }

    fn unref(block: *ArrowBlock) void {
        if (@atomicRmw(usize, &block.refs, .Sub, 1, .acq_rel) != 1) return;
        // Bookkeeping of the handover this memory came from, which moveOut left counted as live.
        if (checked.enabled) checked.live_handovers.remove(block.data.ptr);
        counters.released(block.data.len);
        block.free();
    }
};

fn destroy(object: *anyopaque) void {
    const block: *ArrowBlock = @ptrCast(@alignCast(object));
    block.free();
}

// Frees what the handle names, and only when the descriptor's memory is that
// batch's: a descriptor the host forged or kept frees nothing.
pub fn releaseDescriptor(descriptor: *Descriptor) callconv(.c) void {
    const pinned = pin(descriptor) orelse return;
    _ = handles.global.retire(pinned.block.handle, .batch, destroy);
    pinned.unpin(); // the last unpin destroys
}

pub fn releaseSchema(schema: *ArrowSchema) callconv(.c) void {
    if (schema.children) |children| {
        for (children[0..@intCast(schema.n_children)]) |child| if (child.release) |release| release(child);
    }
    if (schema.dictionary) |values| if (values.release) |release| release(values);
    schema.release = null;
    const block: *ArrowBlock = @ptrCast(@alignCast(schema.private_data.?));
    block.unref();
}

pub fn releaseArray(array: *ArrowArray) callconv(.c) void {
    if (array.children) |children| {
        for (children[0..@intCast(array.n_children)]) |child| if (child.release) |release| release(child);
    }
    if (array.dictionary) |values| if (values.release) |release| release(values);
    array.release = null;
    const block: *ArrowBlock = @ptrCast(@alignCast(array.private_data.?));
    block.unref();
}
