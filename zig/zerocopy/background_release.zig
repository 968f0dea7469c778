//! Big releases run on a thread of their own. Giving back a large buffer whose
//! pages were touched costs time in proportion to its size (the kernel takes
//! back every page), and a dispose on the JavaScript thread would freeze its
//! event loop for that long. A release of
//! at least `threshold` bytes whose allocator is known to be thread-safe is
//! queued here instead, and `release` returns at once. The buffer counts as
//! released from then on (nothing can reach it any more), and its bytes as
//! `releasing` until the thread has given them back.
//!
//! The thread starts with the first queued release and never ends: a process
//! that exits drops what is still queued, which the kernel takes back anyway.
//! `flush` waits for the queue to empty, for tests and tools that measure
//! memory. The checked build releases everything at once, where it is asked,
//! so that its page guard faults on the first use after a free.

const builtin = @import("builtin");
const std = @import("std");
const abi = @import("abi.zig");
const checked = @import("checked.zig");
const Descriptor = abi.Descriptor;

/// Releases smaller than this run where they are asked: the queue's own cost
/// (an allocation and a wake-up) is about what freeing 1 MiB costs.
pub const threshold: usize = 1 << 20;

const Queued = struct {
    descriptor: Descriptor,
    bytes: usize,
    next: ?*Queued,
};

/// Queued releases, newest first: pushed by any thread, emptied in one swap by
/// the release thread only, so no ABA problem.
var queue = std.atomic.Value(?*Queued).init(null);
var releasing_buffers = std.atomic.Value(u64).init(0);
var releasing_bytes = std.atomic.Value(u64).init(0);
var freed_buffers = std.atomic.Value(u64).init(0);
/// Futex words: `pushed` changes with every push, `finished` after every
/// batch the thread frees; `sleeping` spares a push the wake-up syscall while
/// the thread is busy.
var pushed = std.atomic.Value(u32).init(0);
var finished = std.atomic.Value(u32).init(0);
var sleeping = std.atomic.Value(u32).init(0);
var started = std.atomic.Value(u32).init(0);

fn io() std.Io {
    return std.Io.Threaded.global_single_threaded.io();
}

/// Whether a release may run on another thread: only a release function and
/// allocator this library knows, never a caller's (an arena, a debug
/// allocator, a pool's own list), which may not be thread-safe.
pub fn movable(descriptor: *const Descriptor, bytes: usize) bool {
    if (!supported or checked.enabled or bytes < threshold) return false;
    const private = descriptor.private orelse return false;
    if (private != @as(*anyopaque, @ptrCast(@constCast(&std.heap.c_allocator))) and
        private != @as(*anyopaque, @ptrCast(@constCast(&std.heap.page_allocator)))) return false;
    const release_fn = descriptor.release orelse return false;
    inline for (abi.ElementType.known) |tag| {
        const T = tag.Type();
        if (release_fn == &@import("handover.zig").AllocatorRelease(T, T).release) return true;
    }
    return false;
}

/// Queues `descriptor`'s release of `bytes` bytes; false, queuing nothing,
/// when the thread or the queue's entry cannot be had (the caller then
/// releases it itself).
pub fn push(descriptor: Descriptor, bytes: usize) bool {
    if (!ensureThread()) return false;
    const entry = std.heap.c_allocator.create(Queued) catch return false;
    entry.* = .{ .descriptor = descriptor, .bytes = bytes, .next = null };
    _ = releasing_buffers.fetchAdd(1, .monotonic);
    _ = releasing_bytes.fetchAdd(bytes, .monotonic);
    var head = queue.load(.monotonic);
    while (true) {
        entry.next = head;
        head = queue.cmpxchgWeak(head, entry, .seq_cst, .monotonic) orelse break;
    }
    _ = pushed.fetchAdd(1, .seq_cst);
    if (sleeping.load(.seq_cst) != 0) io().futexWake(u32, &pushed.raw, 1);
    return true;
}

const supported = builtin.os.tag == .linux and builtin.link_libc;

/// Keeps the shared library holding this code loaded for good, whatever
/// `dlclose` its host calls: the release thread must never find its code gone.
fn pinSelf() bool {
    // A program (this module's own tests) is never unloaded.
    if (builtin.output_mode != .Lib) return true;
    // Only Linux runs the thread, and only glibc's and musl's `dl_phdr_info` is read here.
    if (comptime !supported) return false;
    return pinLoadedSelf();
}

fn pinLoadedSelf() bool {
    const Search = struct {
        address: usize,
        found: bool = false,

        fn visit(info: *std.c.dl_phdr_info, size: usize, data: ?*anyopaque) callconv(.c) c_int {
            _ = size;
            const search: *@This() = @ptrCast(@alignCast(data));
            for (info.phdr[0..info.phnum]) |phdr| {
                if (phdr.type != .LOAD) continue;
                const start = info.addr + phdr.vaddr;
                if (search.address < start or search.address >= start + phdr.memsz) continue;
                const name = info.name orelse return 1;
                if (name[0] == 0) return 1;
                search.found = std.c.dlopen(name, .{ .NOW = true, .NOLOAD = true, .NODELETE = true }) != null;
                return 1;
            }
            return 0;
        }
    };
    var search: Search = .{ .address = @intFromPtr(&pinSelf) };
    _ = std.c.dl_iterate_phdr(Search.visit, &search);
    return search.found;
}

fn ensureThread() bool {
    if (started.load(.acquire) == 2) return true;
    if (started.cmpxchgStrong(0, 1, .acquire, .acquire)) |state| {
        // Another thread is starting it: wait for the outcome.
        var now = state;
        while (now == 1) : (now = started.load(.acquire)) std.atomic.spinLoopHint();
        // 3: the library cannot be pinned, so no thread may run its code.
        return now == 2;
    }
    if (!pinSelf()) {
        started.store(3, .release);
        return false;
    }
    const thread = std.Thread.spawn(.{ .stack_size = 1 << 20 }, run, .{}) catch {
        started.store(0, .release);
        return false;
    };
    thread.detach();
    started.store(2, .release);
    return true;
}

/// After work, the thread polls the queue every `poll_ms` for `fast_polls`
/// rounds (half a second), then every `slow_poll_ms` until it has been idle
/// for a minute, and only then sleeps until a push wakes it. A push finds it
/// polling, and needs no wake-up system call, unless no big buffer was
/// released for a minute: that call (tens of microseconds on a virtual
/// machine, where waking another core is a trip through the hypervisor) would
/// otherwise be most of a big dispose. Idle, the slow polls cost 20 wake-ups a
/// second for that minute; a released buffer waits at most `slow_poll_ms`.
const poll_ms = 2;
const fast_polls = 250;
const slow_poll_ms = 50;
const max_idle_polls = fast_polls + 60_000 / slow_poll_ms;

extern "c" fn setpriority(which: c_int, who: c_uint, prio: c_int) c_int;

fn run() void {
    // Lowest priority, and a batch thread, which never preempts another on
    // waking: on a busy machine, freeing pages must not take the caller's core.
    // Comptime-gated, so that no other target's build (Debug keeps dead code)
    // links a symbol its C library lacks.
    if (comptime supported) {
        _ = setpriority(0, 0, 19);
        _ = std.os.linux.sched_setscheduler(0, .{ .mode = .BATCH }, &.{ .priority = 0 });
    }
    var idle_polls: u32 = 0;
    while (true) {
        const seen = pushed.load(.seq_cst);
        var next = queue.swap(null, .acquire);
        if (next == null and idle_polls < max_idle_polls) {
            // Still awake from recent work: polling spares every push the
            // wake-up syscall, which costs a dispose more than all else.
            idle_polls += 1;
            const wait_ms: i64 = if (idle_polls <= fast_polls) poll_ms else slow_poll_ms;
            io().futexWaitTimeout(u32, &pushed.raw, seen, .{ .duration = .{
                .raw = .fromMilliseconds(wait_ms),
                .clock = .awake,
            } }) catch {};
            continue;
        }
        if (next == null) {
            sleeping.store(1, .seq_cst);
            if (queue.load(.seq_cst) == null) io().futexWaitUncancelable(u32, &pushed.raw, seen);
            sleeping.store(0, .seq_cst);
            continue;
        }
        idle_polls = 0;
        while (next) |entry| {
            next = entry.next;
            givePagesBack(entry.descriptor.ptr, entry.bytes);
            const release_fn = entry.descriptor.release.?;
            release_fn(&entry.descriptor);
            _ = releasing_bytes.fetchSub(entry.bytes, .monotonic);
            _ = freed_buffers.fetchAdd(1, .monotonic);
            _ = releasing_buffers.fetchSub(1, .release);
            std.heap.c_allocator.destroy(entry);
        }
        _ = finished.fetchAdd(1, .release);
        io().futexWake(u32, &finished.raw, std.math.maxInt(u32));
    }
}

/// Pages given back per system call. One `munmap` of a whole big buffer holds
/// the process's memory-map lock for as long as it frees pages, and every
/// thread that maps or protects memory meanwhile (V8 growing its heap or
/// writing code) waits for it: freed in steps this small, the JavaScript
/// thread waits for one step at most.
const step_bytes: usize = 2 << 20;

/// Drops the pages of `bytes` bytes at `ptr` step by step, so that the free
/// that follows finds next to nothing left to give back. The memory stays
/// mapped (reading it gives zeros), which the allocator's free expects.
fn givePagesBack(ptr: ?[*]u8, bytes: usize) void {
    const page = std.heap.pageSize();
    const start = std.mem.alignForward(usize, @intFromPtr(ptr orelse return), page);
    const end = std.mem.alignBackward(usize, @intFromPtr(ptr.?) + bytes, page);
    var at = start;
    while (at < end) : (at += step_bytes) {
        _ = std.os.linux.madvise(@ptrFromInt(at), @min(step_bytes, end - at), std.os.linux.MADV.DONTNEED);
    }
}

/// Buffers and bytes queued or being freed: released, but not yet given back
/// to the system; and how many buffers the thread has freed in all.
pub fn releasing() struct { buffers: u64, bytes: u64, freed: u64 } {
    return .{
        .buffers = releasing_buffers.load(.acquire),
        .bytes = releasing_bytes.load(.monotonic),
        .freed = freed_buffers.load(.monotonic),
    };
}

/// Waits up to `timeout_ms` milliseconds for every queued release to finish;
/// returns how many buffers are still queued (0: all freed).
pub fn flush(timeout_ms: u32) u64 {
    // The thread may be between slow polls: a waiting caller should not wait for the next one.
    if (releasing_buffers.load(.acquire) != 0) {
        _ = pushed.fetchAdd(1, .seq_cst);
        io().futexWake(u32, &pushed.raw, 1);
    }
    const deadline = std.Io.Clock.Timestamp.fromNow(io(), .{
        .raw = .fromMilliseconds(timeout_ms),
        .clock = .awake,
    });
    while (true) {
        const seen = finished.load(.acquire);
        const left = releasing_buffers.load(.acquire);
        if (left == 0) return 0;
        io().futexWaitTimeout(u32, &finished.raw, seen, .{ .deadline = deadline }) catch {};
        const now = std.Io.Clock.Timestamp.now(io(), .awake);
        if (now.raw.nanoseconds >= deadline.raw.nanoseconds) return releasing_buffers.load(.acquire);
    }
}

const testing = std.testing;

test "a big release of the C allocator's memory is queued, counted until freed, and freed once" {
    if (!supported or checked.enabled) return error.SkipZigTest;
    const handover = @import("handover.zig");
    const counters = @import("stats.zig");
    const before = counters.stats();
    var buffer: Descriptor = undefined;
    const allocator = &std.heap.c_allocator;
    try testing.expectEqual(abi.Status.ok, handover.allocateAndHandOver(allocator, .u8, 4 << 20, &buffer));
    try testing.expect(movable(&buffer, 4 << 20));
    handover.release(&buffer);
    try testing.expectEqual(Descriptor.released, buffer);
    try testing.expectEqual(before.live_buffers, counters.stats().live_buffers);
    try testing.expectEqual(@as(u64, 0), flush(10_000));
    try testing.expectEqual(@as(u64, 0), releasing().buffers);
    try testing.expectEqual(before.live_buffers, counters.stats().live_buffers);
    try testing.expectEqual(before.live_bytes, counters.stats().live_bytes);
    try testing.expectEqual(before.total_released + 1, counters.stats().total_released);
}

test "small releases and unknown allocators are not queued" {
    var buffer: Descriptor = .released;
    buffer.private = @ptrCast(@constCast(&std.heap.c_allocator));
    buffer.release = &@import("handover.zig").AllocatorRelease(u8, u8).release;
    try testing.expect(!movable(&buffer, threshold - 1));
    try testing.expectEqual(supported and !checked.enabled, movable(&buffer, threshold));
    buffer.private = @ptrCast(@constCast(&testing.allocator));
    try testing.expect(!movable(&buffer, threshold));
}

test "the thread still polls half a second after its last release, so the next push needs no wake-up" {
    if (!supported or checked.enabled) return error.SkipZigTest;
    const handover = @import("handover.zig");
    var buffer: Descriptor = undefined;
    try testing.expectEqual(abi.Status.ok, handover.allocateAndHandOver(&std.heap.c_allocator, .u8, threshold, &buffer));
    const freed_before = releasing().freed;
    handover.release(&buffer);
    try testing.expectEqual(@as(u64, 0), flush(10_000));
    try testing.expectEqual(freed_before + 1, releasing().freed);
    // Past the fast polls: the thread must be between slow polls, not asleep.
    try io().sleep(.fromMilliseconds(fast_polls * poll_ms + 100), .awake);
    try testing.expectEqual(@as(u32, 0), sleeping.load(.seq_cst));
}
