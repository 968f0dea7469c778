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

/// The types this reader understands, from a format string.
pub const Kind = union(enum) {
    int: struct { signed: bool, bytes: u8 },
    float: u8,
    bool,
    utf8,
    /// The unit letter (s, m, u, n); the values are i64.
    timestamp: u8,
    fixed_size_list: u32,
    @"struct",

    pub fn parse(format: []const u8) ?Kind {
        if (format.len == 1) return switch (format[0]) {
            'c' => .{ .int = .{ .signed = true, .bytes = 1 } },
            'C' => .{ .int = .{ .signed = false, .bytes = 1 } },
            's' => .{ .int = .{ .signed = true, .bytes = 2 } },
            'S' => .{ .int = .{ .signed = false, .bytes = 2 } },
            'i' => .{ .int = .{ .signed = true, .bytes = 4 } },
            'I' => .{ .int = .{ .signed = false, .bytes = 4 } },
            'l' => .{ .int = .{ .signed = true, .bytes = 8 } },
            'L' => .{ .int = .{ .signed = false, .bytes = 8 } },
            'f' => .{ .float = 4 },
            'g' => .{ .float = 8 },
            'b' => .bool,
            'u' => .utf8,
            else => null,
        };
        if (std.mem.eql(u8, format, "+s")) return .@"struct";
        if (std.mem.startsWith(u8, format, "+w:")) {
            const size = std.fmt.parseInt(u32, format[3..], 10) catch return null;
            return if (size == 0) null else .{ .fixed_size_list = size };
        }
        if (format.len >= 4 and std.mem.startsWith(u8, format, "ts") and format[3] == ':' and
            std.mem.indexOfScalar(u8, "smun", format[2]) != null) return .{ .timestamp = format[2] };
        return null;
    }

    /// Bytes per value of a fixed-width kind.
    pub fn width(kind: Kind) ?usize {
        return switch (kind) {
            .int => |int| int.bytes,
            .float => |bytes| bytes,
            .timestamp => 8,
            else => null,
        };
    }

    fn buffers(kind: Kind) i64 {
        return switch (kind) {
            .utf8 => 3,
            .fixed_size_list, .@"struct" => 1,
            else => 2,
        };
    }
};

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
};

/// No buffer of a real process is larger: a length needing more is a lie.
const max_buffer_bytes: usize = 1 << 48;

/// One array of a batch, with the offset its parents add.
pub const Column = struct {
    schema: *const ArrowSchema,
    array: *const ArrowArray,
    kind: Kind,
    /// Where row 0 is among the parent's rows (the parent's own start).
    shift: usize,
    memory: ?[]const u8 = null,

    /// Checks `schema` and `array`, and every array below them, before
    /// anything is read: with the default limits (see `initWithin`).
    pub fn init(schema: *const ArrowSchema, array: *const ArrowArray, shift: usize) Error!Column {
        return initWithin(schema, array, shift, .{});
    }

    /// Checks the whole tree under `schema` and `array` against `limits`: each
    /// array against its schema and its buffers, the walk bounded in arrays
    /// and depth, so that a cycle, a DAG or a lying count ends in an error.
    pub fn initWithin(schema: *const ArrowSchema, array: *const ArrowArray, shift: usize, limits: Limits) Error!Column {
        const column = try node(schema, array, shift, limits.memory);
        var budget = limits.max_nodes;
        try column.walk(limits, &budget, 0);
        return column;
    }

    fn walk(column: Column, limits: Limits, budget: *usize, depth: usize) Error!void {
        if (budget.* == 0 or depth > limits.max_depth) return error.OverBudget;
        budget.* -= 1;
        if (column.childCount() > limits.max_children) return error.OverBudget;
        for (0..column.childCount()) |i| try (try column.child(i)).walk(limits, budget, depth + 1);
    }

    /// One array checked against its schema and, when known, its memory.
    fn node(schema: *const ArrowSchema, array: *const ArrowArray, shift: usize, memory: ?[]const u8) Error!Column {
        const kind = Kind.parse(schema.formatString()) orelse return error.UnsupportedFormat;
        if (schema.release == null or array.release == null) return error.InvalidLayout;
        if (array.length < 0 or array.offset < 0 or array.dictionary != null) return error.InvalidLayout;
        if (array.n_buffers != kind.buffers() or array.buffers == null) return error.InvalidLayout;
        const children: i64 = switch (kind) {
            .fixed_size_list => 1,
            .@"struct" => schema.n_children,
            else => 0,
        };
        if (children < 0 or schema.n_children != children or array.n_children != children) return error.InvalidLayout;
        if (children > 0 and (schema.children == null or array.children == null)) return error.InvalidLayout;
        const column: Column = .{ .schema = schema, .array = array, .kind = kind, .shift = shift, .memory = memory };
        const first = std.math.add(usize, shift, @intCast(array.offset)) catch return error.InvalidLayout;
        const rows = std.math.add(usize, first, @intCast(array.length)) catch return error.InvalidLayout;
        if (rows > max_buffer_bytes) return error.InvalidLayout;
        if (rows > 0 and kind != .fixed_size_list and kind != .@"struct" and array.buffer(1) == null) return error.InvalidLayout;
        if (array.null_count != 0 and array.buffer(0) == null and array.null_count > 0) return error.InvalidLayout;
        if (array.null_count != 0) try column.fits(0, (rows + 7) / 8);
        switch (kind) {
            .int, .float, .timestamp => try column.fits(1, std.math.mul(usize, rows, kind.width().?) catch return error.InvalidLayout),
            .bool => try column.fits(1, (rows + 7) / 8),
            .utf8 => if (rows > 0) try column.fits(1, std.math.mul(usize, rows + 1, 4) catch return error.InvalidLayout),
            .fixed_size_list => |size| if (std.math.mul(usize, rows, size) catch null == null) return error.InvalidLayout,
            .@"struct" => {},
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
        const w = column.kind.width().?;
        return column.array.buffer(1).?[(column.start() + row) * w ..][0..w];
    }

    pub fn value(column: Column, comptime T: type, row: usize) T {
        return std.mem.bytesToValue(T, column.valueBytes(row)[0..@sizeOf(T)]);
    }

    pub fn boolean(column: Column, row: usize) bool {
        const at = column.start() + row;
        return column.array.buffer(1).?[at / 8] & (@as(u8, 1) << @intCast(at % 8)) != 0;
    }

    pub fn string(column: Column, row: usize) Error![]const u8 {
        const offsets: [*]align(1) const i32 = @ptrCast(column.array.buffer(1).?);
        const at = column.start() + row;
        const from = offsets[at];
        const to = offsets[at + 1];
        if (from < 0 or to < from) return error.InvalidLayout;
        if (from == to) return ""; // all-empty strings may come with no character buffer
        const characters = column.array.buffer(2) orelse return error.InvalidLayout;
        // Offsets are values: checked at each read, since the one that lies is found only then.
        try column.fits(2, @intCast(to));
        return characters[@intCast(from)..@intCast(to)];
    }

    pub fn childCount(column: Column) usize {
        return @intCast(column.array.n_children);
    }

    /// Child `i`: a struct's field, or a fixed-size list's items.
    pub fn child(column: Column, i: usize) Error!Column {
        const shift = switch (column.kind) {
            .fixed_size_list => |size| column.start() * size,
            .@"struct" => column.start(),
            else => return error.InvalidLayout,
        };
        // A null child pointer is refused here rather than followed.
        const schemas: [*]const ?*const ArrowSchema = @ptrCast(column.schema.children.?);
        const arrays: [*]const ?*const ArrowArray = @ptrCast(column.array.children.?);
        const child_schema = schemas[i] orelse return error.InvalidLayout;
        const child_array = arrays[i] orelse return error.InvalidLayout;
        const result = try node(child_schema, child_array, shift, column.memory);
        const needed = switch (column.kind) {
            .fixed_size_list => |size| column.len() * size,
            else => column.len(),
        };
        if (result.len() < needed) return error.InvalidLayout;
        return result;
    }
};

/// FNV-1a (64-bit) over a batch's logical values, column by column, row by
/// row: a null is the byte 0; a value is the byte 1, then its little-endian
/// bytes (a bool one byte, a string its u32 length and bytes, a list its items,
/// a struct its fields). tools/arrow_pyarrow_check.py and the tests compute the
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
    hash.bytes(&.{1});
    switch (column.kind) {
        .int, .float, .timestamp => hash.bytes(column.valueBytes(row)),
        .bool => hash.bytes(&.{@intFromBool(column.boolean(row))}),
        .utf8 => {
            const s = try column.string(row);
            hash.bytes(std.mem.asBytes(&std.mem.nativeToLittle(u32, @intCast(s.len))));
            hash.bytes(s);
        },
        .fixed_size_list => |size| {
            const items = try column.child(0);
            for (0..size) |k| try hashValue(hash, items, row * size + k);
        },
        .@"struct" => for (0..column.childCount()) |i| try hashValue(hash, try column.child(i), row),
    }
}
