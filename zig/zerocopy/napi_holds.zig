//! Holds: addresses a nonblocking call keeps allocated. The user may move the
//! memory's ArrayBuffer away and drop it while the call runs; its finalizer
//! then parks the descriptor here, and the last `unhold` releases it: at once
//! on a JavaScript thread, else through the entry's deferred list, since the
//! last unhold of a call frame may come from the thread that ran the call.

const std = @import("std");
const napi = @import("napi.zig");
const Owned = napi.Owned;

const Hold = struct {
    count: u32,
    /// Descriptors finalized while held, linked through `Owned.next`.
    parked: ?*Owned = null,
};

var holds: std.AutoHashMapUnmanaged(usize, Hold) = .empty;
var lock: std.atomic.Mutex = .unlocked;
/// How many addresses are held: lets a finalizer skip the lock when none is.
var held_count = std.atomic.Value(usize).init(0);

fn acquire() void {
    while (!lock.tryLock()) std.atomic.spinLoopHint();
}

/// Keeps `address` allocated until as many `unhold`s.
pub fn hold(address: usize) error{OutOfMemory}!void {
    acquire();
    defer lock.unlock();
    const entry = try holds.getOrPut(std.heap.c_allocator, address);
    if (!entry.found_existing) {
        entry.value_ptr.* = .{ .count = 0 };
        _ = held_count.fetchAdd(1, .release);
    }
    entry.value_ptr.count += 1;
}

/// Ends one `hold`; the last releases what was finalized while held. False,
/// touching nothing, for an address not held.
pub fn unhold(address: usize) bool {
    var parked: ?*Owned = null;
    {
        acquire();
        defer lock.unlock();
        const entry = holds.getPtr(address) orelse return false;
        entry.count -= 1;
        if (entry.count == 0) {
            parked = entry.parked;
            _ = holds.remove(address);
            _ = held_count.fetchSub(1, .release);
        }
    }
    while (parked) |owned| {
        parked = owned.next;
        napi.releaseOrDefer(owned);
    }
    return true;
}

/// Whether a call holds `address` now.
pub fn isHeld(address: usize) bool {
    if (held_count.load(.acquire) == 0) return false;
    acquire();
    defer lock.unlock();
    return holds.contains(address);
}

/// Parks `owned` when a hold keeps `data`; false when none does.
pub fn parkIfHeld(data: ?*anyopaque, owned: *Owned) bool {
    if (held_count.load(.acquire) == 0) return false;
    acquire();
    defer lock.unlock();
    const entry = holds.getPtr(@intFromPtr(data)) orelse return false;
    owned.next = entry.parked;
    entry.parked = owned;
    return true;
}

const testing = std.testing;
const abi = @import("abi.zig");
const checked = @import("checked.zig");
const handover = @import("handover.zig");
const stats = @import("stats.zig").stats;

test "a finalizer while an address is held parks the release until the last unhold" {
    const before = stats();
    var buffer: abi.Descriptor = undefined;
    try testing.expectEqual(abi.Status.ok, handover.allocateAndHandOver(checked.default_allocator, .u8, 64, &buffer));
    const owned = try std.heap.c_allocator.create(Owned);
    owned.* = .{ .descriptor = buffer };
    napi.markJsThread();
    const address = @intFromPtr(buffer.ptr);
    try hold(address);
    try hold(address);
    try testing.expect(parkIfHeld(buffer.ptr, owned));
    try testing.expect(unhold(address));
    try testing.expectEqual(before.live_buffers + 1, stats().live_buffers);
    try testing.expect(unhold(address));
    try testing.expectEqual(before.live_buffers, stats().live_buffers);
    try testing.expect(!unhold(address));
}
