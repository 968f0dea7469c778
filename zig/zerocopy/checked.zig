//! The checked build (`zig build checked-lib`, `-Dchecked=true`): a checking
//! default allocator whose freed memory faults when touched (`page_guard.zig`),
//! and a record of every live handover so that a second release of the same
//! memory aborts instead of corrupting the heap.

const builtin = @import("builtin");
const std = @import("std");
const Allocator = std.mem.Allocator;

/// Whether this build checks every free.
pub const enabled = @import("zerocopy_options").checked;

/// The allocator behind descriptors whose caller names none. `private` stores
/// a pointer to it, so it must be a global: this one lives in the binary.
/// A checked build uses a `PageGuard` instead of libc's: every free makes the
/// memory inaccessible, so any later read or write faults in the test that
/// made it, and a free of memory it does not hold aborts. Where `mmap` is
/// missing (Windows), a thread-safe DebugAllocator, which panics on such frees.
pub const default_allocator: *const Allocator = if (enabled) &checking_allocator else &std.heap.c_allocator;

const guards_pages = builtin.os.tag != .windows;
var checking_state = if (guards_pages)
    @import("page_guard.zig").PageGuard{ .fail = failWith }
else
    std.heap.DebugAllocator(.{ .thread_safe = true, .safety = true }).init;
const checking_allocator: Allocator = checking_state.allocator();

/// In a checked build, the address of every descriptor handed over and not yet
/// released, with a count because empty slices share one address. A release
/// of anything else (a double free through a copied descriptor, a forged one)
/// aborts before the allocator touches memory that may already be unmapped.
pub const live_handovers = struct {
    var lock: std.atomic.Mutex = .unlocked;
    var counts: std.AutoHashMapUnmanaged(usize, usize) = .empty;

    pub fn add(ptr: ?[*]u8) void {
        lockSpinning();
        defer lock.unlock();
        const entry = counts.getOrPut(std.heap.c_allocator, @intFromPtr(ptr)) catch
            fail("out of memory tracking a handover");
        entry.value_ptr.* = if (entry.found_existing) entry.value_ptr.* + 1 else 1;
    }

    pub fn remove(ptr: ?[*]u8) void {
        lockSpinning();
        defer lock.unlock();
        const entry = counts.getEntry(@intFromPtr(ptr)) orelse
            fail("release of a descriptor that is not live: a double free, or a descriptor copied or forged by the host");
        entry.value_ptr.* -= 1;
        if (entry.value_ptr.* == 0) counts.removeByPtr(entry.key_ptr);
    }

    fn lockSpinning() void {
        while (!lock.tryLock()) std.atomic.spinLoopHint();
    }

    pub const fail = failWith;
};

/// Aborts naming the checked build; writes with libc alone: std's stderr
/// needs state a host process never set up.
pub fn failWith(why: []const u8) noreturn {
    writeError("zerocopy checked build: ");
    writeError(why);
    writeError("; aborting\n");
    std.c.abort();
}

fn writeError(text: []const u8) void {
    if (builtin.os.tag == .windows) {
        // The C runtime's `write` takes a descriptor number there too, under this name.
        _ = _write(2, text.ptr, @intCast(text.len));
    } else {
        _ = std.c.write(std.c.STDERR_FILENO, text.ptr, text.len);
    }
}

extern "c" fn _write(fd: c_int, buffer: [*]const u8, count: c_uint) c_int;

test "a handover is live from add to remove, counted per address" {
    var items: [2]u8 = undefined;
    live_handovers.add(&items);
    live_handovers.add(&items);
    live_handovers.remove(&items);
    try std.testing.expectEqual(@as(?usize, 1), live_handovers.counts.get(@intFromPtr(&items)));
    live_handovers.remove(&items);
    try std.testing.expectEqual(@as(?usize, null), live_handovers.counts.get(@intFromPtr(&items)));
}
