//! Reading Arrow data another producer made (pyarrow, Deno's apache-arrow
//! through `lendBatch`) through the C Data Interface: format strings parsed,
//! the structure checked before anything is read, offsets applied the way the
//! specification says (a parent's offset shifts its children). A kernel reads;
//! it never releases what it was lent.

const std = @import("std");
const c = @import("c_data.zig");
const ArrowArray = c.ArrowArray;
const ArrowSchema = c.ArrowSchema;

pub const Error = error{
    UnsupportedFormat,
    InvalidLayout,
    /// More arrays, children or nesting than `Limits` allows: a cycle, a DAG or a lie.
    OverBudget,
};

/// The types this reader understands, from a format string (`kind.zig`).
pub const Kind = @import("kind.zig").Kind;

/// What a walk over structs someone else built may cost before it is refused.
pub const Limits = struct {
    /// Arrays visited in all, a child reached twice (a DAG) counted twice.
    max_nodes: usize = 1 << 16,
    /// Nesting below the root: a cycle of child pointers reaches it at once.
    max_depth: usize = 64,
    /// Children of one array.
    max_children: usize = 1 << 16,
    /// When known, the memory every buffer must lie in: lengths are then bounded
    /// by the bytes the buffers really have. Unknown (structs a host lends),
    /// a length is bounded by what an address space could hold.
    memory: ?[]const u8 = null,
    /// Whether maps are read: only where their entries are checked as a map's
    /// (the registered scan); every other reader refuses them as unsupported.
    maps: bool = false,
};

/// No buffer of a real process is larger: a length needing more is a lie.
const max_buffer_bytes: usize = 1 << 48;

/// Where a row of a string, bytes or list column starts and ends.
pub const Range = struct { from: usize, to: usize };

/// One array of a batch, with the offset its parents add.
pub const Column = struct {
    schema: *const ArrowSchema,
    array: *const ArrowArray,
    kind: Kind,
    /// Where row 0 is among the parent's rows (the parent's own start).
    shift: usize,
    memory: ?[]const u8 = null,
    maps: bool = false,
    /// `kind.width()`, worked out once: every fixed-width value read asks for it.
    width: ?usize = null,

    /// Checks `schema` and `array`, and every array below them, before
    /// anything is read: with the default limits (see `initWithin`).
    pub fn init(schema: *const ArrowSchema, array: *const ArrowArray, shift: usize) Error!Column {
        return initWithin(schema, array, shift, .{});
    }

    /// Checks the whole tree under `schema` and `array` against `limits`: each
    /// array against its schema and its buffers, the walk bounded in arrays
    /// and depth, so that a cycle, a DAG or a lying count ends in an error.
    pub fn initWithin(schema: *const ArrowSchema, array: *const ArrowArray, shift: usize, limits: Limits) Error!Column {
        const column = try node(schema, array, shift, limits.memory, limits.maps);
        var budget = limits.max_nodes;
        try column.walk(limits, &budget, 0);
        return column;
    }

    fn walk(column: Column, limits: Limits, budget: *usize, depth: usize) Error!void {
        if (budget.* == 0 or depth > limits.max_depth) return error.OverBudget;
        budget.* -= 1;
        if (column.childCount() > limits.max_children) return error.OverBudget;
        for (0..column.childCount()) |i| try (try column.child(i)).walk(limits, budget, depth + 1);
        if (try column.dictionary()) |values| try values.walk(limits, budget, depth + 1);
    }

    /// One array checked against its schema and, when known, its memory.
    fn node(schema: *const ArrowSchema, array: *const ArrowArray, shift: usize, memory: ?[]const u8, maps: bool) Error!Column {
        const kind = Kind.parse(schema.formatString()) orelse return error.UnsupportedFormat;
        if (kind == .map and !maps) return error.UnsupportedFormat;
        if (schema.release == null or array.release == null) return error.InvalidLayout;
        if (array.length < 0 or array.offset < 0) return error.InvalidLayout;
        // A dictionary on one struct and not the other, or indices that are not integers.
        if ((schema.dictionary == null) != (array.dictionary == null)) return error.InvalidLayout;
        if (schema.dictionary != null and !kind.isIndex()) return error.InvalidLayout;
        if (array.n_buffers != kind.buffers() or array.buffers == null) return error.InvalidLayout;
        const children: i64 = switch (kind) {
            .fixed_size_list, .list, .large_list, .map => 1,
            .@"struct" => schema.n_children,
            else => 0,
        };
        if (children < 0 or schema.n_children != children or array.n_children != children) return error.InvalidLayout;
        if (children > 0 and (schema.children == null or array.children == null)) return error.InvalidLayout;
        const column: Column = .{
            .schema = schema,
            .array = array,
            .kind = kind,
            .shift = shift,
            .memory = memory,
            .maps = maps,
            .width = kind.width(),
        };
        const first = std.math.add(usize, shift, @intCast(array.offset)) catch return error.InvalidLayout;
        const rows = std.math.add(usize, first, @intCast(array.length)) catch return error.InvalidLayout;
        if (rows > max_buffer_bytes) return error.InvalidLayout;
        if (rows > 0 and kind != .fixed_size_list and kind != .@"struct" and array.buffer(1) == null) return error.InvalidLayout;
        if (array.null_count != 0 and array.buffer(0) == null and array.null_count > 0) return error.InvalidLayout;
        if (array.null_count != 0) try column.fits(0, (rows + 7) / 8);
        if (column.width) |w| {
            try column.fits(1, std.math.mul(usize, rows, w) catch return error.InvalidLayout);
        } else if (kind.offsetWidth()) |w| {
            if (rows > 0) try column.fits(1, std.math.mul(usize, rows + 1, w) catch return error.InvalidLayout);
        } else switch (kind) {
            .bool => try column.fits(1, (rows + 7) / 8),
            .fixed_size_list => |size| if (std.math.mul(usize, rows, size) catch null == null) return error.InvalidLayout,
            else => {},
        }
        return column;
    }

    /// Whether buffer `i` holds `bytes` bytes: inside the memory when it is
    /// known, else at least not past any address space.
    fn fits(column: Column, i: usize, bytes: usize) Error!void {
        if (bytes > max_buffer_bytes) return error.InvalidLayout;
        const memory = column.memory orelse return;
        const ptr = column.array.buffer(i) orelse return;
        const at = @intFromPtr(ptr) -% @intFromPtr(memory.ptr);
        if (@intFromPtr(ptr) < @intFromPtr(memory.ptr) or at > memory.len or bytes > memory.len - at) return error.InvalidLayout;
    }

    pub fn len(column: Column) usize {
        return @intCast(column.array.length);
    }

    /// The physical index of row 0.
    fn start(column: Column) usize {
        return column.shift + @as(usize, @intCast(column.array.offset));
    }

    pub fn isValid(column: Column, row: usize) bool {
        if (column.array.null_count == 0) return true;
        const bitmap = column.array.buffer(0) orelse return true;
        const at = column.start() + row;
        return bitmap[at / 8] & (@as(u8, 1) << @intCast(at % 8)) != 0;
    }

    /// The bytes of a fixed-width value (little-endian, as Arrow stores it).
    pub fn valueBytes(column: Column, row: usize) []const u8 {
        const w = column.width.?;
        return column.array.buffer(1).?[(column.start() + row) * w ..][0..w];
    }

    pub fn value(column: Column, comptime T: type, row: usize) T {
        return std.mem.bytesToValue(T, column.valueBytes(row)[0..@sizeOf(T)]);
    }

    pub fn boolean(column: Column, row: usize) bool {
        const at = column.start() + row;
        return column.array.buffer(1).?[at / 8] & (@as(u8, 1) << @intCast(at % 8)) != 0;
    }

    /// Where row `row` of a string, bytes or list column starts and ends:
    /// among the characters, or among the child's rows. Offsets are values,
    /// checked at each read (from zero or more, never decreasing), since the
    /// one that lies is found only then.
    pub fn range(column: Column, row: usize) Error!Range {
        const offsets = column.array.buffer(1).?;
        const at = column.start() + row;
        const from: i64, const to: i64 = if (column.kind.offsetWidth().? == 4) .{
            std.mem.readInt(i32, offsets[at * 4 ..][0..4], .little),
            std.mem.readInt(i32, offsets[(at + 1) * 4 ..][0..4], .little),
        } else .{
            std.mem.readInt(i64, offsets[at * 8 ..][0..8], .little),
            std.mem.readInt(i64, offsets[(at + 1) * 8 ..][0..8], .little),
        };
        if (from < 0 or to < from or to > max_buffer_bytes) return error.InvalidLayout;
        return .{ .from = @intCast(from), .to = @intCast(to) };
    }

    /// A row of a utf8, large utf8, binary or large binary column.
    pub fn string(column: Column, row: usize) Error![]const u8 {
        const r = try column.range(row);
        if (r.from == r.to) return ""; // all-empty strings may come with no character buffer
        const characters = column.array.buffer(2) orelse return error.InvalidLayout;
        try column.fits(2, r.to);
        return characters[r.from..r.to];
    }

    /// The rows of `items()` row `row` of a list or large list spans, checked against its length.
    pub fn listRange(column: Column, row: usize) Error!Range {
        return column.rangeWithin(row, (try column.child(0)).len());
    }

    /// `range` checked against `rows`, the length of the child: for a reader
    /// of many rows, which finds the child once rather than at each row.
    pub fn rangeWithin(column: Column, row: usize, rows: usize) Error!Range {
        const r = try column.range(row);
        if (r.to > rows) return error.InvalidLayout;
        return r;
    }

    /// The values a dictionary-encoded column's indices point at, or null
    /// for a column that is not dictionary-encoded.
    pub fn dictionary(column: Column) Error!?Column {
        const schema = column.schema.dictionary orelse return null;
        const array = column.array.dictionary orelse return error.InvalidLayout;
        return try node(schema, array, 0, column.memory, column.maps);
    }

    /// The dictionary index of row `row`, checked against the dictionary's length.
    pub fn index(column: Column, row: usize, values: Column) Error!usize {
        const bytes = column.valueBytes(row);
        const raw: i128 = switch (column.kind.int.bytes) {
            inline 1, 2, 4, 8 => |n| if (column.kind.int.signed)
                std.mem.readInt(@Int(.signed, n * 8), bytes[0..n], .little)
            else
                std.mem.readInt(@Int(.unsigned, n * 8), bytes[0..n], .little),
            else => unreachable,
        };
        if (raw < 0 or raw >= values.len()) return error.InvalidLayout;
        return @intCast(raw);
    }

    pub fn childCount(column: Column) usize {
        return @intCast(column.array.n_children);
    }

    /// Child `i`: a struct's field, or a list's items.
    pub fn child(column: Column, i: usize) Error!Column {
        const shift = switch (column.kind) {
            .fixed_size_list => |size| column.start() * size,
            .@"struct" => column.start(),
            .list, .large_list, .map => 0,
            else => return error.InvalidLayout,
        };
        // A null child pointer is refused here rather than followed.
        const schemas: [*]const ?*const ArrowSchema = @ptrCast(column.schema.children.?);
        const arrays: [*]const ?*const ArrowArray = @ptrCast(column.array.children.?);
        const child_schema = schemas[i] orelse return error.InvalidLayout;
        const child_array = arrays[i] orelse return error.InvalidLayout;
        const result = try node(child_schema, child_array, shift, column.memory, column.maps);
        // A map's entries: a struct of a key and a value, never null itself.
        if (column.kind == .map and (result.kind != .@"struct" or result.childCount() != 2 or result.array.null_count != 0)) return error.InvalidLayout;
        const needed = switch (column.kind) {
            .fixed_size_list => |size| column.len() * size,
            .@"struct" => column.len(),
            else => 0, // a list's offsets say, each checked when read (`listRange`)
        };
        if (result.len() < needed) return error.InvalidLayout;
        return result;
    }
};

/// FNV-1a (64-bit) over a batch's logical values, column by column, row by
/// row: a null is the byte 0; a value is the byte 1, then its little-endian
/// bytes (a bool one byte, a string or bytes its u32 length and bytes, a
/// fixed-size list its items, a list its u32 length and items, a struct its
/// fields); a dictionary-encoded value is hashed as the value it indexes. tools/arrow_pyarrow_check.py and the tests compute the
/// same over what pyarrow and apache-arrow read.
pub fn checksum(schema: *const ArrowSchema, array: *const ArrowArray) Error!u64 {
    return checksumWithin(schema, array, .{});
}

/// `checksum` under `limits` (a fuzzer's own memory, say).
pub fn checksumWithin(schema: *const ArrowSchema, array: *const ArrowArray, limits: Limits) Error!u64 {
    const root = try Column.initWithin(schema, array, 0, limits);
    if (root.kind != .@"struct") return error.InvalidLayout;
    var hash: Fnv = .{};
    for (0..root.childCount()) |i| {
        const column = try root.child(i);
        for (0..root.len()) |row| try hashValue(&hash, column, row);
    }
    return hash.state;
}

const Fnv = struct {
    state: u64 = 0xcbf29ce484222325,

    fn bytes(fnv: *Fnv, data: []const u8) void {
        for (data) |b| fnv.state = (fnv.state ^ b) *% 0x100000001b3;
    }
};

fn hashValue(hash: *Fnv, column: Column, row: usize) Error!void {
    if (!column.isValid(row)) return hash.bytes(&.{0});
    // The common case first, in this frame: the rest may recurse, with the larger frame that takes.
    if (column.width != null and column.schema.dictionary == null) {
        hash.bytes(&.{1});
        return hash.bytes(column.valueBytes(row));
    }
    return hashNested(hash, column, row);
}

fn hashNested(hash: *Fnv, column: Column, row: usize) Error!void {
    // A dictionary-encoded value hashes as the value it stands for.
    if (try column.dictionary()) |values| return hashValue(hash, values, try column.index(row, values));
    hash.bytes(&.{1});
    switch (column.kind) {
        .bool => hash.bytes(&.{@intFromBool(column.boolean(row))}),
        .utf8, .large_utf8, .binary, .large_binary => {
            const s = try column.string(row);
            hash.bytes(std.mem.asBytes(&std.mem.nativeToLittle(u32, @truncate(s.len))));
            hash.bytes(s);
        },
        .list, .large_list, .map => {
            const items = try column.child(0);
            const r = try column.rangeWithin(row, items.len());
            hash.bytes(std.mem.asBytes(&std.mem.nativeToLittle(u32, @truncate(r.to - r.from))));
            for (r.from..r.to) |k| try hashValue(hash, items, k);
        },
        .fixed_size_list => |size| {
            const items = try column.child(0);
            for (0..size) |k| try hashValue(hash, items, row * size + k);
        },
        .@"struct" => for (0..column.childCount()) |i| try hashValue(hash, try column.child(i), row),
        else => unreachable, // fixed width, above
    }
}
