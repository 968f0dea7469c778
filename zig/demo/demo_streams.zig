//! Demo exports of libzerocopy that hand over into regions and rings, with
//! the same contents as zig/demo/demo.zig's generators, so the tests can check
//! every slice against the pattern they compute.

const std = @import("std");
const zerocopy = @import("../zerocopy/zerocopy.zig");
const demo = @import("demo.zig");
const RegionOut = zerocopy.RegionOut;
const BatchOut = zerocopy.BatchOut;
const RingOut = zerocopy.RingOut;
const Status = zerocopy.Status;

fn generateInto(comptime T: type, len: u32, out: ?*RegionOut(T)) Status {
    const target = out orelse return .invalid_argument;
    const items = target.alloc(len) catch |err| return zerocopy.region.statusOf(err);
    for (items, 0..) |*item, i| item.* = demo.pattern(T, i);
    return .ok;
}

pub const exports = struct {
    /// `len` u8 of the demo pattern, carved from a region.
    pub fn zc_region_generate_u8(len: u32, out: ?*RegionOut(u8)) callconv(.c) Status {
        return generateInto(u8, len, out);
    }
    /// `len` i32 of the demo pattern, carved from a region.
    pub fn zc_region_generate_i32(len: u32, out: ?*RegionOut(i32)) callconv(.c) Status {
        return generateInto(i32, len, out);
    }
    /// `len` f64 of the demo pattern, carved from a region.
    pub fn zc_region_generate_f64(len: u32, out: ?*RegionOut(f64)) callconv(.c) Status {
        return generateInto(f64, len, out);
    }

    /// `len` i32 carved from a region and handed over as they are, unwritten:
    /// after a reset, what an earlier call wrote there. The handover alone, without a fill.
    pub fn zc_region_hand_over_i32(len: u32, out: ?*RegionOut(i32)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        _ = target.alloc(len) catch |err| return zerocopy.region.statusOf(err);
        return .ok;
    }

    /// `count` slices of `len` f64 carved from a region in one call; element `i` of slice `k` is the pattern at `k + i`.
    pub fn zc_region_generate_batch_f64(count: u32, len: u32, out: ?*BatchOut(f64)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        for (0..count) |k| {
            const items = target.alloc(len) catch |err| return zerocopy.region.statusOf(err);
            for (items, 0..) |*item, i| item.* = demo.pattern(f64, k + i);
        }
        return .ok;
    }

    /// Fills the next free slot of a ring with `len` bytes, byte `i` being `seed + i` wrapped to u8.
    pub fn zc_ring_generate_u8(seed: u32, len: u32, out: ?*RingOut(u8)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        const slot = target.acquire() catch |err| return zerocopy.region.statusOf(err);
        if (len > slot.len) return .size_overflow; // the host releases the acquired slot
        for (slot[0..len], 0..) |*byte, i| byte.* = @truncate(seed +% i);
        target.handOver(len);
        return .ok;
    }

    /// Fills the next free slot of a ring with `len` f64 of the demo pattern.
    pub fn zc_ring_generate_f64(len: u32, out: ?*RingOut(f64)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        const slot = target.acquire() catch |err| return zerocopy.region.statusOf(err);
        if (len > slot.len) return .size_overflow;
        for (slot[0..len], 0..) |*item, i| item.* = demo.pattern(f64, i);
        target.handOver(len);
        return .ok;
    }
};

const testing = std.testing;

test "a batch's slices each hold the shifted pattern" {
    var descriptor: zerocopy.Descriptor = undefined;
    try testing.expectEqual(Status.ok, zerocopy.region.exports.zc_region_create(4096, &descriptor));
    defer zerocopy.release(&descriptor);
    var memory: [3 + 4]u64 = @splat(0);
    const out: *BatchOut(f64) = @ptrCast(&memory);
    out.header.owner = zerocopy.region.handleOf(&descriptor);
    out.header.capacity = 4;
    try testing.expectEqual(Status.ok, exports.zc_region_generate_batch_f64(3, 5, out));
    try testing.expectEqual(@as(u32, 3), out.count());
    const base: [*]f64 = @ptrCast(@alignCast(descriptor.ptr.?));
    try testing.expectEqual(@as(f64, 1.0), base[5 * 2]); // slice 2, element 0: pattern(2)
    try testing.expectEqual(Status.full, exports.zc_region_generate_batch_f64(2, 1, out));
}
