//! Buffers in transit between workers: the sender parks its descriptor here
//! and posts only a handle; the receiver takes the descriptor back with it.
//! The descriptor never travels through JavaScript memory, so a forged
//! message names nothing and a replayed one finds its handle taken: both are
//! refused with `stale_handle` instead of freeing or mapping foreign memory.

const std = @import("std");
const abi = @import("abi.zig");
const handles = @import("handles.zig");
const handover = @import("handover.zig");
const handed_over = @import("handed_over.zig");
const counters = @import("stats.zig");
const Descriptor = abi.Descriptor;
const Status = abi.Status;

/// Holds the parked descriptors; not the checked allocator, which counts only handovers.
const boxes = std.heap.c_allocator;

/// Takes ownership of `descriptor` (left released) and returns the handle that claims it back.
pub fn park(descriptor: *Descriptor) error{OutOfMemory}!handles.Handle {
    const box = try boxes.create(Descriptor);
    errdefer boxes.destroy(box);
    box.* = descriptor.*;
    const handle = try handles.global.register(.transfer, box);
    descriptor.* = .released;
    return handle;
}

/// The descriptor `handle` parked, now the caller's; null when it names none
/// (taken already, forged, or a handle of another kind).
pub fn take(handle: handles.Handle) ?Descriptor {
    const box: *Descriptor = @ptrCast(@alignCast(handles.global.take(handle, .transfer) orelse return null));
    const descriptor = box.*;
    boxes.destroy(box);
    return descriptor;
}

/// The C functions behind transfers, by their exported names; part of every
/// zerocopy library's ABI exports.
pub const exports = struct {
    /// Parks a descriptor for another worker: takes its ownership (leaving it released) and writes the handle that claims it back to `handle`; invalid_argument for one Zig did not hand over.
    pub fn zc_transfer_send(descriptor: ?*Descriptor, handle: ?*u64) callconv(.c) Status {
        const given = descriptor orelse return .invalid_argument;
        const into = handle orelse return .invalid_argument;
        // Only words Zig handed over to the host, once: a copy or a forgery parks nothing.
        if (given.release != null and !handed_over.take(given)) return .invalid_argument;
        into.* = park(given) catch {
            handed_over.add(given); // JavaScript's again, under a new slot
            return .out_of_memory;
        };
        return .ok;
    }

    /// Claims what `handle` parked into `out`, once: stale_handle for a handle taken already or never parked.
    pub fn zc_transfer_receive(handle: u64, out: ?*Descriptor) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.* = take(handle) orelse {
            target.* = .released;
            return .stale_handle;
        };
        handed_over.add(target);
        return .ok;
    }
};

const testing = std.testing;

test "only words Zig handed over are parked: a copy of parked words, or changed ones, park nothing" {
    var sent: Descriptor = undefined;
    try testing.expectEqual(Status.ok, handover.allocateAndHandOver(&testing.allocator, .u8, 8, &sent));
    var changed = sent;
    changed.len = 4096;
    var handle: u64 = 0;
    try testing.expectEqual(Status.invalid_argument, exports.zc_transfer_send(&changed, &handle));
    const copy = sent;
    try testing.expectEqual(Status.ok, exports.zc_transfer_send(&sent, &handle));
    var replayed = copy;
    try testing.expectEqual(Status.invalid_argument, exports.zc_transfer_send(&replayed, &handle));
    var received: Descriptor = undefined;
    try testing.expectEqual(Status.ok, exports.zc_transfer_receive(handle, &received));
    handover.release(&received);
}

test "a parked descriptor is received once; a replayed or forged handle is refused" {
    const before = counters.stats();
    var sent: Descriptor = undefined;
    try testing.expectEqual(Status.ok, handover.allocateAndHandOver(&testing.allocator, .f32, 16, &sent));
    const ptr = sent.ptr;
    var handle: u64 = 0;
    try testing.expectEqual(Status.ok, exports.zc_transfer_send(&sent, &handle));
    try testing.expectEqual(Descriptor.released, sent);
    var received: Descriptor = undefined;
    for ([_]u64{ 0, handle ^ 1, handle + (1 << 32), std.math.maxInt(u64) }) |forged| {
        try testing.expectEqual(Status.stale_handle, exports.zc_transfer_receive(forged, &received));
        try testing.expectEqual(Descriptor.released, received);
    }
    try testing.expectEqual(Status.ok, exports.zc_transfer_receive(handle, &received));
    try testing.expectEqual(ptr, received.ptr);
    var replayed: Descriptor = undefined;
    try testing.expectEqual(Status.stale_handle, exports.zc_transfer_receive(handle, &replayed));
    try testing.expectEqual(Descriptor.released, replayed);
    try testing.expectEqual(before.live_buffers + 1, counters.stats().live_buffers);
    handover.release(&received);
    try testing.expectEqual(before.live_buffers, counters.stats().live_buffers);
}

test "a region's handle is no transfer's" {
    var descriptor: Descriptor = undefined;
    try testing.expectEqual(Status.ok, @import("region.zig").exports.zc_region_create(64, &descriptor));
    defer handover.release(&descriptor);
    var out: Descriptor = undefined;
    try testing.expectEqual(Status.stale_handle, exports.zc_transfer_receive(@intFromPtr(descriptor.private), &out));
}
