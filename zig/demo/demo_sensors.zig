//! Demo sensor readings as an Arrow batch of ten columns, each value a
//! function of its row, for examples/sql_sensors.ts and bench/sql_bench.ts
//! (which query them with SQL and check the answers).

const std = @import("std");
const zerocopy = @import("../zerocopy/zerocopy.zig");
const arrow = zerocopy.arrow;
const Out = zerocopy.Out;
const Status = zerocopy.Status;

pub const places = [_][]const u8{ "kitchen", "garage", "attic", "cellar" };

/// Row `i`: sensor `i % sensors`, at `places[i % 4]`, a reading every second from
/// 2024-01-01; temperature `20 + (i % 100) / 10` except every 97th row (null).
pub fn sensorBatch(rows: usize, sensors: u32, out: *zerocopy.Descriptor) (arrow.batch.Error || error{Overflow})!void {
    var arena_state: std.heap.ArenaAllocator = .init(std.heap.c_allocator);
    defer arena_state.deinit();
    const arena = arena_state.allocator();
    const times = try arena.alloc(i64, rows);
    const ids = try arena.alloc(u32, rows);
    const where = try arena.alloc([]const u8, rows);
    const temperature = try arena.alloc(f64, rows);
    const present = try arena.alloc(bool, rows);
    const humidity = try arena.alloc(f32, rows);
    const pressure = try arena.alloc(f64, rows);
    const battery = try arena.alloc(u8, rows);
    const rssi = try arena.alloc(i16, rows);
    const ok = try arena.alloc(bool, rows);
    const seq = try arena.alloc(i64, rows);
    const n = @max(sensors, 1);
    for (0..rows) |i| {
        times[i] = 1_704_067_200_000_000 + @as(i64, @intCast(i)) * 1_000_000;
        ids[i] = @intCast(i % n);
        where[i] = places[i % places.len];
        temperature[i] = 20 + @as(f64, @floatFromInt(i % 100)) / 10;
        present[i] = i % 97 != 0;
        humidity[i] = @floatFromInt(i % 60);
        pressure[i] = 1000 + @as(f64, @floatFromInt(i % 50));
        battery[i] = @intCast(i % 101);
        rssi[i] = -@as(i16, @intCast(i % 90));
        ok[i] = i % 7 != 0;
        seq[i] = @intCast(i);
    }
    const columns = [_]arrow.Column{
        .{ .name = "time", .values = .{ .timestamp = .{ .unit = .microsecond, .values = times } }, .nullable = false },
        .{ .name = "sensor", .values = .{ .u32 = ids }, .nullable = false },
        .{ .name = "place", .values = .{ .utf8 = where }, .nullable = false },
        .{ .name = "temperature", .values = .{ .f64 = temperature }, .validity = present },
        .{ .name = "humidity", .values = .{ .f32 = humidity }, .nullable = false },
        .{ .name = "pressure", .values = .{ .f64 = pressure }, .nullable = false },
        .{ .name = "battery", .values = .{ .u8 = battery }, .nullable = false },
        .{ .name = "rssi", .values = .{ .i16 = rssi }, .nullable = false },
        .{ .name = "ok", .values = .{ .bool = ok }, .nullable = false },
        .{ .name = "seq", .values = .{ .i64 = seq }, .nullable = false },
    };
    try arrow.handOverBatch(zerocopy.default_allocator, &columns, out);
}

pub const exports = struct {
    /// `rows` sensor readings from `sensors` sensors as an Arrow batch of ten
    /// columns (time, sensor, place, temperature with nulls, humidity,
    /// pressure, battery, rssi, ok, seq), each value a function of its row.
    pub fn zc_arrow_demo_sensors(rows: u64, sensors: u32, out: ?*Out(u8)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        if (rows > 1 << 32) return .size_overflow;
        sensorBatch(@intCast(rows), sensors, &target.descriptor) catch |err| return switch (err) {
            error.OutOfMemory => .out_of_memory,
            error.Overflow => .size_overflow,
            error.LengthMismatch, error.InvalidColumn => .invalid_argument,
        };
        return .ok;
    }
};
