//! The layout of a batch in two allocations, shared by `handOverBatch` (the
//! author's slices, copied in) and `BatchBuilder` (declared columns, filled
//! in place). The first is Zig's alone: the `ArrowBlock`, then per column its
//! C Data structs, buffer list, child pointers, format and name strings. The
//! second is what the host maps: the directory (`directory.zig`) and the
//! value buffers (64-byte aligned). Nothing Zig follows is in the second, so
//! what the host writes there can change values, never where Zig reads or
//! writes. A column is described to the layout as a `Shape`, whichever way it
//! was declared.

const std = @import("std");
const Allocator = std.mem.Allocator;
const c = @import("c_data.zig");
const batch = @import("batch.zig");
const directory = @import("directory.zig");
const ArrowArray = c.ArrowArray;
const ArrowSchema = c.ArrowSchema;
const ArrowBlock = batch.ArrowBlock;
const BatchHeader = directory.BatchHeader;
const BatchNode = directory.BatchNode;

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
    /// Rows each child must have (a fixed-size list's items: `size` per row);
    /// null for a list's items, which its offsets index.
    child_rows: ?usize = null,
    /// Whether the column is dictionary-encoded: its values are the source's
    /// `dictionary()`, laid out after its children.
    dictionary: bool = false,
    /// Rows the dictionary must have (a declared one's size); null for any.
    dictionary_rows: ?usize = null,

    pub const Data = union(enum) {
        /// No buffer besides validity (struct, fixed-size list).
        none,
        /// Bit-packed booleans.
        bits,
        /// Elements of this many bytes.
        bytes: usize,
        /// `physical + 1` offsets of `width` bytes, then this many bytes of
        /// characters (strings, bytes), or none (a list: they index its child).
        offsets: struct { width: u8, characters: ?usize },
    };

    pub fn setFormat(shape: *Shape, comptime fmt: []const u8, args: anytype) Error!void {
        const text = std.fmt.bufPrint(&shape.format_text, fmt, args) catch return error.InvalidColumn;
        shape.format_len = text.len;
    }

    pub fn format(shape: *const Shape) []const u8 {
        return shape.format_text[0..shape.format_len];
    }
};

/// Lays out `root` (a struct column whose children are the batch's columns)
/// in its two allocations and writes its structs and directory. Value buffers
/// are left for the caller to fill; validity bitmaps start all valid,
/// bit-packed values all false, utf8 offsets all zero. `Source` has
/// `fn shape(*const Source, expected_rows: ?usize, *Shape) Error!void`,
/// `fn child(*const Source, usize) *const Source` and
/// `fn dictionary(*const Source) *const Source`. The block is not
/// registered yet (`batch.register`).
pub fn allocate(comptime Source: type, allocator: *const Allocator, root: *const Source, rows: ?usize) Error!*ArrowBlock {
    var measure: Emit = .{ .meta = .{ .memory = &.{} }, .data = .{ .memory = &.{} } };
    _ = measure.meta.reserve(@sizeOf(ArrowBlock), 64);
    _ = measure.data.reserve(@sizeOf(BatchHeader), 64);
    var scratch: ArrowBlock = undefined;
    try emit(Source, &measure, root, rows, &scratch.schema, &scratch.array);
    const node_bytes = std.math.mul(usize, measure.nodes, @sizeOf(BatchNode)) catch return error.OutOfMemory;
    const nodes_at = measure.data.reserve(node_bytes, @alignOf(BatchNode));
    if (measure.meta.used > std.math.maxInt(usize) - 64 or measure.data.used > std.math.maxInt(usize) - 64)
        return error.OutOfMemory;
    const meta = allocator.alignedAlloc(u8, .@"64", measure.meta.used) catch return error.OutOfMemory;
    errdefer allocator.free(meta);
    const data = allocator.alignedAlloc(u8, .@"64", measure.data.used) catch return error.OutOfMemory;
    const block: *ArrowBlock = @ptrCast(meta.ptr);
    block.* = .{
        .schema = undefined,
        .array = undefined,
        .nodes = measure.nodes,
        .meta = meta,
        .data = data,
        .allocator = allocator,
    };
    const header: *BatchHeader = @ptrCast(data.ptr);
    header.* = .{ .node_count = measure.nodes, .nodes_at = nodes_at };
    var write: Emit = .{ .meta = .{ .memory = meta }, .data = .{ .memory = data } };
    _ = write.meta.reserve(@sizeOf(ArrowBlock), 64);
    _ = write.data.reserve(@sizeOf(BatchHeader), 64);
    emit(Source, &write, root, rows, &block.schema, &block.array) catch unreachable; // measured above
    _ = write.data.reserve(node_bytes, @alignOf(BatchNode));
    std.debug.assert(write.meta.used == meta.len and write.data.used == data.len and write.nodes == measure.nodes);
    return block;
}

/// Makes the block's bookkeeping true of what the caller filled in: every
/// null count (in the structs and the directory), utf8 offsets never
/// decreasing (rows never written are empty strings).
pub fn seal(block: *ArrowBlock) void {
    var index: usize = 0;
    sealArray(block, &block.schema, &block.array, &index);
}

fn sealArray(block: *ArrowBlock, schema: *const ArrowSchema, array: *ArrowArray, index: *usize) void {
    const rows: usize = @intCast(array.length);
    const start: usize = @intCast(array.offset);
    if (array.dictionary) |values| indicesWithin(schema, array, @intCast(values.length));
    if (array.buffers.?[0]) |bitmap| {
        array.null_count = @intCast(rows - countSet(@ptrCast(bitmap), start, start + rows));
    } else array.null_count = 0;
    directory.node(block.data, index.*).null_count = @intCast(array.null_count);
    index.* += 1;
    const format = schema.formatString();
    if (format.len == 1 and (format[0] == 'u' or format[0] == 'z')) monotone(i32, array, start + rows + 1);
    if (format.len == 1 and (format[0] == 'U' or format[0] == 'Z')) monotone(i64, array, start + rows + 1);
    if (std.mem.eql(u8, format, "+l")) within(i32, array, start + rows + 1);
    if (std.mem.eql(u8, format, "+L")) within(i64, array, start + rows + 1);
    for (0..@intCast(array.n_children)) |i| sealArray(block, schema.child(i), array.child(i), index);
    if (array.dictionary) |values| sealArray(block, schema.dictionary.?, values, index);
}

/// Offsets of rows a builder never wrote become empty strings: none below the one before.
fn monotone(comptime Offset: type, array: *ArrowArray, count: usize) void {
    const offsets: [*]Offset = @ptrCast(@alignCast(@constCast(array.buffers.?[1].?)));
    var last: Offset = 0;
    for (offsets[0..count]) |*o| {
        if (o.* < last) o.* = last;
        last = o.*;
    }
}

/// A list's offsets never decreasing and never past its items.
fn within(comptime Offset: type, array: *ArrowArray, count: usize) void {
    monotone(Offset, array, count);
    const items: Offset = @intCast(@min(array.child(0).length, std.math.maxInt(Offset)));
    const offsets: [*]Offset = @ptrCast(@alignCast(@constCast(array.buffers.?[1].?)));
    for (offsets[0..count]) |*o| o.* = @min(o.*, items);
}

/// A valid row whose index is outside the dictionary made null (index 0
/// where the column has no validity bitmap, with `size` > 0; null or not,
/// then, every index is within).
fn indicesWithin(schema: *const ArrowSchema, array: *ArrowArray, size: usize) void {
    const rows: usize = @intCast(array.offset + array.length);
    const bitmap: ?[*]u8 = if (array.buffers.?[0]) |b| @ptrCast(@constCast(b)) else null;
    const data: [*]u8 = @ptrCast(@constCast(array.buffers.?[1].?));
    switch (schema.formatString()[0]) {
        inline 'c', 's', 'i', 'l' => |letter| {
            const T = switch (letter) {
                'c' => i8,
                's' => i16,
                'i' => i32,
                else => i64,
            };
            const indices: [*]align(1) T = @ptrCast(data);
            for (0..rows) |i| {
                if (indices[i] >= 0 and indices[i] < size) continue;
                if (bitmap) |b| b[i / 8] &= ~(@as(u8, 1) << @intCast(i % 8)) else indices[i] = 0;
            }
        },
        else => {},
    }
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
/// are zeroed, so that no byte of the memory the host views is stale.
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

/// Both writers of one pass, and the preorder index of the next node.
const Emit = struct {
    meta: Writer,
    data: Writer,
    nodes: usize = 0,
};

/// A buffer in the host's memory: its address for the C Data structs, its
/// offset and length for the directory.
const Placed = struct { ptr: ?*const anyopaque = null, at: u64 = 0, len: u64 = 0 };

fn place(e: *Emit, len: usize, fill: ?u8) Placed {
    const ptr = e.data.buffer(len, fill);
    if (e.data.measuring()) return .{};
    return .{ .ptr = ptr, .at = directory.offsetIn(e.data.memory, ptr), .len = len };
}

fn emit(
    comptime Source: type,
    e: *Emit,
    source: *const Source,
    expected_rows: ?usize,
    schema: *ArrowSchema,
    array: *ArrowArray,
) Error!void {
    const index = e.nodes;
    e.nodes += 1;
    var shape: Shape = undefined;
    try source.shape(expected_rows, &shape);
    if (shape.offset > shape.physical) return error.InvalidColumn;
    if (shape.name.len > std.math.maxInt(u32) or shape.n_children > std.math.maxInt(u32)) return error.InvalidColumn;
    const n = shape.n_children;
    const n_buffers: usize = switch (shape.data) {
        .none => 1,
        .offsets => |o| if (o.characters == null) 2 else 3,
        else => 2,
    };
    const w = &e.meta;
    const buffers = w.items(?*const anyopaque, n_buffers);
    const child_schemas = w.items(*ArrowSchema, n);
    const child_arrays = w.items(*ArrowArray, n);
    const schema_nodes = w.items(ArrowSchema, n);
    const array_nodes = w.items(ArrowArray, n);
    const dictionary_schema = w.items(ArrowSchema, @intFromBool(shape.dictionary));
    const dictionary_array = w.items(ArrowArray, @intFromBool(shape.dictionary));
    const flags = if (shape.nullable) c.flag_nullable else 0;
    schema.* = .{
        .format = w.string(shape.format()),
        .name = w.string(shape.name),
        .metadata = null,
        .flags = flags,
        .n_children = @intCast(n),
        .children = if (n == 0) null else child_schemas.ptr,
        .dictionary = if (shape.dictionary and !w.measuring()) &dictionary_schema[0] else null,
        .release = batch.releaseSchema,
        .private_data = w.memory.ptr,
    };
    // The host's copies of the strings, beside its buffers.
    const format_at = directory.offsetIn(e.data.memory, e.data.string(shape.format()));
    const name_at = directory.offsetIn(e.data.memory, e.data.string(shape.name));
    var placed: [3]Placed = .{ .{}, .{}, .{} };
    if (shape.validity) placed[0] = place(e, bitmapBytes(shape.physical), 0xff);
    switch (shape.data) {
        .none => {},
        .bits => placed[1] = place(e, bitmapBytes(shape.physical), 0),
        .bytes => |width| {
            const len = std.math.mul(usize, shape.physical, width) catch return error.OutOfMemory;
            placed[1] = place(e, len, null);
        },
        .offsets => |o| {
            if (o.width == 4 and (o.characters orelse 0) > std.math.maxInt(i32)) return error.InvalidColumn;
            placed[1] = place(e, std.math.mul(usize, shape.physical +| 1, o.width) catch return error.OutOfMemory, 0);
            if (o.characters) |capacity| placed[2] = place(e, capacity, null);
        },
    }
    if (!w.measuring()) for (buffers, placed[0..n_buffers]) |*b, p| {
        b.* = p.ptr;
    };
    array.* = .{
        .length = @intCast(shape.physical - shape.offset),
        // Nulls are counted by `seal`; until then a string column's null count
        // holds its character capacity, which the builder's writer needs.
        .null_count = if (shape.data == .offsets) @intCast(shape.data.offsets.characters orelse 0) else 0,
        .offset = @intCast(shape.offset),
        .n_buffers = @intCast(n_buffers),
        .n_children = @intCast(n),
        .buffers = if (w.measuring()) null else buffers.ptr,
        .children = if (n == 0) null else child_arrays.ptr,
        .dictionary = if (shape.dictionary and !w.measuring()) &dictionary_array[0] else null,
        .release = batch.releaseArray,
        .private_data = w.memory.ptr,
    };
    if (!e.data.measuring()) directory.node(e.data.memory, index).* = .{
        .length = shape.physical - shape.offset,
        .offset = shape.offset,
        .null_count = 0,
        .buffer_at = .{ placed[0].at, placed[1].at, placed[2].at },
        .buffer_len = .{ placed[0].len, placed[1].len, placed[2].len },
        .format_at = format_at,
        .name_at = name_at,
        .format_len = @intCast(shape.format_len),
        .name_len = @intCast(shape.name.len),
        .n_children = @intCast(n),
        .n_buffers = @intCast(n_buffers),
        .flags = @intCast(flags),
        .dictionary = @intFromBool(shape.dictionary),
    };
    for (0..n) |i| {
        if (w.measuring()) {
            var child_schema: ArrowSchema = undefined;
            var child_array: ArrowArray = undefined;
            try emit(Source, e, source.child(i), shape.child_rows, &child_schema, &child_array);
        } else {
            child_schemas[i] = &schema_nodes[i];
            child_arrays[i] = &array_nodes[i];
            try emit(Source, e, source.child(i), shape.child_rows, &schema_nodes[i], &array_nodes[i]);
        }
    }
    if (shape.dictionary) {
        if (w.measuring()) {
            var values_schema: ArrowSchema = undefined;
            var values_array: ArrowArray = undefined;
            try emit(Source, e, source.dictionary(), shape.dictionary_rows, &values_schema, &values_array);
        } else try emit(Source, e, source.dictionary(), shape.dictionary_rows, &dictionary_schema[0], &dictionary_array[0]);
    }
}

/// The C Data format of a column whose format is one letter or `+s`, by its tag, which
/// `batch.Values` and `builder.Type` name alike; null for the others, whose formats carry
/// a unit, a zone, a size or a precision.
pub fn simpleFormat(tag: anytype) ?[]const u8 {
    const formats = .{
        .{ "i8", "c" },         .{ "u8", "C" },     .{ "i16", "s" },          .{ "u16", "S" },
        .{ "i32", "i" },        .{ "u32", "I" },    .{ "i64", "l" },          .{ "u64", "L" },
        .{ "f32", "f" },        .{ "f64", "g" },    .{ "bool", "b" },         .{ "utf8", "u" },
        .{ "large_utf8", "U" }, .{ "binary", "z" }, .{ "large_binary", "Z" }, .{ "struct", "+s" },
    };
    inline for (formats) |pair| {
        if (@hasField(@TypeOf(tag), pair[0]) and tag == @field(@TypeOf(tag), pair[0])) return pair[1];
    }
    return null;
}
