//! What `wrap` (napi.zig) maps: the checks `describe()` in
//! src/buffer/descriptor.ts makes in TypeScript, made in Zig, so that
//! JavaScript may skip its own reading of a descriptor (`checksDescriptors`).

const std = @import("std");
const abi = @import("abi.zig");
const Descriptor = abi.Descriptor;

/// The largest integer a JavaScript number holds exactly: byte lengths and
/// addresses beyond it cannot be described to JavaScript.
const max_safe_integer: usize = (1 << 53) - 1;

/// The byte length of the memory `descriptor` describes, or null when it must
/// not be mapped: an unknown element type or another than `expected` (unless
/// 0), a size past 2^53 - 1, or a non-empty buffer at a null, misaligned or
/// larger than 2^53 - 1 address. The same checks as `describe()` in src/buffer/descriptor.ts.
pub fn mappable(descriptor: *const Descriptor, expected: u32) ?usize {
    const element_size = descriptor.element_type.size() orelse return null;
    if (expected != 0 and @backingInt(descriptor.element_type) != expected) return null;
    const byte_length = std.math.mul(usize, descriptor.len, element_size) catch return null;
    if (byte_length > max_safe_integer) return null;
    if (byte_length == 0) return 0;
    const address = @intFromPtr(descriptor.ptr orelse return null);
    if (address % element_size != 0 or address > max_safe_integer) return null;
    return byte_length;
}

const testing = std.testing;

test "mappable refuses what describe() refuses" {
    var buffer: Descriptor = .released;
    var words: [4]f64 align(8) = .{ 0, 0, 0, 0 };
    buffer.ptr = @ptrCast(&words);
    buffer.len = 4;
    buffer.element_type = .f64;
    try testing.expectEqual(@as(?usize, 32), mappable(&buffer, 0));
    try testing.expectEqual(@as(?usize, 32), mappable(&buffer, @backingInt(abi.ElementType.f64)));
    try testing.expectEqual(@as(?usize, null), mappable(&buffer, @backingInt(abi.ElementType.u8)));
    buffer.ptr = @ptrFromInt(@intFromPtr(&words) + 1);
    try testing.expectEqual(@as(?usize, null), mappable(&buffer, 0));
    buffer.ptr = null;
    try testing.expectEqual(@as(?usize, null), mappable(&buffer, 0));
    buffer.len = 0;
    try testing.expectEqual(@as(?usize, 0), mappable(&buffer, 0));
    buffer.len = std.math.maxInt(usize) / 2;
    buffer.ptr = @ptrCast(&words);
    try testing.expectEqual(@as(?usize, null), mappable(&buffer, 0));
    buffer.len = 4;
    buffer.element_type = @fromBackingInt(@intCast(99));
    try testing.expectEqual(@as(?usize, null), mappable(&buffer, 0));
}
