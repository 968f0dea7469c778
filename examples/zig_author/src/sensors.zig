//! Sensor readings as an Apache Arrow record batch (examples/arrow_sensors.ts):
//! the author declares the columns, fills them in place in the memory
//! `zerocopy.arrow.BatchBuilder` lays out (no copy), and hands the batch over
//! for Deno to read as an apache-arrow table; a kernel sums a float64 column
//! of a table Deno lends back.

const std = @import("std");
const zerocopy = @import("zerocopy");
const arrow = zerocopy.arrow;

pub const sensors = 1000;
pub const embedding_size = 16;
const labels = [_][]const u8{ "roof", "basement", "kitchen", "garage", "garden", "attic", "hall", "" };
const longest_label = 8;

const item: arrow.builder.Spec = .{ .name = "item", .type = .f32 };

/// `rows` readings: one per sensor in turn, a microsecond apart, a value that
/// drifts with the sensor and time, the sensor's place, a 16-float embedding.
pub fn readings(allocator: *const std.mem.Allocator, rows: usize, out: *zerocopy.Descriptor) !void {
    var batch = try arrow.BatchBuilder.init(allocator, rows, &.{
        .{ .name = "time", .type = .{ .timestamp = .{ .unit = .microsecond, .tz = "UTC" } } },
        .{ .name = "sensor", .type = .u32 },
        .{ .name = "value", .type = .f64, .nullable = true },
        .{ .name = "place", .type = .{ .utf8 = .{ .capacity = try std.math.mul(usize, rows, longest_label) } } },
        .{ .name = "embedding", .type = .{ .fixed_size_list = .{ .size = embedding_size, .items = &item } } },
    });
    defer batch.deinit(); // frees the batch unless finish handed it over
    const times = try batch.column(0).values(i64);
    const ids = try batch.column(1).values(u32);
    const values = try batch.column(2).values(f64);
    const valid = batch.column(2).validity().?;
    var places = try batch.column(3).utf8();
    const embeddings = try batch.column(4).child(0).values(f32);
    for (0..rows) |i| {
        const id: u32 = @intCast(i % sensors);
        times[i] = 1_700_000_000_000_000 + @as(i64, @intCast(i));
        ids[i] = id;
        values[i] = @sin(@as(f64, @floatFromInt(i)) * 0.001) + @as(f64, @floatFromInt(id)) * 0.001;
        if (i % 97 == 13) valid.set(i, false); // a reading lost now and then
        try places.append(labels[id % labels.len]);
        for (embeddings[i * embedding_size ..][0..embedding_size], 0..) |*e, k| {
            e.* = @floatFromInt((id + k) % 7);
        }
    }
    batch.finish(out);
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
