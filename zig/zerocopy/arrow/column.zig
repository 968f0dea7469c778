//! A column of `handOverBatch`: the author's slices, described to the layout
//! (`layout.Shape`) and copied into the buffers it made for them.

const std = @import("std");
const c = @import("c_data.zig");
const layout = @import("layout.zig");
const ArrowArray = c.ArrowArray;

pub const Error = layout.Error;

/// The unit of a timestamp, time or duration column, as the format string spells it.
pub const TimeUnit = enum {
    second,
    millisecond,
    microsecond,
    nanosecond,

    pub fn letter(unit: TimeUnit) u8 {
        return "smun"[@backingInt(unit)];
    }
};

/// An interval of months, days and nanoseconds (Arrow's `month_day_nano`), as stored.
pub const MonthDayNano = extern struct { months: i32, days: i32, nanoseconds: i64 };

/// A dictionary-encoded column's indices: integers of any width.
pub const Indices = union(enum) {
    i8: []const i8,
    i16: []const i16,
    i32: []const i32,
    i64: []const i64,
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
    /// UTF-8 strings with i64 offsets (past 2 GiB of characters).
    large_utf8: []const []const u8,
    /// Byte strings with i32 offsets.
    binary: []const []const u8,
    /// Byte strings with i64 offsets.
    large_binary: []const []const u8,
    /// `size` bytes per row, `bytes` holding every row's in turn.
    fixed_size_binary: struct { size: u32, bytes: []const u8 },
    /// Days since the Unix epoch.
    date32: []const i32,
    /// Milliseconds since the Unix epoch.
    date64: []const i64,
    /// Since midnight, in seconds or milliseconds.
    time32: struct { unit: TimeUnit, values: []const i32 },
    /// Since midnight, in microseconds or nanoseconds.
    time64: struct { unit: TimeUnit, values: []const i64 },
    /// Counts of `unit`.
    duration: struct { unit: TimeUnit, values: []const i64 },
    /// `values` × 10^-scale, with at most `precision` (1 to 38) digits.
    decimal128: struct { precision: u8, scale: i8, values: []const i128 },
    interval_month_day_nano: []const MonthDayNano,
    /// Row `i` is `items` rows `offsets[i]` to `offsets[i + 1]` (one offset
    /// more than rows, from 0 or more, never decreasing, the last within `items`).
    list: struct { offsets: []const i32, items: *const Column },
    /// A list with i64 offsets.
    large_list: struct { offsets: []const i64, items: *const Column },
    /// Row `i` is row `indices[i]` of `values` (a dictionary-encoded column:
    /// strings repeated many times, say); every index of a valid row must be within `values`.
    dictionary: struct { indices: Indices, values: *const Column },
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
            inline .timestamp, .time32, .time64, .duration, .decimal128 => |t| t.values.len,
            .fixed_size_list => |list| if (list.size == 0) 0 else list.items.length() / list.size,
            .fixed_size_binary => |b| if (b.size == 0) 0 else b.bytes.len / b.size,
            .@"struct" => |children| if (children.len == 0) 0 else children[0].length(),
            inline .list, .large_list => |list| list.offsets.len -| 1,
            .dictionary => |d| switch (d.indices) {
                inline else => |indices| indices.len,
            },
            inline else => |slice| slice.len,
        };
    }

    /// Rows in the column.
    pub fn length(column: Column) usize {
        return column.physicalLength() -| column.offset;
    }

    /// The column as the layout sees it; `expected_rows` is what its parent
    /// needs (null for the root, a list's items and a dictionary).
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
        switch (column.values) {
            .bool => out.data = .bits,
            inline .utf8, .large_utf8, .binary, .large_binary => |strings, tag| {
                var total: usize = 0;
                for (strings) |text| total += text.len;
                out.data = .{ .offsets = .{ .width = if (tag == .utf8 or tag == .binary) 4 else 8, .characters = total } };
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
            .fixed_size_binary => |b| {
                if (b.size == 0 or b.size > std.math.maxInt(i32) or b.bytes.len % b.size != 0) return error.InvalidColumn;
                try out.setFormat("w:{d}", .{b.size});
                out.data = .{ .bytes = b.size };
            },
            .date32 => try fixed(out, "tdD", 4),
            .date64 => try fixed(out, "tdm", 8),
            .time32 => |t| {
                if (t.unit != .second and t.unit != .millisecond) return error.InvalidColumn;
                try out.setFormat("tt{c}", .{t.unit.letter()});
                out.data = .{ .bytes = 4 };
            },
            .time64 => |t| {
                if (t.unit != .microsecond and t.unit != .nanosecond) return error.InvalidColumn;
                try out.setFormat("tt{c}", .{t.unit.letter()});
                out.data = .{ .bytes = 8 };
            },
            .duration => |d| {
                try out.setFormat("tD{c}", .{d.unit.letter()});
                out.data = .{ .bytes = 8 };
            },
            .decimal128 => |d| {
                if (d.precision == 0 or d.precision > 38) return error.InvalidColumn;
                try out.setFormat("d:{d},{d}", .{ d.precision, d.scale });
                out.data = .{ .bytes = 16 };
            },
            .interval_month_day_nano => try fixed(out, "tin", 16),
            inline .list, .large_list => |list, tag| {
                try checkOffsets(list.offsets, list.items.length());
                try out.setFormat("{s}", .{if (tag == .list) "+l" else "+L"});
                out.data = .{ .offsets = .{ .width = @sizeOf(@TypeOf(list.offsets[0])), .characters = null } };
                out.n_children = 1;
                out.child_rows = null;
            },
            .dictionary => |d| switch (d.indices) {
                inline else => |indices, tag| {
                    const size = d.values.length();
                    for (indices, 0..) |index, i| {
                        const valid = if (column.validity) |v| v[i] else true;
                        if (valid and (index < 0 or index >= size)) return error.InvalidColumn;
                    }
                    try fixed(out, layout.simpleFormat(tag).?, @sizeOf(@TypeOf(indices[0])));
                    out.dictionary = true;
                },
            },
            inline else => |values, tag| try fixed(out, layout.simpleFormat(tag).?, @sizeOf(@typeInfo(@TypeOf(values)).pointer.child)),
        }
        if (out.format_len == 0) try out.setFormat("{s}", .{layout.simpleFormat(std.meta.activeTag(column.values)).?});
    }

    pub fn child(column: *const Column, i: usize) *const Column {
        return switch (column.values) {
            .fixed_size_list => |list| list.items,
            inline .list, .large_list => |list| list.items,
            .@"struct" => |children| &children[i],
            else => unreachable,
        };
    }

    /// The values of a dictionary-encoded column.
    pub fn dictionary(column: *const Column) *const Column {
        return column.values.dictionary.values;
    }
};

fn fixed(out: *layout.Shape, comptime format: []const u8, width: usize) Error!void {
    try out.setFormat("{s}", .{format});
    out.data = .{ .bytes = width };
}

/// From 0 or more, never decreasing, the last within the child's rows.
fn checkOffsets(offsets: anytype, items: usize) Error!void {
    if (offsets.len == 0) return error.InvalidColumn;
    var previous = offsets[0];
    if (previous < 0) return error.InvalidColumn;
    for (offsets[1..]) |o| {
        if (o < previous) return error.InvalidColumn;
        previous = o;
    }
    if (previous > items) return error.InvalidColumn;
}

fn bufferOf(array: *ArrowArray, i: usize, len: usize) []u8 {
    const ptr: [*]u8 = @ptrCast(@constCast(array.buffers.?[i].?));
    return ptr[0..len];
}

/// Copies a column's slices into the buffers the layout made for it.
pub fn copyColumn(column: *const Column, array: *ArrowArray) void {
    const physical = column.physicalLength();
    if (column.validity) |valid| packBits(bufferOf(array, 0, (physical + 7) / 8), valid);
    switch (column.values) {
        .bool => |values| packBits(bufferOf(array, 1, (physical + 7) / 8), values),
        inline .utf8, .large_utf8, .binary, .large_binary => |strings, tag| {
            const Offset = if (tag == .utf8 or tag == .binary) i32 else i64;
            const offsets: [*]Offset = @ptrCast(@alignCast(bufferOf(array, 1, 0).ptr));
            const characters: [*]u8 = bufferOf(array, 2, 0).ptr;
            var at: usize = 0;
            for (strings, 0..) |text, i| {
                offsets[i] = @intCast(at);
                @memcpy(characters[at..][0..text.len], text);
                at += text.len;
            }
            offsets[strings.len] = @intCast(at);
        },
        .fixed_size_list => |list| copyColumn(list.items, array.child(0)),
        .@"struct" => |children| for (children, 0..) |*child, i| copyColumn(child, array.child(i)),
        .fixed_size_binary => |b| @memcpy(bufferOf(array, 1, b.bytes.len), b.bytes),
        inline .timestamp, .time32, .time64, .duration, .decimal128 => |t| copyBytes(array, std.mem.sliceAsBytes(t.values)),
        inline .list, .large_list => |list| {
            copyBytes(array, std.mem.sliceAsBytes(list.offsets));
            copyColumn(list.items, array.child(0));
        },
        .dictionary => |d| {
            switch (d.indices) {
                inline else => |indices| copyBytes(array, std.mem.sliceAsBytes(indices)),
            }
            copyColumn(d.values, array.dictionary.?);
        },
        inline else => |values| copyBytes(array, std.mem.sliceAsBytes(values)),
    }
}

fn copyBytes(array: *ArrowArray, bytes: []const u8) void {
    @memcpy(bufferOf(array, 1, bytes.len), bytes);
}

fn packBits(bitmap: []u8, values: []const bool) void {
    @memset(bitmap, 0);
    for (values, 0..) |v, i| {
        if (v) bitmap[i / 8] |= @as(u8, 1) << @intCast(i % 8);
    }
}
