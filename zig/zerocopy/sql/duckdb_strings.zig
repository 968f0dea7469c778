//! The scan's rows of bytes (utf8, binary, either with i64 offsets, and
//! fixed-size binary), written as DuckDB strings. Every offset is read once
//! and checked before it is followed: the memory behind a registered source
//! may change under a scan, where a read goes may not (duckdb_scan.zig `copy`
//! bounds the characters).

const std = @import("std");
const duckdb = @import("duckdb_api.zig");
const Node = @import("duckdb_vectors.zig").Node;

pub const ScanError = error{ OutOfBounds, OutOfRange, OutOfMemory, InvalidMap };

pub fn bit(bytes: [*]const u8, at: usize) bool {
    return bytes[at / 8] & (@as(u8, 1) << @intCast(at % 8)) != 0;
}

/// Offset `i` of a node of ranges (of bytes, or of a list's items), as its width stores it.
pub fn offset(node: Node, i: usize) i64 {
    const values = node.values.?;
    return switch (node.kind.offsetWidth().?) {
        4 => std.mem.readInt(i32, values[i * 4 ..][0..4], .little),
        else => std.mem.readInt(i64, values[i * 8 ..][0..8], .little),
    };
}

/// The bytes of physical row `row` of a node of bytes, checked against the characters it was given.
pub fn bytesAt(node: Node, row: usize) ScanError![]const u8 {
    const low = offset(node, row);
    const high = offset(node, row + 1);
    if (low < 0 or high < low or high > node.characters_len) return error.OutOfBounds;
    const len: usize = @intCast(high - low);
    if (len == 0) return "";
    return (node.characters orelse return error.OutOfBounds)[@intCast(low)..][0..len];
}

pub fn put(api: *const duckdb.Api, vector: duckdb.Vector, strings: [*]duckdb.String, i: usize, text: []const u8) void {
    if (text.len <= duckdb.String.inline_bytes) {
        // Short strings live in the vector itself (duckdb.h `duckdb_string_t`): no call, no heap.
        strings[i] = .{ .length = @intCast(text.len) };
        @memcpy(strings[i].inlined[0..text.len], text);
    } else api.duckdb_vector_assign_string_element_len(vector, i, text.ptr, text.len);
}

/// The bytes of physical row `row` of a fixed-size binary node (its buffer's
/// size was checked against the rows when the batch was added).
pub fn fixedAt(node: Node, row: usize) []const u8 {
    const size = node.kind.fixed_size_binary;
    return node.values.?[row * size ..][0..size];
}

/// Rows `at .. at + count` (physical) of a fixed-size binary node into a BLOB vector.
pub fn fillFixed(api: *const duckdb.Api, node: Node, vector: duckdb.Vector, at: usize, count: usize) void {
    if (node.values == null) return;
    const strings: [*]duckdb.String = @ptrCast(@alignCast(api.duckdb_vector_get_data(vector).?));
    for (0..count) |i| {
        if (node.validity) |v| if (!bit(v, at + i)) continue;
        put(api, vector, strings, i, fixedAt(node, at + i));
    }
}

/// Rows `at .. at + count` (physical) of a node of bytes into a VARCHAR or BLOB vector.
pub fn fillBytes(api: *const duckdb.Api, node: Node, vector: duckdb.Vector, at: usize, count: usize) ScanError!void {
    if (node.values == null) return;
    const strings: [*]duckdb.String = @ptrCast(@alignCast(api.duckdb_vector_get_data(vector).?));
    for (0..count) |i| {
        if (node.validity) |v| if (!bit(v, at + i)) continue;
        put(api, vector, strings, i, try bytesAt(node, at + i));
    }
}

pub fn setNull(api: *const duckdb.Api, vector: duckdb.Vector, i: usize) void {
    api.duckdb_vector_ensure_validity_writable(vector);
    const mask = api.duckdb_vector_get_validity(vector) orelse return;
    mask[i / 64] &= ~(@as(u64, 1) << @intCast(i % 64));
}
