//! Sensor readings as an Apache Arrow record batch (examples/arrow_sensors.ts):
//! the author fills ordinary slices and `zerocopy.arrow.handOverBatch` makes
//! the batch Deno reads as an apache-arrow table, and a kernel sums a float64
//! column of a table Deno lends back.

const std = @import("std");
const zerocopy = @import("zerocopy");
const arrow = zerocopy.arrow;

pub const sensors = 1000;
pub const embedding_size = 16;
const labels = [_][]const u8{ "roof", "basement", "kitchen", "garage", "garden", "attic", "hall", "" };

/// `rows` readings: one per sensor in turn, a microsecond apart, a value that
/// drifts with the sensor and time, the sensor's place, a 16-float embedding.
pub fn readings(allocator: *const std.mem.Allocator, rows: usize, out: *zerocopy.Descriptor) !void {
    const gpa = std.heap.c_allocator;
    const times = try gpa.alloc(i64, rows);
    defer gpa.free(times);
    const ids = try gpa.alloc(u32, rows);
    defer gpa.free(ids);
    const values = try gpa.alloc(f64, rows);
    defer gpa.free(values);
    const valid = try gpa.alloc(bool, rows);
    defer gpa.free(valid);
    const places = try gpa.alloc([]const u8, rows);
    defer gpa.free(places);
    const embeddings = try gpa.alloc(f32, rows * embedding_size);
    defer gpa.free(embeddings);
    for (0..rows) |i| {
        const id: u32 = @intCast(i % sensors);
        times[i] = 1_700_000_000_000_000 + @as(i64, @intCast(i));
        ids[i] = id;
        values[i] = @sin(@as(f64, @floatFromInt(i)) * 0.001) + @as(f64, @floatFromInt(id)) * 0.001;
        valid[i] = i % 97 != 13; // a reading lost now and then
        places[i] = labels[id % labels.len];
        for (embeddings[i * embedding_size ..][0..embedding_size], 0..) |*e, k| {
            e.* = @floatFromInt((id + k) % 7);
        }
    }
    const items: arrow.Column = .{ .name = "item", .values = .{ .f32 = embeddings }, .nullable = false };
    try arrow.handOverBatch(allocator, &.{
        .{ .name = "time", .values = .{ .timestamp = .{ .unit = .microsecond, .tz = "UTC", .values = times } }, .nullable = false },
        .{ .name = "sensor", .values = .{ .u32 = ids }, .nullable = false },
        .{ .name = "value", .values = .{ .f64 = values }, .validity = valid },
        .{ .name = "place", .values = .{ .utf8 = places }, .nullable = false },
        .{ .name = "embedding", .values = .{ .fixed_size_list = .{ .size = embedding_size, .items = &items } }, .nullable = false },
    }, out);
}

/// The sum of the non-null values of the float64 column named `name` of a lent batch.
pub fn sumColumn(schema: *const arrow.ArrowSchema, array: *const arrow.ArrowArray, name: []const u8) !f64 {
    const root = try arrow.ColumnReader.init(schema, array, 0);
    for (0..root.childCount()) |i| {
        const column = try root.child(i);
        if (!std.mem.eql(u8, column.schema.nameString(), name)) continue;
        if (!std.meta.eql(column.kind, arrow.Kind{ .float = 8 })) return error.UnsupportedFormat;
        var total: f64 = 0;
        for (0..column.len()) |row| {
            if (column.isValid(row)) total += column.value(f64, row);
        }
        return total;
    }
    return error.InvalidLayout;
}

test "readings hand over a batch whose value column sums like the slices" {
    var descriptor: zerocopy.Descriptor = undefined;
    try readings(&std.testing.allocator, 2000, &descriptor);
    var schema: arrow.ArrowSchema = undefined;
    var array: arrow.ArrowArray = undefined;
    try arrow.moveOut(&descriptor, &schema, &array);
    defer schema.release.?(&schema);
    defer array.release.?(&array);
    var expected: f64 = 0;
    for (0..2000) |i| {
        if (i % 97 != 13) expected += @sin(@as(f64, @floatFromInt(i)) * 0.001) + @as(f64, @floatFromInt(i % sensors)) * 0.001;
    }
    try std.testing.expectApproxEqRel(expected, try sumColumn(&schema, &array, "value"), 1e-12);
    try std.testing.expectError(error.InvalidLayout, sumColumn(&schema, &array, "missing"));
}
