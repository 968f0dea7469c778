//! How a registered Arrow batch's columns become DuckDB's: the type each
//! column has in DuckDB, and the scan's copy of a range of rows into DuckDB's
//! vectors, reading only what duckdb_scan.zig copied and checked.

const std = @import("std");
const duckdb = @import("duckdb_api.zig");
const reader = @import("../arrow/reader.zig");
const strings = @import("duckdb_strings.zig");
const dictionaries = @import("duckdb_dictionary.zig");
const maps = @import("duckdb_maps.zig");
const bit = strings.bit;

/// One array of a batch, as the scan reads it.
pub const Node = struct {
    kind: reader.Kind,
    /// A timestamp with a time zone.
    zoned: bool,
    name: [:0]const u8,
    /// The physical index of row 0 in the buffers.
    start: usize,
    length: usize,
    validity: ?[*]const u8,
    values: ?[*]const u8,
    /// The bytes of a kind of bytes, and how many of them its last offset gave at registration.
    characters: ?[*]const u8,
    characters_len: usize,
    children: []Node,
    /// The values a dictionary-encoded node's indices (its `values`) point at.
    dictionary: ?*const Node = null,

    pub fn sameShape(a: Node, b: Node) bool {
        if (!std.meta.eql(a.kind, b.kind) or a.zoned != b.zoned or !std.mem.eql(u8, a.name, b.name)) return false;
        if (a.children.len != b.children.len) return false;
        if ((a.dictionary == null) != (b.dictionary == null)) return false;
        if (a.dictionary) |d| if (!sameShape(d.*, b.dictionary.?.*)) return false;
        for (a.children, b.children) |x, y| if (!sameShape(x, y)) return false;
        return true;
    }
};

/// Fields of one struct a source may have (DuckDB's type is built on the stack).
pub const max_fields = 256;

/// DuckDB's type for a node; the caller destroys it.
pub fn logicalType(api: *const duckdb.Api, node: Node) duckdb.LogicalType {
    if (node.dictionary) |values| return logicalType(api, values.*);
    const t: duckdb.Type = switch (node.kind) {
        .int => |int| switch (int.bytes) {
            1 => if (int.signed) .tinyint else .utinyint,
            2 => if (int.signed) .smallint else .usmallint,
            4 => if (int.signed) .integer else .uinteger,
            else => if (int.signed) .bigint else .ubigint,
        },
        .float => |bytes| if (bytes == 4) .float else .double,
        .bool => .boolean,
        .utf8, .large_utf8 => .varchar,
        .binary, .large_binary, .fixed_size_binary => .blob,
        .date32, .date64 => .date,
        .time => .time,
        .duration, .interval => .interval,
        .decimal => |d| return api.duckdb_create_decimal_type(d.precision, @intCast(d.scale)),
        .timestamp => |unit| switch (unit) {
            's' => .timestamp_s,
            'm' => .timestamp_ms,
            'n' => .timestamp_ns,
            else => if (node.zoned) .timestamp_tz else .timestamp,
        },
        .fixed_size_list => |size| {
            var child = logicalType(api, node.children[0]);
            defer api.duckdb_destroy_logical_type(&child);
            return api.duckdb_create_array_type(child, size);
        },
        .list, .large_list => {
            var child = logicalType(api, node.children[0]);
            defer api.duckdb_destroy_logical_type(&child);
            return api.duckdb_create_list_type(child);
        },
        .map => {
            const entries = node.children[0];
            var key = logicalType(api, entries.children[0]);
            defer api.duckdb_destroy_logical_type(&key);
            var value = logicalType(api, entries.children[1]);
            defer api.duckdb_destroy_logical_type(&value);
            return api.duckdb_create_map_type(key, value);
        },
        .@"struct" => {
            var types: [max_fields]duckdb.LogicalType = undefined;
            var names: [max_fields][*:0]const u8 = undefined;
            const n = @min(node.children.len, types.len);
            for (node.children[0..n], 0..) |child, i| {
                types[i] = logicalType(api, child);
                names[i] = child.name.ptr;
            }
            defer for (types[0..n]) |*t| api.duckdb_destroy_logical_type(t);
            return api.duckdb_create_struct_type(&types, &names, n);
        },
    };
    return api.duckdb_create_logical_type(t);
}

pub const ScanError = strings.ScanError;

/// Bytes DuckDB stores a DECIMAL of `precision` digits in.
fn decimalBytes(precision: u8) usize {
    return if (precision <= 4) 2 else if (precision <= 9) 4 else if (precision <= 18) 8 else 16;
}

/// Writes rows `from .. from + count` of `node` into `vector`.
pub fn fill(api: *const duckdb.Api, node: Node, vector: duckdb.Vector, from: usize, count: usize) ScanError!void {
    const at = node.start + from;
    if (node.dictionary != null) {
        // The indices' nulls first: a null entry of the dictionary adds its own.
        copyValidity(api, node, vector, at, count);
        return dictionaries.fillExpanded(api, node, vector, at, count);
    }
    const data = api.duckdb_vector_get_data(vector);
    switch (node.kind) {
        .int, .float, .timestamp, .date32 => {
            const width = node.kind.width().?;
            if (count > 0) @memcpy(data.?[0 .. count * width], node.values.?[at * width ..][0 .. count * width]);
        },
        .bool => for (0..count) |i| {
            data.?[i] = @intFromBool(bit(node.values.?, at + i));
        },
        .utf8, .large_utf8, .binary, .large_binary => try strings.fillBytes(api, node, vector, at, count),
        .fixed_size_binary => strings.fillFixed(api, node, vector, at, count),
        .date64, .time, .duration, .decimal, .interval => for (0..count) |i| {
            // Values under a null may be anything: only valid ones are converted (and may be refused).
            if (node.validity) |v| if (!bit(v, at + i)) continue;
            try convert(node, data.?, i, at + i);
        },
        .@"struct" => for (node.children, 0..) |child, k| {
            try fill(api, child, api.duckdb_struct_vector_get_child(vector, k), from, count);
        },
        .fixed_size_list => |size| try fill(api, node.children[0], api.duckdb_array_vector_get_child(vector), from * size, count * size),
        // DuckDB's MAP is a LIST of STRUCT(key, value), as Arrow's map is a list of its entries.
        .list, .large_list, .map => try fillList(api, node, vector, at, count),
    }
    copyValidity(api, node, vector, at, count);
}

/// Physical row `row` of a node of no children, written as value `i` of
/// `vector` (whose data is `data`): a dictionary's entry, say.
pub fn writeValue(api: *const duckdb.Api, node: Node, vector: duckdb.Vector, data: [*]u8, i: usize, row: usize) ScanError!void {
    switch (node.kind) {
        .int, .float, .timestamp, .date32 => {
            const width = node.kind.width().?;
            @memcpy(data[i * width ..][0..width], node.values.?[row * width ..][0..width]);
        },
        .bool => data[i] = @intFromBool(bit(node.values.?, row)),
        .utf8, .large_utf8, .binary, .large_binary => strings.put(api, vector, @ptrCast(@alignCast(data)), i, try strings.bytesAt(node, row)),
        .fixed_size_binary => strings.put(api, vector, @ptrCast(@alignCast(data)), i, strings.fixedAt(node, row)),
        .date64, .time, .duration, .decimal, .interval => try convert(node, data, i, row),
        else => unreachable, // duckdb_scan.zig `copy` refuses a dictionary of anything else
    }
}

/// 10^n for the 38 digits DuckDB's DECIMAL holds at most.
const powers_of_ten = blk: {
    var table: [39]u128 = undefined;
    table[0] = 1;
    for (1..table.len) |n| table[n] = table[n - 1] * 10;
    break :blk table;
};

/// Rows of a list: each offset read once, the whole range checked never to
/// go back and to end within the items, then the items of all the rows
/// written into the list's child in one range.
fn fillList(api: *const duckdb.Api, node: Node, vector: duckdb.Vector, at: usize, count: usize) ScanError!void {
    const items = node.children[0];
    if (count == 0 or node.values == null) return;
    const entries: [*]duckdb.ListEntry = @ptrCast(@alignCast(api.duckdb_vector_get_data(vector).?));
    const first = strings.offset(node, at);
    var low = first;
    if (first < 0) return error.OutOfBounds;
    for (0..count) |i| {
        const high = strings.offset(node, at + i + 1);
        if (high < low or high > items.length) return error.OutOfBounds;
        entries[i] = .{ .offset = @intCast(low - first), .length = @intCast(high - low) };
        if (node.kind == .map and (node.validity == null or bit(node.validity.?, at + i))) {
            try maps.checkKeys(items.children[0], @intCast(low), @intCast(high));
        }
        low = high;
    }
    const total: usize = @intCast(low - first);
    const child = api.duckdb_list_vector_get_child(vector);
    if (api.duckdb_list_vector_reserve(vector, total) != .success) return error.OutOfRange;
    try fill(api, items, child, @intCast(first), total);
    if (api.duckdb_list_vector_set_size(vector, total) != .success) return error.OutOfRange;
}

/// Row `row` (physical) of a node DuckDB stores otherwise, written as value `i` of `data`.
fn convert(node: Node, data: [*]u8, i: usize, row: usize) ScanError!void {
    const bytes = node.values.?;
    const read = struct {
        fn int(comptime T: type, b: [*]const u8, r: usize) T {
            return std.mem.readInt(T, b[r * @sizeOf(T) ..][0..@sizeOf(T)], .little);
        }
    }.int;
    switch (node.kind) {
        .date64 => {
            const days = std.math.cast(i32, @divFloor(read(i64, bytes, row), std.time.ms_per_day)) orelse return error.OutOfRange;
            std.mem.writeInt(i32, data[i * 4 ..][0..4], days, .little);
        },
        .time => |unit| {
            const micros: i64 = switch (unit) {
                's' => @as(i64, read(i32, bytes, row)) * std.time.us_per_s,
                'm' => @as(i64, read(i32, bytes, row)) * std.time.us_per_ms,
                'u' => read(i64, bytes, row),
                else => @divTrunc(read(i64, bytes, row), std.time.ns_per_us),
            };
            std.mem.writeInt(i64, data[i * 8 ..][0..8], micros, .little);
        },
        .duration => |unit| {
            const value = read(i64, bytes, row);
            const micros = switch (unit) {
                's' => std.math.mul(i64, value, std.time.us_per_s) catch return error.OutOfRange,
                'm' => std.math.mul(i64, value, std.time.us_per_ms) catch return error.OutOfRange,
                'u' => value,
                else => @divTrunc(value, std.time.ns_per_us),
            };
            const interval: duckdb.Interval = .{ .months = 0, .days = 0, .micros = micros };
            @memcpy(data[i * 16 ..][0..16], std.mem.asBytes(&interval));
        },
        .interval => |unit| {
            // Arrow's three layouts (kind.zig); nanoseconds cut to DuckDB's microseconds as its own Arrow scan does.
            const interval: duckdb.Interval = switch (unit) {
                'M' => .{ .months = read(i32, bytes, row), .days = 0, .micros = 0 },
                'D' => .{ .months = 0, .days = read(i32, bytes, row * 2), .micros = @as(i64, read(i32, bytes, row * 2 + 1)) * std.time.us_per_ms },
                else => .{ .months = read(i32, bytes, row * 4), .days = read(i32, bytes, row * 4 + 1), .micros = @divTrunc(read(i64, bytes, row * 2 + 1), std.time.ns_per_us) },
            };
            @memcpy(data[i * 16 ..][0..16], std.mem.asBytes(&interval));
        },
        .decimal => |d| {
            // A decimal256 holds more digits than DuckDB's 38: a value that needs them is refused, not cut.
            const value: i128 = if (d.bytes == 16) read(i128, bytes, row) else std.math.cast(i128, read(i256, bytes, row)) orelse return error.OutOfRange;
            // So is any of more digits than its precision says, which DuckDB would print wrong.
            if (@abs(value) >= powers_of_ten[d.precision]) return error.OutOfRange;
            const out = data[i * decimalBytes(d.precision) ..];
            // Within its precision, a value fits the width DuckDB stores that precision in.
            switch (decimalBytes(d.precision)) {
                2 => std.mem.writeInt(i16, out[0..2], @intCast(value), .little),
                4 => std.mem.writeInt(i32, out[0..4], @intCast(value), .little),
                8 => std.mem.writeInt(i64, out[0..8], @intCast(value), .little),
                else => std.mem.writeInt(i128, out[0..16], value, .little),
            }
        },
        else => unreachable,
    }
}

/// The node's nulls into the vector's mask (a null struct's fields made null too).
fn copyValidity(api: *const duckdb.Api, node: Node, vector: duckdb.Vector, at: usize, count: usize) void {
    const validity = node.validity orelse return;
    // Whole bytes of Arrow's bitmap are DuckDB's mask bytes (bit set: valid), when they line up.
    const aligned = at % 8 == 0 and node.kind != .@"struct";
    const whole = if (aligned) count / 8 else 0;
    const bytes = validity[at / 8 ..][0..whole];
    var nulls = std.mem.indexOfNone(u8, bytes, &.{0xff}) != null;
    for (whole * 8..count) |i| nulls = nulls or !bit(validity, at + i);
    if (!nulls) return;
    api.duckdb_vector_ensure_validity_writable(vector);
    const mask = api.duckdb_vector_get_validity(vector) orelse return;
    @memcpy(@as([*]u8, @ptrCast(mask))[0..whole], bytes);
    for (whole * 8..count) |i| {
        if (bit(validity, at + i)) continue;
        mask[i / 64] &= ~(@as(u64, 1) << @intCast(i % 64));
        // A null struct's fields are null too, as DuckDB's own Arrow scan makes them.
        if (node.kind == .@"struct") for (0..node.children.len) |k| {
            const child = api.duckdb_struct_vector_get_child(vector, k);
            api.duckdb_vector_ensure_validity_writable(child);
            const child_mask = api.duckdb_vector_get_validity(child) orelse continue;
            child_mask[i / 64] &= ~(@as(u64, 1) << @intCast(i % 64));
        };
    }
}
