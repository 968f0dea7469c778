//! The layout of a batch in one allocation, shared by `handOverBatch` (the
//! author's slices, copied in) and `BatchBuilder` (declared columns, filled
//! in place): the `ArrowBlock` first, then per column its buffer list, child
//! pointers, child structs, format and name strings, validity bitmap and value
//! buffers (64-byte aligned), then its children. A column is described to the
//! layout as a `Shape`, whichever way it was declared.

const std = @import("std");
const Allocator = std.mem.Allocator;
const c = @import("c_data.zig");
const batch = @import("batch.zig");
const ArrowArray = c.ArrowArray;
const ArrowSchema = c.ArrowSchema;
const ArrowBlock = batch.ArrowBlock;

pub const Error = error{ OutOfMemory, LengthMismatch, InvalidColumn };

/// What the layout needs to know of one column.
pub const Shape = struct {
    name: []const u8,
    format_text: [96]u8 = undefined,
    format_len: usize = 0,
    nullable: bool,
    /// Rows in the buffers, `offset` included.
    physical: usize,
    offset: usize = 0,
    validity: bool,
    data: Data,
    n_children: usize = 0,
    /// Rows each child must have (a fixed-size list's items: `size` per row).
    child_rows: usize = 0,

    pub const Data = union(enum) {
        /// No buffer besides validity (struct, fixed-size list).
        none,
        /// Bit-packed booleans.
        bits,
        /// Elements of this many bytes.
        bytes: usize,
        /// i32 offsets and this many bytes of characters.
        utf8: usize,
    };

    pub fn setFormat(shape: *Shape, comptime fmt: []const u8, args: anytype) Error!void {
        const text = std.fmt.bufPrint(&shape.format_text, fmt, args) catch return error.InvalidColumn;
        shape.format_len = text.len;
    }

    pub fn format(shape: *const Shape) []const u8 {
        return shape.format_text[0..shape.format_len];
    }
};

/// Lays out `root` (a struct column whose children are the batch's columns) in
/// one 64-byte aligned allocation and writes its structs. Value buffers are
/// left for the caller to fill; validity bitmaps start all valid, bit-packed
/// values all false, utf8 offsets all zero. `Source` has
/// `fn shape(*const Source, expected_rows: ?usize, *Shape) Error!void` and
/// `fn child(*const Source, usize) *const Source`.
pub fn allocate(comptime Source: type, allocator: *const Allocator, root: *const Source, rows: ?usize) Error!Laid {
    var measure: Writer = .{ .memory = &.{} };
    _ = measure.reserve(@sizeOf(ArrowBlock), 64);
    var scratch: ArrowBlock = undefined;
    var nodes: usize = 0;
    try emit(Source, &measure, root, rows, &scratch.schema, &scratch.array, &nodes);
    if (measure.used > std.math.maxInt(usize) - 64) return error.OutOfMemory;
    const memory = allocator.alignedAlloc(u8, .@"64", measure.used) catch return error.OutOfMemory;
    var writer: Writer = .{ .memory = memory };
    const block: *ArrowBlock = @ptrCast(memory.ptr);
    @memset(memory[0..@sizeOf(ArrowBlock)], 0);
    _ = writer.reserve(@sizeOf(ArrowBlock), 64);
    nodes = 0;
    emit(Source, &writer, root, rows, &block.schema, &block.array, &nodes) catch unreachable; // measured above
    std.debug.assert(writer.used == memory.len);
    return .{ .memory = memory, .nodes = nodes };
}

pub const Laid = struct { memory: []align(64) u8, nodes: usize };

/// Makes the block's bookkeeping true of what the caller filled in: every
/// null count, utf8 offsets never decreasing (rows never written are empty
/// strings), and the header the release reads.
pub fn seal(memory: []align(64) u8, nodes: usize, allocator: *const Allocator) void {
    const block: *ArrowBlock = @ptrCast(memory.ptr);
    sealArray(&block.schema, &block.array);
    block.magic = ArrowBlock.magic_value;
    block.refs = 2 * nodes;
    block.bytes = memory.len;
    block.allocator = allocator;
}

fn sealArray(schema: *const ArrowSchema, array: *ArrowArray) void {
    const rows: usize = @intCast(array.length);
    const start: usize = @intCast(array.offset);
    if (array.buffers.?[0]) |bitmap| {
        array.null_count = @intCast(rows - countSet(@ptrCast(bitmap), start, start + rows));
    } else array.null_count = 0;
    const format = schema.formatString();
    if (format.len == 1 and format[0] == 'u') {
        const offsets: [*]i32 = @ptrCast(@alignCast(@constCast(array.buffers.?[1].?)));
        var last: i32 = 0;
        for (offsets[0 .. start + rows + 1]) |*o| {
            if (o.* < last) o.* = last;
            last = o.*;
        }
    }
    for (0..@intCast(array.n_children)) |i| sealArray(schema.child(i), array.child(i));
}

fn bitmapBytes(bits: usize) usize {
    return bits / 8 + @intFromBool(bits % 8 != 0);
}

/// Bits set in `bits[start..end]`.
fn countSet(bits: [*]const u8, start: usize, end: usize) usize {
    var set: usize = 0;
    var i = start;
    while (i < end and i % 8 != 0) : (i += 1) set += (bits[i / 8] >> @intCast(i % 8)) & 1;
    while (i + 64 <= end) : (i += 64) set += @popCount(std.mem.readInt(u64, bits[i / 8 ..][0..8], .little));
    while (i < end) : (i += 1) set += (bits[i / 8] >> @intCast(i % 8)) & 1;
    return set;
}

/// Measuring (no memory, writes go to scratch) and then writing run the same
/// code, so the size measured is the size written. Gaps left by alignment
/// are zeroed, so that no byte of the allocation the host views is stale.
const Writer = struct {
    memory: []align(64) u8,
    used: usize = 0,

    fn measuring(w: *const Writer) bool {
        return w.memory.len == 0;
    }

    fn reserve(w: *Writer, size: usize, alignment: usize) usize {
        // A size past the address space saturates, and fails as out of memory.
        if (w.used > std.math.maxInt(usize) - 64) return 0;
        const at = std.mem.alignForward(usize, w.used, alignment);
        if (!w.measuring()) @memset(w.memory[w.used..at], 0);
        w.used = at +| size;
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

    fn string(w: *Writer, text: []const u8) ?[*:0]const u8 {
        const target = w.bytes(text.len + 1, 1);
        if (w.measuring()) return null;
        @memcpy(target[0..text.len], text);
        target[text.len] = 0;
        return @ptrCast(target.ptr);
    }

    /// A 64-byte aligned buffer (never null, even when empty), set to `fill`
    /// when not null.
    fn buffer(w: *Writer, len: usize, fill: ?u8) ?*const anyopaque {
        const target = w.bytes(len, 64);
        if (w.measuring()) return null;
        if (fill) |byte| @memset(target, byte);
        return target.ptr;
    }
};

fn emit(
    comptime Source: type,
    w: *Writer,
    source: *const Source,
    expected_rows: ?usize,
    schema: *ArrowSchema,
    array: *ArrowArray,
    nodes: *usize,
) Error!void {
    nodes.* += 1;
    var shape: Shape = undefined;
    try source.shape(expected_rows, &shape);
    if (shape.offset > shape.physical) return error.InvalidColumn;
    const n = shape.n_children;
    const n_buffers: usize = switch (shape.data) {
        .none => 1,
        .utf8 => 3,
        else => 2,
    };
    const buffers = w.items(?*const anyopaque, n_buffers);
    const child_schemas = w.items(*ArrowSchema, n);
    const child_arrays = w.items(*ArrowArray, n);
    const schema_nodes = w.items(ArrowSchema, n);
    const array_nodes = w.items(ArrowArray, n);
    schema.* = .{
        .format = w.string(shape.format()),
        .name = w.string(shape.name),
        .metadata = null,
        .flags = if (shape.nullable) c.flag_nullable else 0,
        .n_children = @intCast(n),
        .children = if (n == 0) null else child_schemas.ptr,
        .dictionary = null,
        .release = batch.releaseSchema,
        .private_data = w.memory.ptr,
    };
    const validity = if (shape.validity) w.buffer(bitmapBytes(shape.physical), 0xff) else null;
    if (!w.measuring()) buffers[0] = validity;
    switch (shape.data) {
        .none => {},
        .bits => {
            const bits = w.buffer(bitmapBytes(shape.physical), 0);
            if (!w.measuring()) buffers[1] = bits;
        },
        .bytes => |width| {
            const len = std.math.mul(usize, shape.physical, width) catch return error.OutOfMemory;
            const values = w.buffer(len, null);
            if (!w.measuring()) buffers[1] = values;
        },
        .utf8 => |capacity| {
            if (capacity > std.math.maxInt(i32)) return error.InvalidColumn;
            const offsets = w.buffer(std.math.mul(usize, shape.physical +| 1, @sizeOf(i32)) catch return error.OutOfMemory, 0);
            const characters = w.buffer(capacity, null);
            if (!w.measuring()) {
                buffers[1] = offsets;
                buffers[2] = characters;
            }
        },
    }
    array.* = .{
        .length = @intCast(shape.physical - shape.offset),
        // Nulls are counted by `seal`; until then a utf8 column's null count
        // holds its character capacity, which the builder's writer needs.
        .null_count = if (shape.data == .utf8) @intCast(shape.data.utf8) else 0,
        .offset = @intCast(shape.offset),
        .n_buffers = @intCast(n_buffers),
        .n_children = @intCast(n),
        .buffers = if (w.measuring()) null else buffers.ptr,
        .children = if (n == 0) null else child_arrays.ptr,
        .dictionary = null,
        .release = batch.releaseArray,
        .private_data = w.memory.ptr,
    };
    for (0..n) |i| {
        if (w.measuring()) {
            var child_schema: ArrowSchema = undefined;
            var child_array: ArrowArray = undefined;
            try emit(Source, w, source.child(i), shape.child_rows, &child_schema, &child_array, nodes);
        } else {
            child_schemas[i] = &schema_nodes[i];
            child_arrays[i] = &array_nodes[i];
            try emit(Source, w, source.child(i), shape.child_rows, &schema_nodes[i], &array_nodes[i], nodes);
        }
    }
}

/// The C Data format of a column whose format is one letter or `+s`, by its tag, which
/// `batch.Values` and `builder.Type` name alike; null for a timestamp or fixed-size list,
/// whose formats carry their unit, zone or size.
pub fn simpleFormat(tag: anytype) ?[]const u8 {
    return switch (tag) {
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
        .@"struct" => "+s",
        .timestamp, .fixed_size_list => null,
    };
}
