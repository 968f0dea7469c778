//! The scan's conversions and checks that need no DuckDB: intervals and
//! decimals as DuckDB stores them, dictionary indices and map keys refused
//! when they lie. (The scan itself runs against libduckdb in
//! tests/sql_register_*_test.ts.)

const std = @import("std");
const testing = std.testing;
const duckdb = @import("duckdb_api.zig");
const vectors = @import("duckdb_vectors.zig");
const dictionaries = @import("duckdb_dictionary.zig");
const maps = @import("duckdb_maps.zig");
const Node = vectors.Node;

fn node(kind: @import("../arrow/reader.zig").Kind, values: []const u8, length: usize) Node {
    return .{ .kind = kind, .zoned = false, .name = "x", .start = 0, .length = length, .validity = null, .values = values.ptr, .characters = null, .characters_len = 0, .children = &.{} };
}

/// Value `row` of `n` as the scan writes it into a vector's data (no string kinds: no DuckDB call).
fn written(comptime T: type, n: Node, row: usize) !T {
    var data: [16]u8 align(16) = @splat(0);
    try vectors.writeValue(undefined, n, null, &data, 0, row);
    return std.mem.bytesToValue(T, data[0..@sizeOf(T)]);
}

test "intervals of each unit become DuckDB's months, days and microseconds" {
    const months = [_]i32{ 14, -3 };
    try testing.expectEqual(duckdb.Interval{ .months = -3, .days = 0, .micros = 0 }, try written(duckdb.Interval, node(.{ .interval = 'M' }, std.mem.sliceAsBytes(&months), 2), 1));
    const day_time = [_]i32{ 2, 1500, -1, -20 };
    try testing.expectEqual(duckdb.Interval{ .months = 0, .days = -1, .micros = -20_000 }, try written(duckdb.Interval, node(.{ .interval = 'D' }, std.mem.sliceAsBytes(&day_time), 2), 1));
    const Mdn = extern struct { months: i32, days: i32, nanos: i64 };
    const mdn = [_]Mdn{ .{ .months = 1, .days = 2, .nanos = 3_999 }, .{ .months = -5, .days = 40, .nanos = -7_000_000_001 } };
    const n = node(.{ .interval = 'n' }, std.mem.sliceAsBytes(&mdn), 2);
    try testing.expectEqual(duckdb.Interval{ .months = 1, .days = 2, .micros = 3 }, try written(duckdb.Interval, n, 0));
    // Cut toward zero, as DuckDB's own Arrow scan does.
    try testing.expectEqual(duckdb.Interval{ .months = -5, .days = 40, .micros = -7_000_000 }, try written(duckdb.Interval, n, 1));
}

test "a decimal256 narrows to DuckDB's width when it fits its precision, and is refused otherwise" {
    const values = [_]i256{ -12345, std.math.maxInt(i128), @as(i256, 1) << 200, 99_999 };
    const wide = std.mem.sliceAsBytes(&values);
    const d = node(.{ .decimal = .{ .precision = 5, .scale = 2, .bytes = 32 } }, wide, 4);
    try testing.expectEqual(@as(i32, -12345), try written(i32, d, 0));
    try testing.expectEqual(@as(i32, 99_999), try written(i32, d, 3));
    try testing.expectError(error.OutOfRange, written(i32, d, 1)); // more digits than 5
    const d38 = node(.{ .decimal = .{ .precision = 38, .scale = 0, .bytes = 32 } }, wide, 4);
    try testing.expectError(error.OutOfRange, written(i128, d38, 1)); // 39 digits
    try testing.expectError(error.OutOfRange, written(i128, d38, 2)); // past 128 bits
    try testing.expectEqual(@as(i128, -12345), try written(i128, d38, 0));
}

test "a dictionary index is checked against the dictionary's length whatever its width and sign" {
    const signed = [_]i8{ 0, 2, -1 };
    const s = node(.{ .int = .{ .signed = true, .bytes = 1 } }, std.mem.sliceAsBytes(&signed), 3);
    try testing.expectEqual(@as(usize, 2), try dictionaries.indexAt(s, 1, 3));
    try testing.expectError(error.OutOfBounds, dictionaries.indexAt(s, 1, 2));
    try testing.expectError(error.OutOfBounds, dictionaries.indexAt(s, 2, 3));
    const unsigned = [_]u64{std.math.maxInt(u64)};
    try testing.expectError(error.OutOfBounds, dictionaries.indexAt(node(.{ .int = .{ .signed = false, .bytes = 8 } }, std.mem.sliceAsBytes(&unsigned), 1), 0, 3));
}

test "a map's keys are refused when one is null or twice, pairwise or sorted" {
    var keys: [40]i32 = undefined;
    for (&keys, 0..) |*k, i| k.* = @intCast(i * 3);
    const n = node(.{ .int = .{ .signed = true, .bytes = 4 } }, std.mem.sliceAsBytes(&keys), keys.len);
    try maps.checkKeys(n, 0, 5);
    try maps.checkKeys(n, 0, 40);
    try maps.checkKeys(n, 7, 7);
    keys[39] = 0;
    try maps.checkKeys(n, 1, 40); // the first 0 is outside
    try testing.expectError(error.InvalidMap, maps.checkKeys(n, 0, 40));
    keys[4] = 0;
    try testing.expectError(error.InvalidMap, maps.checkKeys(n, 0, 5));
    var valid: [5]u8 = @splat(0xff);
    valid[1] = 0xfe; // key 8 is null
    var with_nulls = n;
    with_nulls.validity = &valid;
    try testing.expectError(error.InvalidMap, maps.checkKeys(with_nulls, 8, 9));
    try maps.checkKeys(with_nulls, 9, 12);
}
