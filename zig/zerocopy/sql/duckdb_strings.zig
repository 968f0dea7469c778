//! The scan's rows of bytes (utf8, binary, either with i64 offsets) and of
//! dictionary-encoded bytes, written as DuckDB strings. Every offset and
//! every index is read once and checked before it is followed: the memory
//! behind a registered source may change under a scan, where a read goes
//! may not (duckdb_scan.zig `copy` bounds the characters and the dictionary).

const std = @import("std");
const duckdb = @import("duckdb_api.zig");
const Node = @import("duckdb_vectors.zig").Node;

pub const ScanError = error{ OutOfBounds, OutOfRange };

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
fn bytesAt(node: Node, row: usize) ScanError![]const u8 {
    const low = offset(node, row);
    const high = offset(node, row + 1);
    if (low < 0 or high < low or high > node.characters_len) return error.OutOfBounds;
    const len: usize = @intCast(high - low);
    if (len == 0) return "";
    return (node.characters orelse return error.OutOfBounds)[@intCast(low)..][0..len];
}

fn put(api: *const duckdb.Api, vector: duckdb.Vector, strings: [*]duckdb.String, i: usize, text: []const u8) void {
    if (text.len <= duckdb.String.inline_bytes) {
        // Short strings live in the vector itself (duckdb.h `duckdb_string_t`): no call, no heap.
        strings[i] = .{ .length = @intCast(text.len) };
        @memcpy(strings[i].inlined[0..text.len], text);
    } else api.duckdb_vector_assign_string_element_len(vector, i, text.ptr, text.len);
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

/// Index `row` (physical) of a dictionary's indices, whatever their integer width.
fn indexAt(node: Node, row: usize) ScanError!usize {
    const int = node.kind.int;
    const bytes = node.values.?[row * int.bytes ..];
    const index: i128 = switch (int.bytes) {
        1 => if (int.signed) @as(i8, @bitCast(bytes[0])) else bytes[0],
        2 => if (int.signed) std.mem.readInt(i16, bytes[0..2], .little) else std.mem.readInt(u16, bytes[0..2], .little),
        4 => if (int.signed) std.mem.readInt(i32, bytes[0..4], .little) else std.mem.readInt(u32, bytes[0..4], .little),
        else => if (int.signed) std.mem.readInt(i64, bytes[0..8], .little) else std.mem.readInt(u64, bytes[0..8], .little),
    };
    return std.math.cast(usize, index) orelse error.OutOfBounds;
}

/// Rows of a dictionary-encoded node: each row's index checked against the
/// dictionary's length, a row whose entry is null made null. The node's own
/// validity is in the vector already.
pub fn fillDictionary(api: *const duckdb.Api, node: Node, vector: duckdb.Vector, at: usize, count: usize) ScanError!void {
    const dictionary = node.dictionary.?.*;
    const strings: [*]duckdb.String = @ptrCast(@alignCast(api.duckdb_vector_get_data(vector).?));
    for (0..count) |i| {
        if (node.validity) |v| if (!bit(v, at + i)) continue;
        const index = try indexAt(node, at + i);
        if (index >= dictionary.length) return error.OutOfBounds;
        const entry = dictionary.start + index;
        if (dictionary.validity) |v| if (!bit(v, entry)) {
            setNull(api, vector, i);
            continue;
        };
        put(api, vector, strings, i, try bytesAt(dictionary, entry));
    }
}

pub fn setNull(api: *const duckdb.Api, vector: duckdb.Vector, i: usize) void {
    api.duckdb_vector_ensure_validity_writable(vector);
    const mask = api.duckdb_vector_get_validity(vector) orelse return;
    mask[i / 64] &= ~(@as(u64, 1) << @intCast(i % 64));
}
