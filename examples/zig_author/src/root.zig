//! Exports of an example Zig library: an RGBA frame generator and a matrix
//! producer, each handing its result to Deno without a copy.

const std = @import("std");
const zerocopy = @import("zerocopy");

comptime {
    // zc_release, zc_abi_version, zc_layout, zc_stats, zc_allocate: what Deno's
    // openLibrary() checks and calls, written once in the zerocopy module.
    zerocopy.exportAbi();
}

const allocator = zerocopy.default_allocator;

/// A `width` × `height` RGBA frame: a red/green gradient with opaque alpha,
/// row-major, 4 bytes per pixel.
export fn make_frame(width: u32, height: u32, out: ?*zerocopy.Buffer) zerocopy.Status {
    const buffer = out orelse return .invalid_argument;
    buffer.* = .released;
    const pixels = std.math.mul(usize, width, height) catch return .size_overflow;
    const bytes = std.math.mul(usize, pixels, 4) catch return .size_overflow;
    const frame = zerocopy.allocate(u8, allocator, bytes) catch |err| return zerocopy.statusOf(err);
    for (0..height) |y| {
        for (0..width) |x| {
            const pixel = frame[(y * width + x) * 4 ..][0..4];
            pixel.* = .{ gradient(x, width), gradient(y, height), 0x80, 0xff };
        }
    }
    zerocopy.handOverSlice(u8, allocator, frame, buffer);
    return .ok;
}

fn gradient(position: usize, extent: u32) u8 {
    if (extent <= 1) return 0;
    return @intCast(position * 255 / (extent - 1));
}

/// A `rows` × `cols` matrix of f64, row-major, built by appending to an
/// ArrayList and handed over as is: element (i, j) is `i * cols + j`.
export fn make_matrix(rows: u32, cols: u32, out: ?*zerocopy.Buffer) zerocopy.Status {
    const buffer = out orelse return .invalid_argument;
    buffer.* = .released;
    const count = std.math.mul(usize, rows, cols) catch return .size_overflow;
    var matrix: std.ArrayList(f64) = .empty;
    matrix.ensureTotalCapacity(allocator.*, count) catch return .out_of_memory;
    for (0..count) |i| matrix.appendAssumeCapacity(@floatFromInt(i));
    zerocopy.handOverArrayList(f64, allocator, &matrix, buffer);
    return .ok;
}

/// Sums a matrix Deno lends (a Float64Array), for a round trip in the example.
export fn sum_matrix(values: ?[*]const f64, len: u32) f64 {
    var sum: f64 = 0;
    for ((values orelse return 0)[0..len]) |x| sum += x;
    return sum;
}

test "make_frame hands over width * height RGBA pixels" {
    var buffer: zerocopy.Buffer = undefined;
    try std.testing.expectEqual(zerocopy.Status.ok, make_frame(3, 2, &buffer));
    defer zerocopy.release(&buffer);
    const frame = zerocopy.elements(u8, &buffer).?;
    try std.testing.expectEqual(@as(usize, 24), frame.len);
    try std.testing.expectEqualSlices(u8, &.{ 255, 255, 0x80, 0xff }, frame[20..24]);
}

test "make_matrix hands over rows * cols elements in row-major order" {
    var buffer: zerocopy.Buffer = undefined;
    try std.testing.expectEqual(zerocopy.Status.ok, make_matrix(2, 3, &buffer));
    defer zerocopy.release(&buffer);
    try std.testing.expectEqual(@as(f64, 5), zerocopy.elements(f64, &buffer).?[5]);
}
