//! Frame kernels: an RGBA test frame, grayscale conversion and a 3×3 box blur,
//! vectorized with `@Vector` and checked against scalar versions.

const std = @import("std");
const zerocopy = @import("zerocopy");

const lanes = 16;

fn gradient(position: usize, extent: u32) u8 {
    if (extent <= 1) return 0;
    return @intCast(position * 255 / (extent - 1));
}

/// Fills `frame` (width × height × 4 bytes) with a red/green gradient, blue 0x80, opaque.
pub fn fillFrame(frame: []u8, width: u32, height: u32) void {
    for (0..height) |y| {
        for (0..width) |x| {
            frame[(y * width + x) * 4 ..][0..4].* = .{ gradient(x, width), gradient(y, height), 0x80, 0xff };
        }
    }
}

/// Fills `frame` (width × height × 4 bytes) with frame `t` of a moving
/// pattern: red and green follow x and y shifted by `t`, blue is `t`, opaque.
pub fn fillMovingFrame(frame: []u8, width: u32, height: u32, t: u32) void {
    for (0..height) |y| {
        const row = frame[y * width * 4 ..][0 .. width * 4];
        const green: u8 = @truncate(y +% t);
        for (0..width) |x| row[x * 4 ..][0..4].* = .{ @truncate(x +% t), green, @truncate(t), 0xff };
    }
}

/// Luma of one RGBA pixel, BT.601 weights in 8.8 fixed point.
pub fn lumaScalar(pixel: [4]u8) u8 {
    return @intCast((@as(u32, pixel[0]) * 77 + @as(u32, pixel[1]) * 150 + @as(u32, pixel[2]) * 29) >> 8);
}

/// `gray[i]` = luma of `rgba[4i..4i+4]`, `lanes` pixels at a time.
pub fn grayscale(rgba: []const u8, gray: []u8) void {
    const V = @Vector(lanes, u32);
    var i: usize = 0;
    while (i + lanes <= gray.len) : (i += lanes) {
        var r: V = undefined;
        var g: V = undefined;
        var b: V = undefined;
        inline for (0..lanes) |lane| {
            r[lane] = rgba[(i + lane) * 4];
            g[lane] = rgba[(i + lane) * 4 + 1];
            b[lane] = rgba[(i + lane) * 4 + 2];
        }
        const luma = (r * @as(V, @splat(77)) + g * @as(V, @splat(150)) + b * @as(V, @splat(29))) >> @splat(8);
        gray[i..][0..lanes].* = @as(@Vector(lanes, u8), @intCast(luma));
    }
    while (i < gray.len) : (i += 1) gray[i] = lumaScalar(rgba[i * 4 ..][0..4].*);
}

/// 3×3 box blur with clamped edges: each output is the mean of its neighbourhood.
pub fn boxBlur(gray: []const u8, out: []u8, width: u32, height: u32) void {
    boxBlurRows(gray, out, width, height, 0, height);
}

/// `boxBlur` of rows `first` up to `end` only, so a long blur can be done in
/// bands between which it reports progress and looks for a cancel.
pub fn boxBlurRows(gray: []const u8, out: []u8, width: u32, height: u32, first: usize, end: usize) void {
    const w: usize = width;
    const h: usize = height;
    for (first..end) |y| {
        const rows = [3]usize{ if (y == 0) 0 else y - 1, y, @min(y + 1, h - 1) };
        for (0..w) |x| {
            const cols = [3]usize{ if (x == 0) 0 else x - 1, x, @min(x + 1, w - 1) };
            var total: u32 = 0;
            for (rows) |row| for (cols) |col| {
                total += gray[row * w + col];
            };
            out[y * w + x] = @intCast(total / 9);
        }
    }
}

test "grayscale matches the scalar luma for every pixel" {
    var rgba: [4 * 37]u8 = undefined;
    for (&rgba, 0..) |*byte, i| byte.* = @truncate(i * 31);
    var gray: [37]u8 = undefined;
    grayscale(&rgba, &gray);
    for (gray, 0..) |value, i| try std.testing.expectEqual(lumaScalar(rgba[i * 4 ..][0..4].*), value);
}

test "boxBlur keeps a flat image flat" {
    const flat: [12]u8 = @splat(90);
    var out: [12]u8 = undefined;
    boxBlur(&flat, &out, 4, 3);
    for (out) |value| try std.testing.expectEqual(@as(u8, 90), value);
}
