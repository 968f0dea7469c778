//! Exports of an example Zig library: an RGBA frame generator and a matrix
//! producer, each handing its result to Deno without a copy. `zig build
//! bindings` writes the TypeScript side (bindings.ts) from `exports`.

const std = @import("std");
pub const zerocopy = @import("zerocopy");
const Out = zerocopy.Out;
const Status = zerocopy.Status;

/// What `zig build bindings` generates: a symbol table and typed wrappers.
pub const bindings: zerocopy.bindings.Spec = .{
    .source = "examples/zig_author/src/root.zig",
    .groups = &.{.{ .name = "symbols", .exports = exports }},
    // A project outside this repository imports "jsr:@zerocopy/zerocopy" (the default).
    .import_from = "../../mod.ts",
};

comptime {
    // zc_release, zc_abi_version, zc_layout, zc_stats, zc_allocate: what Deno's
    // openLibrary() checks and calls, written once in the zerocopy module.
    zerocopy.exportAbi();
    zerocopy.exportAll(exports);
}

const allocator = zerocopy.default_allocator;

fn gradient(position: usize, extent: u32) u8 {
    if (extent <= 1) return 0;
    return @intCast(position * 255 / (extent - 1));
}

pub const exports = struct {
    /// A `width` × `height` RGBA frame: a red/green gradient with opaque alpha,
    /// row-major, 4 bytes per pixel.
    pub fn make_frame(width: u32, height: u32, out: ?*Out(u8)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        const pixels = std.math.mul(usize, width, height) catch return .size_overflow;
        const bytes = std.math.mul(usize, pixels, 4) catch return .size_overflow;
        const frame = zerocopy.allocate(u8, allocator, bytes) catch |err| return zerocopy.statusOf(err);
        for (0..height) |y| {
            for (0..width) |x| {
                const pixel = frame[(y * width + x) * 4 ..][0..4];
                pixel.* = .{ gradient(x, width), gradient(y, height), 0x80, 0xff };
            }
        }
        target.handOverSlice(allocator, frame);
        return .ok;
    }

    /// A `rows` × `cols` matrix of f64, row-major, built by appending to an
    /// ArrayList and handed over as is: element (i, j) is `i * cols + j`.
    pub fn make_matrix(rows: u32, cols: u32, out: ?*Out(f64)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        const count = std.math.mul(usize, rows, cols) catch return .size_overflow;
        var matrix: std.ArrayList(f64) = .empty;
        matrix.ensureTotalCapacity(allocator.*, count) catch return .out_of_memory;
        for (0..count) |i| matrix.appendAssumeCapacity(@floatFromInt(i));
        target.handOverArrayList(allocator, &matrix);
        return .ok;
    }

    /// Sums a matrix Deno lends (a Float64Array).
    pub fn sum_matrix(values: ?[*]const f64, len: u32) callconv(.c) f64 {
        var sum: f64 = 0;
        for ((values orelse return 0)[0..len]) |x| sum += x;
        return sum;
    }
};

test "make_frame hands over width * height RGBA pixels" {
    var out: Out(u8) = undefined;
    try std.testing.expectEqual(Status.ok, exports.make_frame(3, 2, &out));
    defer zerocopy.release(&out.buffer);
    const frame = zerocopy.elements(u8, &out.buffer).?;
    try std.testing.expectEqual(@as(usize, 24), frame.len);
    try std.testing.expectEqualSlices(u8, &.{ 255, 255, 0x80, 0xff }, frame[20..24]);
}

test "make_matrix hands over rows * cols elements in row-major order" {
    var out: Out(f64) = undefined;
    try std.testing.expectEqual(Status.ok, exports.make_matrix(2, 3, &out));
    defer zerocopy.release(&out.buffer);
    try std.testing.expectEqual(@as(f64, 5), zerocopy.elements(f64, &out.buffer).?[5]);
}
