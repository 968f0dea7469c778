//! The keys of a registered map, checked as DuckDB's MAP needs them (its own
//! Arrow scan refuses the same): in each map that is not null, no key null and
//! no key twice. Keys are compared by the bytes Arrow stores them in (a
//! dictionary-encoded key by the value its checked index points at), so a
//! float key of 0.0 and one of -0.0 count as two.

const std = @import("std");
const vectors = @import("duckdb_vectors.zig");
const strings = @import("duckdb_strings.zig");
const dictionaries = @import("duckdb_dictionary.zig");
const zerocopy = @import("../zerocopy.zig");
const Node = vectors.Node;
const ScanError = strings.ScanError;
const bit = strings.bit;

/// Keys a map may have before they are sorted rather than compared pairwise.
const pairwise_keys = 16;

/// Whether a map of these keys can be checked: keys of one level.
pub fn checkable(keys: Node) bool {
    return keys.children.len == 0;
}

const bools = [2]u8{ 0, 1 };

/// The bytes of key `row` (physical): equal keys, equal bytes.
fn keyBytes(keys: Node, row: usize) ScanError![]const u8 {
    if (keys.validity) |v| if (!bit(v, row)) return error.InvalidMap;
    if (keys.dictionary) |values| {
        const entry = values.start + try dictionaries.indexAt(keys, row, values.length);
        return keyBytes(values.*, entry);
    }
    return switch (keys.kind) {
        .bool => bools[@intFromBool(bit(keys.values.?, row))..][0..1],
        .utf8, .large_utf8, .binary, .large_binary => strings.bytesAt(keys, row),
        .fixed_size_binary => strings.fixedAt(keys, row),
        else => keys.values.?[row * keys.kind.width().? ..][0..keys.kind.width().?],
    };
}

fn lessThan(_: void, a: []const u8, b: []const u8) bool {
    return std.mem.lessThan(u8, a, b);
}

/// Checks the keys of entries `from .. to` (the child's rows one map spans).
pub fn checkKeys(keys: Node, from: usize, to: usize) ScanError!void {
    const n = to - from;
    if (n <= pairwise_keys) {
        var seen: [pairwise_keys][]const u8 = undefined;
        for (0..n) |k| {
            seen[k] = try keyBytes(keys, keys.start + from + k);
            for (seen[0..k]) |other| if (std.mem.eql(u8, other, seen[k])) return error.InvalidMap;
        }
        return;
    }
    const allocator = zerocopy.default_allocator.*;
    const sorted = allocator.alloc([]const u8, n) catch return error.OutOfMemory;
    defer allocator.free(sorted);
    for (sorted, 0..) |*key, k| key.* = try keyBytes(keys, keys.start + from + k);
    std.mem.sort([]const u8, sorted, {}, lessThan);
    for (sorted[1..], sorted[0 .. n - 1]) |a, b| if (std.mem.eql(u8, a, b)) return error.InvalidMap;
}
