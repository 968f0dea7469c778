//! Tests of `BatchBuilder`: what it hands over equals what `handOverBatch`
//! makes of the same values, and no path leaks or corrupts the batch.

const std = @import("std");
const testing = std.testing;
const abi = @import("../abi.zig");
const handover = @import("../handover.zig");
const stats = @import("../stats.zig").stats;
const batch = @import("batch.zig");
const directory = @import("directory.zig");
const builder = @import("builder.zig");
const reader = @import("reader.zig");
const c = @import("c_data.zig");
const BatchBuilder = builder.BatchBuilder;
const Descriptor = abi.Descriptor;

const item_spec: builder.Spec = .{ .name = "item", .type = .f32 };
const point_specs = [_]builder.Spec{.{ .name = "x", .type = .u8, .nullable = true }};
const specs = [_]builder.Spec{
    .{ .name = "id", .type = .i32, .nullable = true },
    .{ .name = "label", .type = .{ .utf8 = .{ .capacity = 4 } } },
    .{ .name = "flag", .type = .bool },
    .{ .name = "at", .type = .{ .timestamp = .{ .unit = .microsecond, .tz = "UTC" } } },
    .{ .name = "vec", .type = .{ .fixed_size_list = .{ .size = 2, .items = &item_spec } } },
    .{ .name = "point", .type = .{ .@"struct" = &point_specs } },
};

/// The sample batch of arrow.zig's tests, filled in place.
fn fillSample(b: *BatchBuilder) !void {
    const ids = try b.column(0).values(i32);
    @memcpy(ids, &[_]i32{ 7, 8, 9 });
    b.column(0).validity().?.set(1, false);
    var labels = try (try b.columnNamed("label")).utf8();
    try labels.append("a");
    try labels.append("");
    try labels.append("ccc");
    const flags = try b.column(2).bits();
    flags.set(0, true);
    flags.set(2, true);
    @memcpy(try b.column(3).values(i64), &[_]i64{ 1, 2, 3 });
    @memcpy(try b.column(4).child(0).values(f32), &[_]f32{ 1, 2, 3, 4, 5, 6 });
    @memcpy(try b.column(5).child(0).values(u8), &[_]u8{ 1, 2, 3 });
}

fn sampleCopied(out: *Descriptor) !void {
    const items = [_]f32{ 1, 2, 3, 4, 5, 6 };
    const item_column: batch.Column = .{ .name = "item", .values = .{ .f32 = &items }, .nullable = false };
    const point = [_]batch.Column{.{ .name = "x", .values = .{ .u8 = &.{ 1, 2, 3 } }, .validity = &.{ true, true, true } }};
    try batch.handOverBatch(&testing.allocator, &.{
        .{ .name = "id", .values = .{ .i32 = &.{ 7, 8, 9 } }, .validity = &.{ true, false, true } },
        .{ .name = "label", .values = .{ .utf8 = &.{ "a", "", "ccc" } }, .nullable = false },
        .{ .name = "flag", .values = .{ .bool = &.{ true, false, true } }, .nullable = false },
        .{ .name = "at", .values = .{ .timestamp = .{ .unit = .microsecond, .tz = "UTC", .values = &.{ 1, 2, 3 } } }, .nullable = false },
        .{ .name = "vec", .values = .{ .fixed_size_list = .{ .size = 2, .items = &item_column } }, .nullable = false },
        .{ .name = "point", .values = .{ .@"struct" = &point }, .nullable = false },
    }, out);
}

/// A batch moved out to the C Data structs a consumer gets; `release` ends it.
const Moved = struct {
    schema: c.ArrowSchema,
    array: c.ArrowArray,

    fn release(m: *Moved) void {
        m.array.release.?(&m.array);
        m.schema.release.?(&m.schema);
    }
};

fn moveOut(descriptor: *Descriptor) !Moved {
    var out: Moved = undefined;
    try batch.moveOut(descriptor, &out.schema, &out.array);
    return out;
}

/// `b` finished and moved out.
fn finishOut(b: *BatchBuilder) !Moved {
    var descriptor: Descriptor = undefined;
    b.finish(&descriptor);
    return moveOut(&descriptor);
}

fn checksumOf(descriptor: *Descriptor) !u64 {
    var out = try moveOut(descriptor);
    defer out.release();
    return reader.checksum(&out.schema, &out.array);
}

test "a batch filled in place is the batch handOverBatch makes of the same values" {
    const before = stats();
    var b = try BatchBuilder.init(&testing.allocator, 3, &specs);
    defer b.deinit();
    try fillSample(&b);
    var filled: Descriptor = undefined;
    b.finish(&filled);
    try testing.expect(batch.isBatch(&filled));
    try testing.expectEqual(before.live_buffers + 1, stats().live_buffers);
    const pinned = batch.pin(&filled).?;
    try testing.expectEqual(@as(i64, 1), pinned.array().child(0).null_count);
    try testing.expectEqual(@as(i64, 0), pinned.array().child(1).null_count);
    // The host's directory counts the same nulls.
    try testing.expectEqual(@as(u64, 1), directory.node(pinned.memory(), 1).null_count);
    pinned.unpin();
    var copied: Descriptor = undefined;
    try sampleCopied(&copied);
    try testing.expectEqual(copied.len, filled.len);
    try testing.expectEqual(try checksumOf(&copied), try checksumOf(&filled));
    try testing.expectEqual(before.live_buffers, stats().live_buffers);
}

test "the columns read back as filled, rows never written as empty strings" {
    var b = try BatchBuilder.init(&testing.allocator, 4, &.{
        .{ .name = "s", .type = .{ .utf8 = .{ .capacity = 16 } }, .nullable = true },
        .{ .name = "n", .type = .u16 },
    });
    defer b.deinit();
    try testing.expectEqual(@as(usize, 4), b.rows());
    var s = try b.column(0).utf8();
    try s.append("hello");
    try s.appendNull();
    @memcpy(try b.column(1).values(u16), &[_]u16{ 1, 2, 3, 4 });
    var out = try finishOut(&b);
    defer out.release();
    const root = try reader.Column.init(&out.schema, &out.array, 0);
    const strings = try root.child(0);
    try testing.expectEqualStrings("hello", try strings.string(0));
    try testing.expect(!strings.isValid(1));
    try testing.expect(strings.isValid(2));
    try testing.expectEqualStrings("", try strings.string(3));
    try testing.expectEqual(@as(i64, 1), strings.array.null_count);
    try testing.expectEqual(@as(u16, 4), (try root.child(1)).value(u16, 3));
    _ = try reader.checksum(&out.schema, &out.array);
}

test "a string past the declared capacity or the row count is refused and changes nothing" {
    var b = try BatchBuilder.init(&testing.allocator, 2, &.{.{ .name = "s", .type = .{ .utf8 = .{ .capacity = 5 } } }});
    defer b.deinit();
    var s = try b.column(0).utf8();
    try s.append("abc");
    try testing.expectError(error.Utf8Overflow, s.append("def"));
    try testing.expectEqual(@as(usize, 2), s.remaining());
    try s.append("de");
    try testing.expectError(error.TooManyRows, s.append(""));
    try testing.expectEqualSlices(i32, &.{ 0, 3, 5 }, s.offsets);
    try testing.expectEqualStrings("abcde", s.characters[0..5]);
}

test "asking a column for the wrong type is an error" {
    var b = try BatchBuilder.init(&testing.allocator, 1, &specs);
    defer b.deinit();
    try testing.expectError(error.TypeMismatch, b.column(0).values(u32));
    try testing.expectError(error.TypeMismatch, b.column(0).utf8());
    try testing.expectError(error.TypeMismatch, b.column(1).bits());
    try testing.expectError(error.NoSuchColumn, b.columnNamed("nope"));
    _ = try b.column(3).values(i64); // a timestamp's values are i64
    try testing.expect(b.column(2).validity() == null);
}

test "a builder abandoned midway frees its memory; deinit after finish does nothing" {
    const before = stats();
    {
        var b = try BatchBuilder.init(&testing.allocator, 1000, &specs);
        defer b.deinit();
        _ = try b.column(0).values(i32);
    }
    var b = try BatchBuilder.init(&testing.allocator, 3, &specs);
    try fillSample(&b);
    var descriptor: Descriptor = undefined;
    b.finish(&descriptor);
    b.deinit();
    b.deinit();
    handover.release(&descriptor);
    try testing.expectEqual(before.live_buffers, stats().live_buffers);
}

test "a failed allocation leaves nothing allocated and nothing handed over" {
    var failing = std.testing.FailingAllocator.init(testing.allocator, .{ .fail_index = 0 });
    const allocator = failing.allocator();
    try testing.expectError(error.OutOfMemory, BatchBuilder.init(&allocator, 10, &specs));
    var descriptor: Descriptor = undefined;
    try testing.expectError(error.OutOfMemory, batch.handOverBatch(&allocator, &.{.{ .values = .{ .i8 = &.{1} } }}, &descriptor));
    try testing.expectEqual(Descriptor.released, descriptor);
    try testing.expectEqual(@as(usize, 0), failing.allocated_bytes);
}

test "declarations that cannot be laid out are refused before anything is allocated" {
    try testing.expectError(error.InvalidColumn, BatchBuilder.init(&testing.allocator, 1, &.{
        .{ .type = .{ .utf8 = .{ .capacity = @as(usize, std.math.maxInt(i32)) + 1 } } },
    }));
    try testing.expectError(error.InvalidColumn, BatchBuilder.init(&testing.allocator, 1, &.{
        .{ .type = .{ .fixed_size_list = .{ .size = 0, .items = &item_spec } } },
    }));
    try testing.expectError(error.OutOfMemory, BatchBuilder.init(&testing.allocator, std.math.maxInt(usize) / 4, &.{.{ .type = .f64 }}));
}

test "a builder fills dates, times, durations, decimals, intervals and fixed-size binaries in place" {
    var b = try BatchBuilder.init(&testing.allocator, 3, &.{
        .{ .name = "day", .type = .date32 },
        .{ .name = "at", .type = .{ .time64 = .nanosecond }, .nullable = true },
        .{ .name = "took", .type = .{ .duration = .millisecond } },
        .{ .name = "price", .type = .{ .decimal128 = .{ .precision = 12, .scale = 2 } } },
        .{ .name = "every", .type = .interval_month_day_nano },
        .{ .name = "hash", .type = .{ .fixed_size_binary = 4 } },
    });
    defer b.deinit();
    try testing.expectError(error.TypeMismatch, b.column(0).values(i64));
    try testing.expectError(error.TypeMismatch, b.column(3).values(i64));
    const days = try b.column(0).values(i32);
    const times = try b.column(1).values(i64);
    const took = try b.column(2).values(i64);
    const prices = try b.column(3).values(i128);
    const every = try b.column(4).values(batch.MonthDayNano);
    const hashes = try b.column(5).values(u8);
    try testing.expectEqual(@as(usize, 12), hashes.len);
    for (0..3) |i| {
        const n: i32 = @intCast(i);
        days[i] = 19_000 + n;
        times[i] = n * 1_000_000_000;
        took[i] = -n;
        prices[i] = @as(i128, n) * 100 + 5;
        every[i] = .{ .months = n, .days = 1, .nanoseconds = 7 };
        @memset(hashes[i * 4 ..][0..4], @intCast(i));
    }
    b.column(1).validity().?.set(2, false);
    var out = try finishOut(&b);
    defer out.release();
    const root = try reader.Column.init(&out.schema, &out.array, 0);
    try testing.expectEqualStrings("d:12,2", (try root.child(3)).schema.formatString());
    try testing.expectEqual(@as(i128, 105), (try root.child(3)).value(i128, 1));
    try testing.expectEqual(@as(i64, 1), (try root.child(1)).array.null_count);
    try testing.expectEqualStrings("w:4", (try root.child(5)).schema.formatString());
    try testing.expectEqual(@as(u8, 2), (try root.child(5)).valueBytes(2)[3]);
    _ = try reader.checksum(&out.schema, &out.array);
}

test "a builder appends large utf8, binary and large binary rows, rows never written empty" {
    var b = try BatchBuilder.init(&testing.allocator, 4, &.{
        .{ .name = "big", .type = .{ .large_utf8 = .{ .capacity = 16 } }, .nullable = true },
        .{ .name = "raw", .type = .{ .binary = .{ .capacity = 8 } } },
        .{ .name = "blob", .type = .{ .large_binary = .{ .capacity = 8 } } },
    });
    defer b.deinit();
    try testing.expectError(error.TypeMismatch, b.column(0).strings(i32));
    try testing.expectError(error.TypeMismatch, b.column(0).utf8());
    var big = try b.column(0).strings(i64);
    var raw = try b.column(1).strings(i32);
    var blob = try b.column(2).strings(i64);
    try big.append("héllo");
    try big.appendNull();
    try big.append("x");
    try raw.append(&.{ 0, 1, 2 });
    try testing.expectError(error.Utf8Overflow, raw.append("123456"));
    try blob.append(&.{0xff});
    var out = try finishOut(&b);
    defer out.release();
    const root = try reader.Column.init(&out.schema, &out.array, 0);
    const column = try root.child(0);
    try testing.expectEqualStrings("U", column.schema.formatString());
    try testing.expectEqualStrings("héllo", try column.string(0));
    try testing.expect(!column.isValid(1));
    try testing.expectEqualStrings("", try column.string(3)); // never written
    try testing.expectEqualSlices(u8, &.{ 0, 1, 2 }, try (try root.child(1)).string(0));
    try testing.expectEqualStrings("", try (try root.child(2)).string(2));
    _ = try reader.checksum(&out.schema, &out.array);
}

test "a builder fills lists and dictionaries in place; finish keeps offsets and indices within" {
    const item: builder.Spec = .{ .name = "item", .type = .i32 };
    const word: builder.Spec = .{ .type = .{ .utf8 = .{ .capacity = 16 } } };
    var b = try BatchBuilder.init(&testing.allocator, 4, &.{
        .{ .name = "l", .type = .{ .list = .{ .items = &item, .capacity = 5 } } },
        .{ .name = "ll", .type = .{ .large_list = .{ .items = &item, .capacity = 2 } } },
        .{ .name = "d", .type = .{ .dictionary = .{ .indices = .i16, .values = &word, .size = 3 } }, .nullable = true },
        .{ .name = "strict", .type = .{ .dictionary = .{ .indices = .i8, .values = &word, .size = 2 } } },
    });
    defer b.deinit();
    try testing.expectError(error.TypeMismatch, b.column(0).offsets(i64));
    const offsets = try b.column(0).offsets(i32);
    @memcpy(offsets[0..3], &[_]i32{ 0, 2, 5 }); // rows 2 and 3 never written: empty
    @memcpy(try b.column(0).child(0).values(i32), &[_]i32{ 1, 2, 3, 4, 5 });
    @memcpy(try b.column(1).offsets(i64), &[_]i64{ 0, 1, 9, 1, 2 }); // 9 passes the items, 1 decreases
    var words = try (try b.column(2).dictionary()).utf8();
    for ([_][]const u8{ "red", "green", "blue" }) |w| try words.append(w);
    @memcpy(try b.column(2).values(i16), &[_]i16{ 2, 0, 7, -1 }); // 7 and -1 outside: made null
    var strict_words = try (try b.column(3).dictionary()).utf8();
    try strict_words.append("x");
    try strict_words.append("y");
    @memcpy(try b.column(3).values(i8), &[_]i8{ 1, 5, 0, 1 }); // 5 outside, no bitmap: made 0
    var out = try finishOut(&b);
    defer out.release();
    const root = try reader.Column.init(&out.schema, &out.array, 0);
    _ = try reader.checksum(&out.schema, &out.array);
    const l = try root.child(0);
    try testing.expectEqual(@as(usize, 5), (try l.listRange(1)).to);
    try testing.expectEqual((try l.listRange(3)).from, (try l.listRange(3)).to);
    const ll = try root.child(1);
    try testing.expectEqual(@as(usize, 2), (try ll.listRange(1)).to);
    try testing.expectEqual(@as(usize, 2), (try ll.listRange(3)).to);
    const d = try root.child(2);
    const values = (try d.dictionary()).?;
    try testing.expectEqualStrings("blue", try values.string(try d.index(0, values)));
    try testing.expect(!d.isValid(2) and !d.isValid(3));
    try testing.expectEqual(@as(i64, 2), d.array.null_count);
    const strict = try root.child(3);
    try testing.expectEqual(@as(usize, 0), try strict.index(1, (try strict.dictionary()).?));
}
