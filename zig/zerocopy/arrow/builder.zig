//! `BatchBuilder`: a record batch filled in place. The author declares the
//! columns and the row count; the builder makes the one allocation
//! `handOverBatch` would make and gives typed slices into it, which the author
//! fills; `finish` hands it over. Nothing is copied on the Zig side either.
//!
//!     var builder = try arrow.BatchBuilder.init(allocator, rows, &.{
//!         .{ .name = "id", .type = .u32 },
//!         .{ .name = "value", .type = .f64, .nullable = true },
//!         .{ .name = "label", .type = .{ .utf8 = .{ .capacity = rows * 8 } } },
//!     });
//!     defer builder.deinit(); // frees it unless finish handed it over
//!     const ids = try builder.column(0).values(u32);
//!     ...
//!     builder.finish(&out.descriptor);

const std = @import("std");
const Allocator = std.mem.Allocator;
const abi = @import("../abi.zig");
const c = @import("c_data.zig");
const batch = @import("batch.zig");
const layout = @import("layout.zig");
const reader = @import("reader.zig");
const ArrowArray = c.ArrowArray;
const ArrowSchema = c.ArrowSchema;
const ArrowBlock = batch.ArrowBlock;
const Descriptor = abi.Descriptor;

/// A string or bytes column's `capacity`: bytes for all its rows together.
pub const Strings = struct { capacity: usize };

/// The type of a declared column.
pub const Type = union(enum) {
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    f32,
    f64,
    /// Bit-packed: fill it through `Column.bits`.
    bool,
    /// `capacity` bytes of characters for all the rows together: fill it
    /// through `Column.utf8`, which refuses a string past the capacity.
    utf8: Strings,
    /// UTF-8 with i64 offsets (past 2 GiB): fill it through `Column.strings(i64)`.
    large_utf8: Strings,
    /// Bytes with i32 offsets: fill it through `Column.strings(i32)`.
    binary: Strings,
    /// Bytes with i64 offsets: fill it through `Column.strings(i64)`.
    large_binary: Strings,
    /// i64 counts of `unit` since the Unix epoch (`tz` as in `Values.timestamp`).
    timestamp: struct { unit: batch.TimeUnit, tz: ?[]const u8 = null },
    /// `size` items per row, the items being a column of `size` times as many rows.
    fixed_size_list: struct { size: u32, items: *const Spec },
    /// Named child columns, as many rows as their parent.
    @"struct": []const Spec,
    /// i32 days since the Unix epoch.
    date32,
    /// i64 milliseconds since the Unix epoch.
    date64,
    /// i32 since midnight, in seconds or milliseconds.
    time32: batch.TimeUnit,
    /// i64 since midnight, in microseconds or nanoseconds.
    time64: batch.TimeUnit,
    /// i64 counts of the unit.
    duration: batch.TimeUnit,
    /// i128 values × 10^-scale, with at most `precision` (1 to 38) digits.
    decimal128: struct { precision: u8, scale: i8 },
    /// `batch.MonthDayNano` values.
    interval_month_day_nano,
    /// `size` bytes per row: `values(u8)` is every row's bytes in turn.
    fixed_size_binary: u32,
    /// Row `i` is rows `offsets[i]` to `offsets[i + 1]` of `items`, a declared
    /// column of `capacity` rows for all the rows together: fill the offsets
    /// through `Column.offsets(i32)` and the items through `child(0)`.
    list: Items,
    /// A list with i64 offsets (`Column.offsets(i64)`).
    large_list: Items,
    /// Integers of the width `indices` names into `values`, a declared column
    /// of `size` rows: fill the indices through `values(T)` and the values
    /// through `Column.dictionary()`.
    dictionary: struct { indices: IndexType, values: *const Spec, size: usize },
};

/// A list's items: a declared column of `capacity` rows for all the rows together.
pub const Items = struct { items: *const Spec, capacity: usize };

/// The integers a dictionary's indices are.
pub const IndexType = enum { i8, i16, i32, i64 };

/// A declared column.
pub const Spec = struct {
    name: []const u8 = "",
    type: Type,
    /// Gives the column a validity bitmap (every row valid until `Bitmap.set`
    /// clears one) and marks its field nullable.
    nullable: bool = false,

    pub fn shape(spec: *const Spec, expected_rows: ?usize, out: *layout.Shape) layout.Error!void {
        const rows = expected_rows.?;
        out.* = .{
            .name = spec.name,
            .nullable = spec.nullable,
            .physical = rows,
            .validity = spec.nullable,
            .data = .none,
        };
        switch (spec.type) {
            .bool => out.data = .bits,
            .utf8, .binary => |u| out.data = .{ .offsets = .{ .width = 4, .characters = u.capacity } },
            .large_utf8, .large_binary => |u| out.data = .{ .offsets = .{ .width = 8, .characters = u.capacity } },
            .timestamp => |t| {
                try out.setFormat("ts{c}:{s}", .{ t.unit.letter(), t.tz orelse "" });
                out.data = .{ .bytes = @sizeOf(i64) };
                return;
            },
            .fixed_size_list => |list| {
                if (list.size == 0) return error.InvalidColumn;
                try out.setFormat("+w:{d}", .{list.size});
                out.n_children = 1;
                out.child_rows = std.math.mul(usize, rows, list.size) catch return error.OutOfMemory;
                return;
            },
            .@"struct" => |children| {
                out.n_children = children.len;
                out.child_rows = rows;
            },
            .date32 => return fixed(out, "tdD", .{}, 4),
            .date64 => return fixed(out, "tdm", .{}, 8),
            .time32 => |unit| {
                if (unit != .second and unit != .millisecond) return error.InvalidColumn;
                return fixed(out, "tt{c}", .{unit.letter()}, 4);
            },
            .time64 => |unit| {
                if (unit != .microsecond and unit != .nanosecond) return error.InvalidColumn;
                return fixed(out, "tt{c}", .{unit.letter()}, 8);
            },
            .duration => |unit| return fixed(out, "tD{c}", .{unit.letter()}, 8),
            .decimal128 => |d| {
                if (d.precision == 0 or d.precision > 38) return error.InvalidColumn;
                return fixed(out, "d:{d},{d}", .{ d.precision, d.scale }, 16);
            },
            .interval_month_day_nano => return fixed(out, "tin", .{}, 16),
            .fixed_size_binary => |size| {
                if (size == 0 or size > std.math.maxInt(i32)) return error.InvalidColumn;
                return fixed(out, "w:{d}", .{size}, size);
            },
            inline .list, .large_list => |list, tag| {
                try out.setFormat("{s}", .{if (tag == .list) "+l" else "+L"});
                out.data = .{ .offsets = .{ .width = if (tag == .list) 4 else 8, .characters = null } };
                out.n_children = 1;
                out.child_rows = list.capacity;
                return;
            },
            .dictionary => |d| {
                out.dictionary = true;
                out.dictionary_rows = d.size;
                return switch (d.indices) {
                    inline else => |tag| fixed(out, layout.simpleFormat(tag).?, .{}, @sizeOf(@FieldType(Values, @tagName(tag)))),
                };
            },
            inline else => |_, tag| out.data = .{ .bytes = @sizeOf(@FieldType(Values, @tagName(tag))) },
        }
        try out.setFormat("{s}", .{layout.simpleFormat(std.meta.activeTag(spec.type)).?});
    }

    /// The values of a dictionary-encoded column.
    pub fn dictionary(spec: *const Spec) *const Spec {
        return spec.type.dictionary.values;
    }

    pub fn child(spec: *const Spec, i: usize) *const Spec {
        return switch (spec.type) {
            .fixed_size_list => |list| list.items,
            .list, .large_list => |list| list.items,
            .@"struct" => |children| &children[i],
            else => unreachable,
        };
    }
};

fn fixed(out: *layout.Shape, comptime format: []const u8, args: anytype, width: usize) layout.Error!void {
    try out.setFormat(format, args);
    out.data = .{ .bytes = width };
}

// The element type of each fixed-width tag.
const Values = struct { i8: i8, i16: i16, i32: i32, i64: i64, u8: u8, u16: u16, u32: u32, u64: u64, f32: f32, f64: f64 };

pub const Error = layout.Error || error{ TypeMismatch, NoSuchColumn };

/// A batch being filled in place. `deinit` frees it unless `finish` handed
/// it over, so `defer builder.deinit()` covers every path.
pub const BatchBuilder = struct {
    /// Null once handed over or freed.
    block: ?*ArrowBlock,

    /// Lays out `rows` rows of `columns` in the allocations of `allocator`
    /// (which must outlive the batch, as for `handOverBatch`).
    pub fn init(allocator: *const Allocator, row_count: usize, columns: []const Spec) layout.Error!BatchBuilder {
        const root: Spec = .{ .type = .{ .@"struct" = columns } };
        const block = try layout.allocate(Spec, allocator, &root, row_count);
        batch.register(block) catch {
            batch.discardUnregistered(block);
            return error.OutOfMemory;
        };
        return .{ .block = block };
    }

    /// Column `i` as declared.
    pub fn column(builder: *const BatchBuilder, i: usize) Column {
        const root = builder.header();
        std.debug.assert(i < root.array.n_children);
        return .{ .schema = root.schema.child(i), .array = root.array.child(i) };
    }

    /// The column named `name`.
    pub fn columnNamed(builder: *const BatchBuilder, name: []const u8) Error!Column {
        const root = builder.header();
        for (0..@intCast(root.array.n_children)) |i| {
            if (std.mem.eql(u8, root.schema.child(i).nameString(), name)) return builder.column(i);
        }
        return error.NoSuchColumn;
    }

    /// Rows in the batch.
    pub fn rows(builder: *const BatchBuilder) usize {
        return @intCast(builder.header().array.length);
    }

    /// Counts the nulls, makes the utf8 offsets of rows never written empty
    /// strings, and hands the batch over through `out`.
    pub fn finish(builder: *BatchBuilder, out: *Descriptor) void {
        const block = builder.block.?;
        builder.block = null;
        batch.handOverBlock(block, out);
    }

    /// Frees the batch unless it was handed over.
    pub fn deinit(builder: *BatchBuilder) void {
        const block = builder.block orelse return;
        builder.block = null;
        batch.discard(block);
    }

    fn header(builder: *const BatchBuilder) *ArrowBlock {
        return builder.block.?;
    }
};

/// One column of a `BatchBuilder`, to fill in place.
pub const Column = struct {
    schema: *ArrowSchema,
    array: *ArrowArray,

    pub fn len(col: Column) usize {
        return @intCast(col.array.length);
    }

    /// The values of a fixed-width column: `i64` for a timestamp, a date64,
    /// a time64 or a duration, `i32` for a date32 or a time32, `i128` for a
    /// decimal128, `batch.MonthDayNano` for an interval, `u8` for a
    /// fixed-size binary (every row's bytes in turn); `error.TypeMismatch`
    /// when `T` is not its element type.
    pub fn values(col: Column, comptime T: type) Error![]T {
        const kind = reader.Kind.parse(col.schema.formatString()) orelse return error.TypeMismatch;
        const fits = switch (kind) {
            .int => |int| @typeInfo(T) == .int and @sizeOf(T) == int.bytes and (@typeInfo(T).int.signedness == .signed) == int.signed,
            .float => |bytes| @typeInfo(T) == .float and @sizeOf(T) == bytes,
            .timestamp, .date64, .duration => T == i64,
            .date32 => T == i32,
            .time => |unit| if (unit == 's' or unit == 'm') T == i32 else T == i64,
            .decimal => |d| d.bytes == 16 and T == i128,
            .interval => |unit| unit == 'n' and T == batch.MonthDayNano,
            .fixed_size_binary => T == u8,
            else => false,
        };
        if (!fits) return error.TypeMismatch;
        const count = col.len() * (if (kind == .fixed_size_binary) kind.fixed_size_binary else 1);
        const ptr: [*]T = @ptrCast(@alignCast(@constCast(col.array.buffers.?[1].?)));
        return ptr[0..count];
    }

    /// The validity bitmap of a nullable column (all valid to start with), or null.
    pub fn validity(col: Column) ?Bitmap {
        const bitmap = col.array.buffers.?[0] orelse return null;
        return .{ .bytes = @ptrCast(@constCast(bitmap)), .len = col.len() };
    }

    /// The bit-packed values of a bool column (all false to start with).
    pub fn bits(col: Column) Error!Bitmap {
        if (!std.mem.eql(u8, col.schema.formatString(), "b")) return error.TypeMismatch;
        return .{ .bytes = @ptrCast(@constCast(col.array.buffers.?[1].?)), .len = col.len() };
    }

    /// A writer appending the rows of a utf8 column in order; take one per column.
    pub fn utf8(col: Column) Error!Utf8Writer {
        if (!std.mem.eql(u8, col.schema.formatString(), "u")) return error.TypeMismatch;
        return col.strings(i32);
    }

    /// A writer appending the rows of a utf8, large utf8, binary or large
    /// binary column in order, its offsets being `Offset` (`i32` for utf8 and
    /// binary, `i64` for the large ones); take one per column.
    pub fn strings(col: Column, comptime Offset: type) Error!StringWriter(Offset) {
        const kind = reader.Kind.parse(col.schema.formatString()) orelse return error.TypeMismatch;
        if (!kind.isBinary() or kind.offsetWidth().? != @sizeOf(Offset)) return error.TypeMismatch;
        const starts: [*]Offset = @ptrCast(@alignCast(@constCast(col.array.buffers.?[1].?)));
        const characters: [*]u8 = @ptrCast(@constCast(col.array.buffers.?[2].?));
        return .{
            .offsets = starts[0 .. col.len() + 1],
            .characters = characters,
            .capacity = utf8Capacity(col),
            .validity = col.validity(),
        };
    }

    /// The `len() + 1` offsets of a list (`T` = i32) or large list (`T` = i64)
    /// column, all 0 to start with. `finish` makes them never decrease and
    /// never pass the items' capacity, so rows never written are empty lists.
    pub fn offsets(col: Column, comptime T: type) Error![]T {
        const format = col.schema.formatString();
        if (!std.mem.eql(u8, format, if (T == i32) "+l" else if (T == i64) "+L" else return error.TypeMismatch)) return error.TypeMismatch;
        const ptr: [*]T = @ptrCast(@alignCast(@constCast(col.array.buffers.?[1].?)));
        return ptr[0 .. col.len() + 1];
    }

    /// The values of a dictionary-encoded column, to fill like any column.
    /// `finish` makes a valid row whose index is outside them null (index 0
    /// in a column not declared nullable), so no consumer reads past them.
    pub fn dictionary(col: Column) Error!Column {
        return .{ .schema = col.schema.dictionary orelse return error.TypeMismatch, .array = col.array.dictionary.? };
    }

    /// Child `i` of a struct column, or the items of a list (`i` = 0).
    pub fn child(col: Column, i: usize) Column {
        std.debug.assert(i < col.array.n_children);
        return .{ .schema = col.schema.child(i), .array = col.array.child(i) };
    }
};

// Until `finish`, the layout keeps a utf8 column's character capacity in its
// null count (see `layout.allocate`).
fn utf8Capacity(col: Column) usize {
    return @intCast(col.array.null_count);
}

/// A bitmap in the batch: bit `i` of byte `i / 8`, least significant first.
pub const Bitmap = struct {
    bytes: [*]u8,
    len: usize,

    pub fn set(bitmap: Bitmap, i: usize, value: bool) void {
        std.debug.assert(i < bitmap.len);
        const mask = @as(u8, 1) << @intCast(i % 8);
        if (value) bitmap.bytes[i / 8] |= mask else bitmap.bytes[i / 8] &= ~mask;
    }

    pub fn get(bitmap: Bitmap, i: usize) bool {
        std.debug.assert(i < bitmap.len);
        return (bitmap.bytes[i / 8] >> @intCast(i % 8)) & 1 != 0;
    }
};

/// Appends a utf8 column's rows in order. Rows never appended are empty strings.
pub const Utf8Writer = StringWriter(i32);

/// Appends a string or bytes column's rows in order, its offsets being
/// `Offset`. Rows never appended are empty.
pub fn StringWriter(comptime Offset: type) type {
    return struct {
        offsets: []Offset,
        characters: [*]u8,
        capacity: usize,
        validity: ?Bitmap,
        row: usize = 0,
        used: usize = 0,

        /// Appends `text` as the next row; `error.Utf8Overflow` when it would pass
        /// the declared capacity, `error.TooManyRows` past the row count. The
        /// batch is unchanged by a refused append.
        pub fn append(w: *@This(), text: []const u8) error{ Utf8Overflow, TooManyRows }!void {
            if (w.row + 1 >= w.offsets.len) return error.TooManyRows;
            if (text.len > w.capacity - w.used) return error.Utf8Overflow;
            @memcpy(w.characters[w.used..][0..text.len], text);
            w.used += text.len;
            w.row += 1;
            w.offsets[w.row] = @intCast(w.used);
        }

        /// Appends a null row (an empty string, marked null when the column is nullable).
        pub fn appendNull(w: *@This()) error{ Utf8Overflow, TooManyRows }!void {
            try w.append("");
            if (w.validity) |v| v.set(w.row - 1, false);
        }

        /// Bytes of capacity left.
        pub fn remaining(w: *const @This()) usize {
            return w.capacity - w.used;
        }
    };
}
