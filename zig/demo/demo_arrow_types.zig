//! The demo batch of the types SQL engines exchange (dictionaries, dates,
//! times, durations, decimals, intervals, binaries, lists), whose values
//! tests/arrow_types_import_test.ts and tools/arrow_pyarrow_check.py compute
//! again from the physical row `p`.

const std = @import("std");
const zerocopy = @import("../zerocopy/zerocopy.zig");
const arrow = zerocopy.arrow;

/// Options, as `zc_arrow_demo_batch` takes them: nulls (every row `p % 4 == 1`
/// of each top-level column), and every column starting 3 rows into its buffers.
pub const with_nulls: u32 = 1;
pub const sliced: u32 = 2;
const sliced_rows = 3;

/// What the dictionary columns' indices point at.
pub const dictionary_words = [_][]const u8{ "red", "green", "", "blue é" };

pub fn typesBatch(rows: usize, options: u32, out: *zerocopy.Descriptor) (arrow.batch.Error || error{Overflow})!void {
    var arena_state: std.heap.ArenaAllocator = .init(std.heap.c_allocator);
    defer arena_state.deinit();
    const arena = arena_state.allocator();
    const offset: usize = if (options & sliced != 0) sliced_rows else 0;
    const n = try std.math.add(usize, rows, offset);
    const valid = try arena.alloc(bool, n);
    const dict8 = try arena.alloc(i8, n);
    const dict32 = try arena.alloc(i32, n);
    const date32 = try arena.alloc(i32, n);
    const date64 = try arena.alloc(i64, n);
    const time32 = try arena.alloc(i32, n);
    const time64 = try arena.alloc(i64, n);
    const durations = try arena.alloc(i64, n);
    const stamps = try arena.alloc(i64, n);
    const decimals = try arena.alloc(i128, n);
    const intervals = try arena.alloc(arrow.batch.MonthDayNano, n);
    const fixed = try arena.alloc(u8, n * 3);
    const large = try arena.alloc([]const u8, n);
    const binary = try arena.alloc([]const u8, n);
    const large_binary = try arena.alloc([]const u8, n);
    const list_offsets = try arena.alloc(i32, n + 1);
    const large_list_offsets = try arena.alloc(i64, n + 1);
    var ints: std.ArrayList(i32) = .empty;
    var words: std.ArrayList([]const u8) = .empty;
    list_offsets[0] = 0;
    large_list_offsets[0] = 0;
    for (0..n) |p| {
        const q: i64 = @intCast(p);
        valid[p] = p % 4 != 1;
        dict8[p] = @intCast(p % 4);
        dict32[p] = @intCast((p + 1) % 4);
        date32[p] = @intCast(19_000 + q);
        date64[p] = (19_000 + q) * 86_400_000;
        time32[p] = @intCast(@mod(q * 1000, 86_400_000));
        time64[p] = @mod(q * 1_000_000_007, 86_400_000_000_000);
        durations[p] = q * 7 - 20;
        stamps[p] = 1_700_000_000_000_000_000 + q;
        decimals[p] = (@as(i128, q) - 5) * 12345;
        intervals[p] = .{ .months = @intCast(q), .days = @intCast(-q), .nanoseconds = q * 1_000_000_007 };
        for (0..3) |k| fixed[p * 3 + k] = @intCast((p + k) % 251);
        large[p] = try std.fmt.allocPrint(arena, "L{d}", .{p});
        binary[p] = try std.fmt.allocPrint(arena, "b{d}", .{p});
        large_binary[p] = try std.fmt.allocPrint(arena, "B{d}", .{p});
        for (0..p % 4) |k| try ints.append(arena, @intCast(p * 10 + k));
        for (0..p % 3) |k| try words.append(arena, try std.fmt.allocPrint(arena, "{d}.{d}", .{ p, k }));
        list_offsets[p + 1] = @intCast(ints.items.len);
        large_list_offsets[p + 1] = @intCast(words.items.len);
    }
    const values: arrow.Column = .{ .values = .{ .utf8 = &dictionary_words }, .nullable = false };
    const int_items: arrow.Column = .{ .name = "item", .values = .{ .i32 = ints.items } };
    const word_items: arrow.Column = .{ .name = "item", .values = .{ .utf8 = words.items } };
    var columns = [_]arrow.Column{
        .{ .name = "dict8", .values = .{ .dictionary = .{ .indices = .{ .i8 = dict8 }, .values = &values } } },
        .{ .name = "dict32", .values = .{ .dictionary = .{ .indices = .{ .i32 = dict32 }, .values = &values } } },
        .{ .name = "date32", .values = .{ .date32 = date32 } },
        .{ .name = "date64", .values = .{ .date64 = date64 } },
        .{ .name = "time32", .values = .{ .time32 = .{ .unit = .millisecond, .values = time32 } } },
        .{ .name = "time64", .values = .{ .time64 = .{ .unit = .nanosecond, .values = time64 } } },
        .{ .name = "duration", .values = .{ .duration = .{ .unit = .microsecond, .values = durations } } },
        .{ .name = "ts_ns", .values = .{ .timestamp = .{ .unit = .nanosecond, .tz = "Europe/Paris", .values = stamps } } },
        .{ .name = "decimal", .values = .{ .decimal128 = .{ .precision = 10, .scale = 2, .values = decimals } } },
        .{ .name = "interval", .values = .{ .interval_month_day_nano = intervals } },
        .{ .name = "fixed", .values = .{ .fixed_size_binary = .{ .size = 3, .bytes = fixed } } },
        .{ .name = "large_utf8", .values = .{ .large_utf8 = large } },
        .{ .name = "binary", .values = .{ .binary = binary } },
        .{ .name = "large_binary", .values = .{ .large_binary = large_binary } },
        .{ .name = "list", .values = .{ .list = .{ .offsets = list_offsets, .items = &int_items } } },
        .{ .name = "large_list", .values = .{ .large_list = .{ .offsets = large_list_offsets, .items = &word_items } } },
    };
    for (&columns) |*column| {
        column.offset = offset;
        if (options & with_nulls != 0) column.validity = valid;
    }
    try arrow.handOverBatch(zerocopy.default_allocator, &columns, out);
}

test "the types batch reads back as it was built, and refuses lists and dictionaries that lie" {
    var descriptor: zerocopy.Descriptor = undefined;
    try typesBatch(10, with_nulls | sliced, &descriptor);
    var schema: arrow.ArrowSchema = undefined;
    var array: arrow.ArrowArray = undefined;
    try arrow.moveOut(&descriptor, &schema, &array);
    defer schema.release.?(&schema);
    defer array.release.?(&array);
    const root = try arrow.ColumnReader.init(&schema, &array, 0);
    _ = try arrow.checksum(&schema, &array);
    const dict = try root.child(0);
    const words = (try dict.dictionary()).?;
    try std.testing.expectEqualStrings("blue é", try words.string(try dict.index(0, words))); // p = 3
    try std.testing.expectEqualStrings("d:10,2", (try root.child(8)).schema.formatString());
    const list = try root.child(14);
    const range = try list.listRange(2); // p = 5: 1 item
    try std.testing.expectEqual(@as(i32, 50), (try list.child(0)).value(i32, range.from));
    try std.testing.expectEqualStrings("B4", try (try root.child(13)).string(1));

    const items: arrow.Column = .{ .values = .{ .i32 = &.{ 1, 2 } } };
    try std.testing.expectError(error.InvalidColumn, arrow.handOverBatch(zerocopy.default_allocator, &.{
        .{ .values = .{ .list = .{ .offsets = &.{ 0, 2, 3 }, .items = &items } } },
    }, &descriptor));
    try std.testing.expectError(error.InvalidColumn, arrow.handOverBatch(zerocopy.default_allocator, &.{
        .{ .values = .{ .list = .{ .offsets = &.{ 0, 2, 1 }, .items = &items } } },
    }, &descriptor));
    const words_column: arrow.Column = .{ .values = .{ .utf8 = &.{"a"} } };
    try std.testing.expectError(error.InvalidColumn, arrow.handOverBatch(zerocopy.default_allocator, &.{
        .{ .values = .{ .dictionary = .{ .indices = .{ .i16 = &.{ 0, 1 } }, .values = &words_column } } },
    }, &descriptor));
    // A null row's index is not read.
    try arrow.handOverBatch(zerocopy.default_allocator, &.{
        .{ .values = .{ .dictionary = .{ .indices = .{ .i16 = &.{ 0, 7 } }, .values = &words_column } }, .validity = &.{ true, false } },
    }, &descriptor);
    @import("../zerocopy/handover.zig").release(&descriptor);
}
