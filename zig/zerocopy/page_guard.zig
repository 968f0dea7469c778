//! The checked build's allocator on POSIX systems: every allocation gets pages
//! of its own, and freeing them makes them inaccessible at once (replaced by a
//! reservation with no access), so a read or write after free faults on the
//! spot instead of reading whatever was allocated there next. Freed pages stay
//! reserved in a quarantine of the last `quarantine_len` frees before their
//! addresses go back to the system, so no new allocation lands on them while
//! they are recent. A free of anything it does not hold (a double free, a
//! forged pointer) aborts with the checked build's message.
//!
//! Slow and wasteful on purpose (a system call per allocation and per free, a
//! page at least per allocation): it is for tests, never for a release.

const std = @import("std");
const Allocator = std.mem.Allocator;
const Alignment = std.mem.Alignment;

pub const PageGuard = struct {
    lock: std.atomic.Mutex = .unlocked,
    /// The mapped length of every live allocation, by address.
    live: std.AutoHashMapUnmanaged(usize, usize) = .empty,
    /// Freed, inaccessible mappings, oldest first from `next`.
    quarantine: [quarantine_len][]align(page_min) u8 = @splat(&.{}),
    next: usize = 0,
    /// Aborts the process; the checked build's `fail`, or a test's.
    fail: *const fn (why: []const u8) noreturn,

    pub const quarantine_len = 4096;
    const page_min = std.heap.page_size_min;

    pub fn allocator(self: *PageGuard) Allocator {
        return .{ .ptr = self, .vtable = &.{ .alloc = alloc, .resize = resize, .remap = remap, .free = free } };
    }

    /// Whether `address` lies in memory this allocator freed and still keeps inaccessible.
    pub fn quarantined(self: *PageGuard, address: usize) bool {
        self.acquireLock();
        defer self.lock.unlock();
        for (self.quarantine) |pages| {
            if (address >= @intFromPtr(pages.ptr) and address < @intFromPtr(pages.ptr) + pages.len) return true;
        }
        return false;
    }

    fn alloc(context: *anyopaque, len: usize, alignment: Alignment, ret_addr: usize) ?[*]u8 {
        _ = ret_addr;
        const self: *PageGuard = @ptrCast(@alignCast(context));
        if (alignment.toByteUnits() > std.heap.pageSize()) return null;
        const mapped = std.mem.alignForward(usize, len, std.heap.pageSize());
        const pages = std.posix.mmap(null, mapped, .{ .READ = true, .WRITE = true }, .{ .TYPE = .PRIVATE, .ANONYMOUS = true }, -1, 0) catch return null;
        self.acquireLock();
        defer self.lock.unlock();
        self.live.put(std.heap.c_allocator, @intFromPtr(pages.ptr), mapped) catch {
            std.posix.munmap(pages);
            return null;
        };
        return pages.ptr;
    }

    fn resize(context: *anyopaque, memory: []u8, alignment: Alignment, new_len: usize, ret_addr: usize) bool {
        _ = .{ alignment, ret_addr };
        const self: *PageGuard = @ptrCast(@alignCast(context));
        self.acquireLock();
        defer self.lock.unlock();
        const mapped = self.live.get(@intFromPtr(memory.ptr)) orelse
            self.fail("resize of memory that is not allocated: freed already, or never allocated here");
        return new_len <= mapped;
    }

    fn remap(context: *anyopaque, memory: []u8, alignment: Alignment, new_len: usize, ret_addr: usize) ?[*]u8 {
        return if (resize(context, memory, alignment, new_len, ret_addr)) memory.ptr else null;
    }

    fn free(context: *anyopaque, memory: []u8, alignment: Alignment, ret_addr: usize) void {
        _ = .{ alignment, ret_addr };
        const self: *PageGuard = @ptrCast(@alignCast(context));
        self.acquireLock();
        defer self.lock.unlock();
        const entry = self.live.fetchRemove(@intFromPtr(memory.ptr)) orelse
            self.fail("free of memory that is not allocated: a double free, or a pointer forged or copied by the host");
        if (memory.len > entry.value) self.fail("free of more memory than was allocated there");
        const pages: []align(page_min) u8 = @as([*]align(page_min) u8, @ptrFromInt(entry.key))[0..entry.value];
        // One call swaps the pages for a reservation with no access: the memory
        // goes back to the system, the addresses stay taken and fault.
        var flags: std.posix.MAP = .{ .TYPE = .PRIVATE, .ANONYMOUS = true, .FIXED = true };
        if (@hasField(std.posix.MAP, "NORESERVE")) flags.NORESERVE = true;
        _ = std.posix.mmap(pages.ptr, pages.len, .{}, flags, -1, 0) catch {
            if (std.c.mprotect(pages.ptr, pages.len, .{}) != 0) self.fail("cannot make freed memory inaccessible");
        };
        const oldest = self.quarantine[self.next];
        if (oldest.len != 0) std.posix.munmap(oldest);
        self.quarantine[self.next] = pages;
        self.next = (self.next + 1) % quarantine_len;
    }

    fn acquireLock(self: *PageGuard) void {
        while (!self.lock.tryLock()) std.atomic.spinLoopHint();
    }
};

const testing = std.testing;

/// Whether the kernel can read `address`: `write` reports EFAULT for memory
/// the process may not read, where a plain load would crash the test.
fn readable(address: [*]const u8) !bool {
    var fds: [2]std.c.fd_t = undefined;
    if (std.c.pipe(&fds) != 0) return error.NoPipe;
    defer _ = std.c.close(fds[0]);
    defer _ = std.c.close(fds[1]);
    return std.c.write(fds[1], address, 1) == 1;
}

fn testFail(why: []const u8) noreturn {
    std.debug.panic("{s}", .{why});
}

test "freed memory is inaccessible at once, and stays so while quarantined" {
    var guard: PageGuard = .{ .fail = testFail };
    defer guard.live.deinit(std.heap.c_allocator);
    const gpa = guard.allocator();
    const small = try gpa.create(u64);
    small.* = 42;
    const large = try gpa.alignedAlloc(u8, .@"64", 3 * std.heap.pageSize() + 5);
    @memset(large, 7);
    try testing.expect(try readable(@ptrCast(small)));
    try testing.expect(try readable(large.ptr + large.len - 1));
    gpa.destroy(small);
    gpa.free(large);
    try testing.expect(!try readable(@ptrCast(small)));
    try testing.expect(!try readable(large.ptr + large.len - 1));
    try testing.expect(guard.quarantined(@intFromPtr(large.ptr)));
    // New allocations never land on quarantined addresses.
    for (0..64) |_| {
        const again = try gpa.create(u64);
        defer gpa.destroy(again);
        try testing.expect(@intFromPtr(again) != @intFromPtr(small));
    }
    try testing.expectEqual(@as(usize, 0), guard.live.count());
}

test "an allocation grows in place up to its pages, then moves" {
    var guard: PageGuard = .{ .fail = testFail };
    defer guard.live.deinit(std.heap.c_allocator);
    const gpa = guard.allocator();
    var list: std.ArrayList(u8) = .empty;
    defer list.deinit(gpa);
    try list.appendSlice(gpa, "zerocopy");
    const first = list.items.ptr;
    try list.ensureTotalCapacityPrecise(gpa, 100);
    try testing.expectEqual(first, list.items.ptr);
    try list.ensureTotalCapacityPrecise(gpa, 2 * std.heap.pageSize());
    try testing.expectEqualStrings("zerocopy", list.items);
}
