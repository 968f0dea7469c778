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
const ArrowArray = c.ArrowArray;
const ArrowSchema = c.ArrowSchema;
const Descriptor = abi.Descriptor;

/// The unit of a timestamp column, as the format string spells it.
pub const TimeUnit = enum {
    second,
    millisecond,
    microsecond,
    nanosecond,

    fn letter(unit: TimeUnit) u8 {
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
};

pub const Error = error{ OutOfMemory, LengthMismatch, InvalidColumn };

/// Builds a batch of `columns` in one allocation of `allocator` and hands it
/// over through `out`. Every column must have the same length.
pub fn handOverBatch(allocator: *const Allocator, columns: []const Column, out: *Descriptor) Error!void {
    out.* = .released;
    const root: Column = .{ .values = .{ .@"struct" = columns }, .nullable = false };
    var measure: Writer = .{ .memory = &.{} };
    _ = measure.reserve(@sizeOf(ArrowBlock), 64);
    var scratch: ArrowBlock = undefined;
    var nodes: usize = 0;
    try emit(&measure, &root, &scratch.schema, &scratch.array, &nodes);
    const memory = allocator.alignedAlloc(u8, .@"64", measure.used) catch return error.OutOfMemory;
    @memset(memory, 0);
    var writer: Writer = .{ .memory = memory };
    const block: *ArrowBlock = @ptrCast(memory.ptr);
    _ = writer.reserve(@sizeOf(ArrowBlock), 64);
    nodes = 0;
    emit(&writer, &root, &block.schema, &block.array, &nodes) catch unreachable; // measured above
    std.debug.assert(writer.used == memory.len);
    block.magic = ArrowBlock.magic_value;
    block.refs = 2 * nodes;
    block.bytes = memory.len;
    block.allocator = allocator;
    handover.handOver(u8, memory.ptr, memory.len, memory.len, releaseDescriptor, @constCast(allocator), out);
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

    const magic_value: u64 = 0x5a43_4152_524f_5731; // "ZCARROW1"

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
fn releaseDescriptor(descriptor: *Descriptor) callconv(.c) void {
    const allocator: *const Allocator = @ptrCast(@alignCast(descriptor.private orelse return));
    const memory: [*]align(64) u8 = @ptrCast(@alignCast(descriptor.ptr orelse return));
    allocator.free(memory[0..descriptor.cap]);
}

fn releaseSchema(schema: *ArrowSchema) callconv(.c) void {
    if (schema.children) |children| {
        for (children[0..@intCast(schema.n_children)]) |child| if (child.release) |release| release(child);
    }
    schema.release = null;
    const block: *ArrowBlock = @ptrCast(@alignCast(schema.private_data.?));
    block.unref();
}

fn releaseArray(array: *ArrowArray) callconv(.c) void {
    if (array.children) |children| {
        for (children[0..@intCast(array.n_children)]) |child| if (child.release) |release| release(child);
    }
    array.release = null;
    const block: *ArrowBlock = @ptrCast(@alignCast(array.private_data.?));
    block.unref();
}

/// Lays the batch out: measuring (no memory, writes go to scratch) and then
/// writing run the same code, so the size measured is the size written.
const Writer = struct {
    memory: []align(64) u8,
    used: usize = 0,

    fn measuring(w: *const Writer) bool {
        return w.memory.len == 0;
    }

    fn reserve(w: *Writer, size: usize, alignment: usize) usize {
        w.used = std.mem.alignForward(usize, w.used, alignment);
        const at = w.used;
        w.used += size;
        return at;
    }

    fn bytes(w: *Writer, len: usize, alignment: usize) []u8 {
        const at = w.reserve(len, alignment);
        return if (w.measuring()) &.{} else w.memory[at..][0..len];
    }

    fn items(w: *Writer, comptime T: type, len: usize) []T {
        const at = w.reserve(len * @sizeOf(T), @alignOf(T));
        if (w.measuring()) return &.{};
        const typed: [*]T = @ptrCast(@alignCast(w.memory.ptr + at));
        return typed[0..len];
    }

    /// A null-terminated copy of `parts` joined.
    fn string(w: *Writer, parts: []const []const u8) ?[*:0]const u8 {
        var len: usize = 0;
        for (parts) |part| len += part.len;
        const target = w.bytes(len + 1, 1);
        if (w.measuring()) return null;
        var at: usize = 0;
        for (parts) |part| {
            @memcpy(target[at..][0..part.len], part);
            at += part.len;
        }
        target[len] = 0;
        return @ptrCast(target.ptr);
    }

    /// A 64-byte aligned buffer of `len` bytes (never null, even when empty).
    fn buffer(w: *Writer, len: usize) []u8 {
        return w.bytes(len, 64);
    }
};

/// The format string of `values`, written into `text` when it is not a constant.
fn formatOf(values: Values, text: []u8) Error![]const u8 {
    return switch (values) {
        .i8 => "c",
        .u8 => "C",
        .i16 => "s",
        .u16 => "S",
        .i32 => "i",
        .u32 => "I",
        .i64 => "l",
        .u64 => "L",
        .f32 => "f",
        .f64 => "g",
        .bool => "b",
        .utf8 => "u",
        .timestamp => |t| std.fmt.bufPrint(text, "ts{c}:{s}", .{ t.unit.letter(), t.tz orelse "" }) catch error.InvalidColumn,
        .fixed_size_list => |list| std.fmt.bufPrint(text, "+w:{d}", .{list.size}) catch unreachable,
        .@"struct" => "+s",
    };
}

fn emit(w: *Writer, column: *const Column, schema: *ArrowSchema, array: *ArrowArray, nodes: *usize) Error!void {
    nodes.* += 1;
    const physical = column.physicalLength();
    if (column.offset > physical) return error.InvalidColumn;
    const len = physical - column.offset;
    var format_text: [96]u8 = undefined;
    const children: []const Column = switch (column.values) {
        .fixed_size_list => |list| blk: {
            if (list.size == 0 or list.items.length() % list.size != 0) return error.LengthMismatch;
            break :blk list.items[0..1];
        },
        .@"struct" => |columns| columns,
        else => &.{},
    };
    if (column.values == .@"struct") {
        for (column.values.@"struct") |child| if (child.length() != physical) return error.LengthMismatch;
    }
    const n_buffers: usize = switch (column.values) {
        .fixed_size_list, .@"struct" => 1,
        .utf8 => 3,
        else => 2,
    };
    const buffers = w.items(?*const anyopaque, n_buffers);
    const child_schemas = w.items(*ArrowSchema, children.len);
    const child_arrays = w.items(*ArrowArray, children.len);
    const schema_nodes = w.items(ArrowSchema, children.len);
    const array_nodes = w.items(ArrowArray, children.len);
    schema.* = .{
        .format = w.string(&.{try formatOf(column.values, &format_text)}),
        .name = w.string(&.{column.name}),
        .metadata = null,
        .flags = if (column.nullable) c.flag_nullable else 0,
        .n_children = @intCast(children.len),
        .children = if (children.len == 0) null else child_schemas.ptr,
        .dictionary = null,
        .release = releaseSchema,
        .private_data = w.memory.ptr,
    };
    var null_count: usize = 0;
    var validity: ?*const anyopaque = null;
    if (column.validity) |valid| {
        if (valid.len != physical) return error.LengthMismatch;
        const bitmap = w.buffer((physical + 7) / 8);
        if (!w.measuring()) packBits(bitmap, valid);
        for (valid[column.offset..]) |v| null_count += @intFromBool(!v);
        validity = if (w.measuring()) null else bitmap.ptr;
    }
    if (!w.measuring()) buffers[0] = validity;
    switch (column.values) {
        .bool => |values| {
            const bits = w.buffer((values.len + 7) / 8);
            if (!w.measuring()) {
                packBits(bits, values);
                buffers[1] = bits.ptr;
            }
        },
        .utf8 => |strings| {
            const offset_bytes = w.buffer((strings.len + 1) * @sizeOf(i32));
            var total: usize = 0;
            for (strings) |s| total += s.len;
            if (total > std.math.maxInt(i32)) return error.InvalidColumn;
            const data = w.buffer(total);
            if (!w.measuring()) {
                const typed: [*]i32 = @ptrCast(@alignCast(offset_bytes.ptr));
                var at: usize = 0;
                for (strings, 0..) |s, i| {
                    typed[i] = @intCast(at);
                    @memcpy(data[at..][0..s.len], s);
                    at += s.len;
                }
                typed[strings.len] = @intCast(at);
                buffers[1] = offset_bytes.ptr;
                buffers[2] = data.ptr;
            }
        },
        .timestamp => |t| copyInto(w, i64, t.values, buffers),
        .fixed_size_list, .@"struct" => {},
        inline else => |values| copyInto(w, @typeInfo(@TypeOf(values)).pointer.child, values, buffers),
    }
    array.* = .{
        .length = @intCast(len),
        .null_count = @intCast(null_count),
        .offset = @intCast(column.offset),
        .n_buffers = @intCast(n_buffers),
        .n_children = @intCast(children.len),
        .buffers = if (w.measuring()) null else buffers.ptr,
        .children = if (children.len == 0) null else child_arrays.ptr,
        .dictionary = null,
        .release = releaseArray,
        .private_data = w.memory.ptr,
    };
    for (children, 0..) |*child, i| {
        if (w.measuring()) {
            var child_schema: ArrowSchema = undefined;
            var child_array: ArrowArray = undefined;
            try emit(w, child, &child_schema, &child_array, nodes);
        } else {
            child_schemas[i] = &schema_nodes[i];
            child_arrays[i] = &array_nodes[i];
            try emit(w, child, &schema_nodes[i], &array_nodes[i], nodes);
        }
    }
}

fn copyInto(w: *Writer, comptime T: type, values: []const T, buffers: []?*const anyopaque) void {
    const target = w.buffer(values.len * @sizeOf(T));
    if (w.measuring()) return;
    @memcpy(target, std.mem.sliceAsBytes(values));
    buffers[1] = target.ptr;
}

fn packBits(bitmap: []u8, values: []const bool) void {
    @memset(bitmap, 0);
    for (values, 0..) |v, i| {
        if (v) bitmap[i / 8] |= @as(u8, 1) << @intCast(i % 8);
    }
}
