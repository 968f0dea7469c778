//! Demo Arrow exports: a batch of every supported type, whose values the tests,
//! tools/arrow_pyarrow_check.py and the benchmark compute again from the row
//! number, and a kernel that checksums a batch another producer lends.

const std = @import("std");
const zerocopy = @import("../zerocopy/zerocopy.zig");
const arrow = zerocopy.arrow;
const foreign = @import("../zerocopy/arrow/foreign.zig");
const types = @import("demo_arrow_types.zig");
const Out = zerocopy.Out;
const Status = zerocopy.Status;

/// `zc_arrow_demo_batch` options.
pub const with_nulls: u32 = 1;
/// Every column starts `sliced_rows` into its buffers (Arrow's `offset`).
pub const sliced: u32 = 2;
pub const sliced_rows = 3;

/// The physical row `p`'s integer, truncated to each integer column's width.
fn integer(p: usize) u64 {
    return @as(u64, p) *% 37 +% 1;
}

fn truncated(comptime T: type, p: usize) T {
    const bits = @typeInfo(T).int.bits;
    return @bitCast(@as(@Int(.unsigned, bits), @truncate(integer(p))));
}

/// Builds the demo batch: `rows` rows of every supported type (tests/_arrow.ts
/// and tools/arrow_pyarrow_check.py compute each value again from its row),
/// with nulls and offsets as `options` asks.
pub fn demoBatch(rows: usize, options: u32, out: *zerocopy.Descriptor) (arrow.batch.Error || error{Overflow})!void {
    var arena_state: std.heap.ArenaAllocator = .init(std.heap.c_allocator);
    defer arena_state.deinit();
    const arena = arena_state.allocator();
    const offset: usize = if (options & sliced != 0) sliced_rows else 0;
    const n = try std.math.add(usize, rows, offset);
    const nulls = options & with_nulls != 0;

    const i8s = try arena.alloc(i8, n);
    const i16s = try arena.alloc(i16, n);
    const i32s = try arena.alloc(i32, n);
    const i64s = try arena.alloc(i64, n);
    const u8s = try arena.alloc(u8, n);
    const u16s = try arena.alloc(u16, n);
    const u32s = try arena.alloc(u32, n);
    const u64s = try arena.alloc(u64, n);
    const f32s = try arena.alloc(f32, n);
    const f64s = try arena.alloc(f64, n);
    const bools = try arena.alloc(bool, n);
    const strings = try arena.alloc([]const u8, n);
    const times = try arena.alloc(i64, n);
    const items = try arena.alloc(f32, n * 4);
    const xs = try arena.alloc(i32, n);
    const ys = try arena.alloc([]const u8, n);
    const valid = try arena.alloc(bool, n);
    const x_valid = try arena.alloc(bool, n);
    const item_valid = try arena.alloc(bool, n * 4);
    for (0..n) |p| {
        i8s[p] = truncated(i8, p);
        i16s[p] = truncated(i16, p);
        i32s[p] = truncated(i32, p);
        i64s[p] = truncated(i64, p);
        u8s[p] = truncated(u8, p);
        u16s[p] = truncated(u16, p);
        u32s[p] = truncated(u32, p);
        u64s[p] = truncated(u64, p);
        f32s[p] = @as(f32, @floatFromInt(p)) * 0.25;
        f64s[p] = @as(f64, @floatFromInt(p)) * 0.5 - 3;
        bools[p] = p % 3 == 0;
        strings[p] = if (p % 5 == 4) "" else try std.fmt.allocPrint(arena, "r{d}", .{p});
        times[p] = 1_700_000_000_000_000 + @as(i64, @intCast(p)) * 1000;
        xs[p] = @intCast(p % (1 << 30));
        ys[p] = try std.fmt.allocPrint(arena, "s{d}", .{p % 7});
        valid[p] = p % 4 != 1;
        x_valid[p] = p % 5 != 2;
    }
    for (items, item_valid, 0..) |*item, *v, q| {
        item.* = @as(f32, @floatFromInt(q)) * 0.5;
        v.* = q % 11 != 3;
    }
    const validity: ?[]const bool = if (nulls) valid else null;
    const item_column: arrow.Column = .{ .name = "item", .values = .{ .f32 = items }, .validity = if (nulls) item_valid else null };
    const point = [_]arrow.Column{
        .{ .name = "x", .values = .{ .i32 = xs }, .validity = if (nulls) x_valid else null },
        .{ .name = "y", .values = .{ .utf8 = ys } },
    };
    var columns = [_]arrow.Column{
        .{ .name = "i8", .values = .{ .i8 = i8s } },
        .{ .name = "i16", .values = .{ .i16 = i16s } },
        .{ .name = "i32", .values = .{ .i32 = i32s } },
        .{ .name = "i64", .values = .{ .i64 = i64s } },
        .{ .name = "u8", .values = .{ .u8 = u8s } },
        .{ .name = "u16", .values = .{ .u16 = u16s } },
        .{ .name = "u32", .values = .{ .u32 = u32s } },
        .{ .name = "u64", .values = .{ .u64 = u64s } },
        .{ .name = "f32", .values = .{ .f32 = f32s } },
        .{ .name = "f64", .values = .{ .f64 = f64s } },
        .{ .name = "bool", .values = .{ .bool = bools } },
        .{ .name = "utf8", .values = .{ .utf8 = strings } },
        .{ .name = "ts", .values = .{ .timestamp = .{ .unit = .microsecond, .tz = "UTC", .values = times } } },
        .{ .name = "vec", .values = .{ .fixed_size_list = .{ .size = 4, .items = &item_column } } },
        .{ .name = "point", .values = .{ .@"struct" = &point } },
    };
    for (&columns) |*column| {
        column.offset = offset;
        column.validity = validity;
    }
    try arrow.handOverBatch(zerocopy.default_allocator, &columns, out);
}

/// The C functions of the Arrow demo, by their exported names.
pub const exports = struct {
    /// A batch of `rows` rows of every supported type; `options` 1 adds nulls,
    /// 2 starts every column 3 rows into its buffers.
    pub fn zc_arrow_demo_batch(rows: u64, options: u32, out: ?*Out(u8)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        demoBatch(rows, options, &target.descriptor) catch |err| return switch (err) {
            error.OutOfMemory => .out_of_memory,
            error.Overflow => .size_overflow,
            error.LengthMismatch, error.InvalidColumn => .invalid_argument,
        };
        return .ok;
    }

    /// Multiplies the "f64" column of a batch this library handed over, in
    /// place: what Deno's table over the same memory must then show.
    pub fn zc_arrow_demo_scale_f64(batch: ?*const zerocopy.Descriptor, factor: f64) callconv(.c) Status {
        const pinned = arrow.pin(batch orelse return .invalid_argument) orelse return .invalid_argument;
        defer pinned.unpin();
        const root = arrow.ColumnReader.initWithin(pinned.schema(), pinned.array(), 0, .{ .memory = pinned.memory() }) catch
            return .invalid_argument;
        for (0..root.childCount()) |i| {
            const column = root.child(i) catch return .invalid_argument;
            if (!std.mem.eql(u8, column.schema.nameString(), "f64")) continue;
            const values: [*]f64 = @ptrCast(@alignCast(@constCast(column.array.buffer(1) orelse return .ok)));
            const start: usize = @intCast(column.array.offset);
            for (values[start..][0..column.len()]) |*v| v.* *= factor;
            return .ok;
        }
        return .invalid_argument;
    }

    /// Checksums a batch lent through the C Data Interface (see
    /// `zerocopy.arrow.checksum`) into `out`; refuses an unsupported format or
    /// layout with `invalid_argument`. Reads only: the batch stays the lender's.
    pub fn zc_arrow_checksum(schema: ?*const arrow.ArrowSchema, array: ?*const arrow.ArrowArray, out: ?*u64) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.* = arrow.checksum(schema orelse return .invalid_argument, array orelse return .invalid_argument) catch
            return .invalid_argument;
        return .ok;
    }
};

/// The raw kernel over C Data structs, for `lendBatch` and its kin. Generated
/// wrappers of it lend an apache-arrow batch (tests/fixtures/arrow_demo.ts wraps
/// its twin `zc_arrow_demo_checksum`), so it stays out of demo.exports, whose
/// wrappers the core module builds on without apache-arrow.
pub const c_data_exports = struct {
    pub const zc_arrow_checksum = exports.zc_arrow_checksum;
};

/// `zc_arrow_demo_table` option: the batch fails the import (its first
/// column's format in the directory is made Float16's "e", which the importer refuses).
pub const unsupported_format: u32 = 4;

/// Demo exports whose generated wrappers (tests/fixtures/arrow_demo.ts) return
/// an `ArrowBatch` and take an apache-arrow `RecordBatch` or `Table`.
pub const batch_exports = struct {
    /// Exports Deno calls with `nonblocking: true`, on a worker thread.
    pub const nonblocking = .{"zc_arrow_demo_checksum_after"};

    /// The demo batch of `rows` rows (see `zc_arrow_demo_batch`), returned as an
    /// apache-arrow table; `options` 4 makes its first column's format unsupported.
    pub fn zc_arrow_demo_table(rows: u64, options: u32, out: ?*arrow.RecordBatchOut) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        const status = exports.zc_arrow_demo_batch(rows, options & (with_nulls | sliced), @ptrCast(target));
        if (status != .ok or options & unsupported_format == 0) return status;
        const pinned = arrow.pin(&target.descriptor) orelse return .invalid_argument;
        defer pinned.unpin();
        // Only the host's copy of the format: what the importer reads.
        const memory = pinned.memory();
        memory[arrow.directory.node(memory, 1).format_at] = 'e';
        return .ok;
    }

    /// A batch of `rows` rows of dictionaries, dates, times, durations,
    /// decimals, intervals, binaries and lists (see demo_arrow_types.zig);
    /// `options` as `zc_arrow_demo_batch` takes them.
    pub fn zc_arrow_demo_types(rows: u64, options: u32, out: ?*arrow.RecordBatchOut) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        types.typesBatch(rows, options, &target.descriptor) catch |err| return switch (err) {
            error.OutOfMemory => .out_of_memory,
            error.Overflow => .size_overflow,
            error.LengthMismatch, error.InvalidColumn => .invalid_argument,
        };
        return .ok;
    }

    /// Checksums a batch Deno lends (see `zerocopy.arrow.checksum`) into `out`;
    /// refuses an unsupported format or layout with `invalid_argument`.
    pub fn zc_arrow_demo_checksum(batch: ?*const arrow.ArrowSchema, batch_array: ?*const arrow.ArrowArray, out: ?*u64) callconv(.c) Status {
        return exports.zc_arrow_checksum(batch, batch_array, out);
    }

    /// Sleeps `ms`, then checksums a lent batch into `out`: the slow call behind
    /// the tests of a batch lent to a nonblocking call.
    pub fn zc_arrow_demo_checksum_after(batch: ?*const arrow.ArrowSchema, batch_array: ?*const arrow.ArrowArray, ms: u32, out: ?*u64) callconv(.c) Status {
        // A C export has no caller to pass an `Io`; the process-wide one sleeps on every OS.
        const io = std.Io.Threaded.global_single_threaded.io();
        io.sleep(.fromMilliseconds(ms), .awake) catch {};
        return exports.zc_arrow_checksum(batch, batch_array, out);
    }
};

test "the demo batch is deterministic, and its offset changes what the rows hold" {
    var checksums: [3]u64 = undefined;
    for ([_]u32{ with_nulls, with_nulls, with_nulls | sliced }, &checksums) |options, *sum| {
        var descriptor: zerocopy.Descriptor = undefined;
        try demoBatch(20, options, &descriptor);
        var schema: arrow.ArrowSchema = undefined;
        var array: arrow.ArrowArray = undefined;
        try arrow.moveOut(&descriptor, &schema, &array);
        defer schema.release.?(&schema);
        defer array.release.?(&array);
        try std.testing.expectEqual(@as(i64, 20), array.length);
        sum.* = try arrow.checksum(&schema, &array);
    }
    try std.testing.expectEqual(checksums[0], checksums[1]);
    try std.testing.expect(checksums[0] != checksums[2]);
}

test {
    _ = foreign;
    _ = types;
}
