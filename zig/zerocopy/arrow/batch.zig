//! A record batch in one allocation: the root `ArrowSchema` and `ArrowArray`
//! at its start (`ArrowBlock`), every child struct, format string and buffer after
//! them, buffers 64-byte aligned. The allocation is handed over as one
//! ordinary `u8` descriptor, so the host views every Arrow buffer as a slice
//! of one `ArrayBuffer` and gives it all back with one `zc_release`; or it is
//! moved into a C Data consumer's structs (`moveOut`), whose release
//! callbacks free it once every struct of it is released.

const std = @import("std");
const Allocator = std.mem.Allocator;
const abi = @import("../abi.zig");
const checked = @import("../checked.zig");
const counters = @import("../stats.zig");
const handover = @import("../handover.zig");
const c = @import("c_data.zig");
const layout = @import("layout.zig");
const ArrowArray = c.ArrowArray;
const ArrowSchema = c.ArrowSchema;
const Descriptor = abi.Descriptor;

/// The unit of a timestamp column, as the format string spells it.
pub const TimeUnit = enum {
    second,
    millisecond,
    microsecond,
    nanosecond,

    pub fn letter(unit: TimeUnit) u8 {
        return "smun"[@backingInt(unit)];
    }
};

/// A column's values, as slices the author already has. They are copied into
/// the batch's allocation, so the author keeps (and frees) its own slices.
pub const Values = union(enum) {
    i8: []const i8,
    i16: []const i16,
    i32: []const i32,
    i64: []const i64,
    u8: []const u8,
    u16: []const u16,
    u32: []const u32,
    u64: []const u64,
    f32: []const f32,
    f64: []const f64,
    /// Bit-packed in the batch.
    bool: []const bool,
    /// UTF-8 strings, stored as i32 offsets and one byte buffer.
    utf8: []const []const u8,
    /// Counts of `unit` since the Unix epoch; `tz` is an IANA name or an
    /// offset ("UTC", "+02:00"), or null for a naive timestamp.
    timestamp: struct { unit: TimeUnit, tz: ?[]const u8 = null, values: []const i64 },
    /// `size` items per row (an embedding), the items being a primitive column
    /// of `size` times as many rows.
    fixed_size_list: struct { size: u32, items: *const Column },
    /// Named child columns of equal length.
    @"struct": []const Column,
};

/// One column of a batch.
pub const Column = struct {
    name: []const u8 = "",
    values: Values,
    /// One entry per value (before `offset`): false marks a null.
    validity: ?[]const bool = null,
    /// Rows at the start of `values` that are in the buffers but not in the
    /// column (Arrow's `offset`: a slice without a copy).
    offset: usize = 0,
    nullable: bool = true,

    /// Rows in the buffers, `offset` included.
    pub fn physicalLength(column: Column) usize {
        return switch (column.values) {
            .utf8 => |strings| strings.len,
            .timestamp => |t| t.values.len,
            .fixed_size_list => |list| if (list.size == 0) 0 else list.items.length() / list.size,
            .@"struct" => |children| if (children.len == 0) 0 else children[0].length(),
            inline else => |slice| slice.len,
        };
    }

    /// Rows in the column.
    pub fn length(column: Column) usize {
        return column.physicalLength() -| column.offset;
    }

    /// The column as the layout sees it; `expected_rows` is what its parent
    /// needs (null for the root).
    pub fn shape(column: *const Column, expected_rows: ?usize, out: *layout.Shape) Error!void {
        const physical = column.physicalLength();
        if (column.offset > physical) return error.InvalidColumn;
        if (expected_rows) |rows| if (physical - column.offset != rows) return error.LengthMismatch;
        if (column.validity) |valid| if (valid.len != physical) return error.LengthMismatch;
        out.* = .{
            .name = column.name,
            .nullable = column.nullable,
            .physical = physical,
            .offset = column.offset,
            .validity = column.validity != null,
            .data = .none,
        };
        try out.setFormat("{s}", .{layout.simpleFormat(std.meta.activeTag(column.values)) orelse ""});
        switch (column.values) {
            .bool => out.data = .bits,
            .utf8 => |strings| {
                var total: usize = 0;
                for (strings) |text| total += text.len;
                out.data = .{ .utf8 = total };
            },
            .timestamp => |t| {
                try out.setFormat("ts{c}:{s}", .{ t.unit.letter(), t.tz orelse "" });
                out.data = .{ .bytes = @sizeOf(i64) };
            },
            .fixed_size_list => |list| {
                if (list.size == 0 or list.items.length() % list.size != 0) return error.LengthMismatch;
                try out.setFormat("+w:{d}", .{list.size});
                out.n_children = 1;
                out.child_rows = physical * list.size;
            },
            .@"struct" => |children| {
                out.n_children = children.len;
                out.child_rows = physical;
            },
            inline else => |values| out.data = .{ .bytes = @sizeOf(@typeInfo(@TypeOf(values)).pointer.child) },
        }
    }

    pub fn child(column: *const Column, i: usize) *const Column {
        return switch (column.values) {
            .fixed_size_list => |list| list.items,
            .@"struct" => |children| &children[i],
            else => unreachable,
        };
    }
};

pub const Error = layout.Error;

/// Builds a batch of `columns` in one allocation of `allocator` and hands it
/// over through `out`: the layout `BatchBuilder` makes, with the slices
/// copied into it. Every column must have the same length.
pub fn handOverBatch(allocator: *const Allocator, columns: []const Column, out: *Descriptor) Error!void {
    out.* = .released;
    const root: Column = .{ .values = .{ .@"struct" = columns }, .nullable = false };
    const laid = try layout.allocate(Column, allocator, &root, null);
    const block: *ArrowBlock = @ptrCast(laid.memory.ptr);
    copyColumn(&root, &block.array);
    layout.seal(laid.memory, laid.nodes, allocator);
    handover.handOver(u8, laid.memory.ptr, laid.memory.len, laid.memory.len, releaseDescriptor, @constCast(allocator), out);
}

/// The batch a descriptor's memory holds, or null when it holds none: its
/// start must be a live `ArrowBlock`. Under the Node-API mapping the host's copy
/// of a descriptor has no `release` (the memory releases itself), so the memory
/// is what is recognized, not the release function.
pub fn blockOf(descriptor: *const Descriptor) ?*ArrowBlock {
    const ptr = descriptor.ptr orelse return null;
    if (descriptor.element_type != .u8 or descriptor.len < @sizeOf(ArrowBlock)) return null;
    if (@intFromPtr(ptr) % 64 != 0) return null;
    const block: *ArrowBlock = @ptrCast(@alignCast(ptr));
    return if (block.magic == ArrowBlock.magic_value and block.bytes == descriptor.len) block else null;
}

/// Whether `descriptor` owns a batch built by `handOverBatch` (and can release it).
pub fn isBatch(descriptor: *const Descriptor) bool {
    return descriptor.release == releaseDescriptor and blockOf(descriptor) != null;
}

/// Moves a handed-over batch into a C Data consumer's structs: `descriptor` is
/// left released (it no longer owns anything) and the memory goes back once
/// the consumer has released `schema`, `array` and any child it moved out.
pub fn moveOut(descriptor: *Descriptor, schema: *ArrowSchema, array: *ArrowArray) error{NotABatch}!void {
    if (!isBatch(descriptor)) return error.NotABatch;
    const block = blockOf(descriptor).?;
    schema.* = block.schema;
    array.* = block.array;
    block.schema.release = null;
    block.array.release = null;
    _ = handover.claim(descriptor);
}

/// The start of a batch's allocation. Its first two fields are what a host
/// reading the batch in place starts from; the rest is the release's state.
pub const ArrowBlock = extern struct {
    schema: ArrowSchema,
    array: ArrowArray,
    magic: u64,
    /// One per schema and array struct not yet released (atomic).
    refs: usize,
    bytes: usize,
    allocator: *const Allocator,

    pub const magic_value: u64 = 0x5a43_4152_524f_5731; // "ZCARROW1"

    fn unref(block: *ArrowBlock) void {
        if (@atomicRmw(usize, &block.refs, .Sub, 1, .acq_rel) != 1) return;
        const memory: [*]align(64) u8 = @ptrCast(@alignCast(block));
        const bytes = block.bytes;
        const allocator = block.allocator;
        block.magic = 0;
        // Bookkeeping of the handover this memory came from, which moveOut left counted as live.
        if (checked.enabled) checked.live_handovers.remove(memory);
        counters.released(bytes);
        allocator.free(memory[0..bytes]);
    }
};

comptime {
    std.debug.assert(@offsetOf(ArrowBlock, "schema") == 0 and @offsetOf(ArrowBlock, "array") == @sizeOf(ArrowSchema));
}

// Frees from the descriptor's own fields, never from the block's header: the
// host can write to the memory it views, and must not be able to change what
// gets freed.
pub fn releaseDescriptor(descriptor: *Descriptor) callconv(.c) void {
    const allocator: *const Allocator = @ptrCast(@alignCast(descriptor.private orelse return));
    const memory: [*]align(64) u8 = @ptrCast(@alignCast(descriptor.ptr orelse return));
    allocator.free(memory[0..descriptor.cap]);
}

pub fn releaseSchema(schema: *ArrowSchema) callconv(.c) void {
    if (schema.children) |children| {
        for (children[0..@intCast(schema.n_children)]) |child| if (child.release) |release| release(child);
    }
    schema.release = null;
    const block: *ArrowBlock = @ptrCast(@alignCast(schema.private_data.?));
    block.unref();
}

pub fn releaseArray(array: *ArrowArray) callconv(.c) void {
    if (array.children) |children| {
        for (children[0..@intCast(array.n_children)]) |child| if (child.release) |release| release(child);
    }
    array.release = null;
    const block: *ArrowBlock = @ptrCast(@alignCast(array.private_data.?));
    block.unref();
}

fn bufferOf(array: *ArrowArray, i: usize, len: usize) []u8 {
    const ptr: [*]u8 = @ptrCast(@constCast(array.buffers.?[i].?));
    return ptr[0..len];
}

/// Copies a column's slices into the buffers the layout made for it.
fn copyColumn(column: *const Column, array: *ArrowArray) void {
    const physical = column.physicalLength();
    if (column.validity) |valid| packBits(bufferOf(array, 0, (physical + 7) / 8), valid);
    switch (column.values) {
        .bool => |values| packBits(bufferOf(array, 1, (physical + 7) / 8), values),
        .utf8 => |strings| {
            const offsets: [*]i32 = @ptrCast(@alignCast(bufferOf(array, 1, 0).ptr));
            const characters: [*]u8 = bufferOf(array, 2, 0).ptr;
            var at: usize = 0;
            for (strings, 0..) |text, i| {
                offsets[i] = @intCast(at);
                @memcpy(characters[at..][0..text.len], text);
                at += text.len;
            }
            offsets[strings.len] = @intCast(at);
        },
        .timestamp => |t| @memcpy(bufferOf(array, 1, t.values.len * 8), std.mem.sliceAsBytes(t.values)),
        .fixed_size_list => |list| copyColumn(list.items, array.child(0)),
        .@"struct" => |children| for (children, 0..) |*child, i| copyColumn(child, array.child(i)),
        inline else => |values| @memcpy(bufferOf(array, 1, values.len * @sizeOf(@TypeOf(values[0]))), std.mem.sliceAsBytes(values)),
    }
}

fn packBits(bitmap: []u8, values: []const bool) void {
    @memset(bitmap, 0);
    for (values, 0..) |v, i| {
        if (v) bitmap[i / 8] |= @as(u8, 1) << @intCast(i % 8);
    }
}
