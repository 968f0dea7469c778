//! Demo exports: a generator per element type, like the seed's
//! `generate_i32_data(size)`, and a checksum that reads memory Deno wrote to.

const std = @import("std");
const zerocopy = @import("zerocopy.zig");
const Buffer = zerocopy.Buffer;
const Status = zerocopy.Status;

/// Element `i` of every generated buffer: `i` wrapped to the integer type, or
/// `i / 2` for floats. Deno computes the same values to check integrity.
pub fn pattern(comptime T: type, i: usize) T {
    return switch (@typeInfo(T)) {
        .int => |int| @bitCast(@as(@Int(.unsigned, int.bits), @truncate(i))),
        .float => @as(T, @floatFromInt(i)) * 0.5,
        else => @compileError("no pattern for " ++ @typeName(T)),
    };
}

/// Allocates `len` elements with `allocator`, fills them with `pattern` and
/// hands them over through `out`. A failure leaves `out` released.
pub fn generate(comptime T: type, allocator: *const std.mem.Allocator, len: u64, out: ?*Buffer) Status {
    const buffer = out orelse return .invalid_argument;
    buffer.* = .released;
    const items = zerocopy.allocate(T, allocator, len) catch |err| return zerocopy.statusOf(err);
    for (items, 0..) |*item, i| item.* = pattern(T, i);
    zerocopy.handOverSlice(T, allocator, items, buffer);
    return .ok;
}

fn Generator(comptime tag: zerocopy.ElementType) type {
    return struct {
        fn generateExport(len: u64, out: ?*Buffer) callconv(.c) Status {
            return generate(tag.Type(), zerocopy.default_allocator, len, out);
        }
    };
}

/// FNV-1a over the bytes a descriptor covers. Deno computes the same hash over
/// its view, so a write made in Deno must change what Zig reads here.
pub fn checksum(buffer: ?*const Buffer) u32 {
    const b = buffer orelse return 0;
    const ptr = b.ptr orelse return fnv_offset;
    const bytes = ptr[0 .. b.len * (b.element_type.size() orelse 0)];
    var hash: u32 = fnv_offset;
    for (bytes) |byte| hash = (hash ^ byte) *% 16777619;
    return hash;
}
const fnv_offset: u32 = 2166136261;

fn zc_checksum(buffer: ?*const Buffer) callconv(.c) u32 {
    return checksum(buffer);
}

/// Exports `zc_generate_<type>` for every element type and `zc_checksum`.
pub fn exportDemo() void {
    inline for (zerocopy.ElementType.known) |tag| {
        @export(&Generator(tag).generateExport, .{ .name = "zc_generate_" ++ @tagName(tag) });
    }
    @export(&zc_checksum, .{ .name = "zc_checksum" });
}

const testing = std.testing;

test "pattern wraps integers and halves floats" {
    try testing.expectEqual(@as(i8, -56), pattern(i8, 200));
    try testing.expectEqual(@as(u16, 4), pattern(u16, 65540));
    try testing.expectEqual(@as(f32, 1.5), pattern(f32, 3));
}

test "generate fills every element type and hands it over" {
    const gpa = testing.allocator;
    inline for (zerocopy.ElementType.known) |tag| {
        const T = tag.Type();
        var buffer: Buffer = undefined;
        try testing.expectEqual(Status.ok, generate(T, &gpa, 1000, &buffer));
        const items: [*]T = @ptrCast(@alignCast(buffer.ptr.?));
        for (items[0..buffer.len], 0..) |item, i| try testing.expectEqual(pattern(T, i), item);
        try testing.expectEqual(tag, buffer.element_type);
        zerocopy.release(&buffer);
    }
    try testing.expectEqual(@as(u64, 0), zerocopy.stats().live_buffers);
    try testing.expectEqual(@as(u64, 0), zerocopy.stats().live_bytes);
}

test "generate reports overflow and allocation failure as statuses" {
    const gpa = testing.allocator;
    var buffer: Buffer = undefined;
    try testing.expectEqual(Status.size_overflow, generate(u64, &gpa, std.math.maxInt(u64) / 2, &buffer));
    try testing.expectEqual(Buffer.released, buffer);
    const failing = testing.failing_allocator;
    try testing.expectEqual(Status.out_of_memory, generate(u8, &failing, 16, &buffer));
    // Escapes `buffer` so that optimized builds cannot elide the malloc and assume it succeeded.
    const huge = generate(u8, zerocopy.default_allocator, 1 << 62, &buffer);
    std.mem.doNotOptimizeAway(&buffer);
    try testing.expectEqual(Status.out_of_memory, huge);
    try testing.expectEqual(Status.invalid_argument, generate(u8, &gpa, 1, null));
}

test "checksum sees a write into the buffer" {
    const gpa = testing.allocator;
    var buffer: Buffer = undefined;
    try testing.expectEqual(Status.ok, generate(u8, &gpa, 64, &buffer));
    defer zerocopy.release(&buffer);
    const before = checksum(&buffer);
    buffer.ptr.?[10] +%= 1;
    try testing.expect(before != checksum(&buffer));
}
