//! The Zig half of zerocopy, for the library itself and for Zig authors who
//! export their own zero-copy functions to Deno.
//!
//! Hand memory over with `handOverSlice`, `handOverArrayList` or `handOver`,
//! and put `comptime { zerocopy.exportAbi(); }` in your root file so the
//! TypeScript side finds `zc_release`, `zc_abi_version`, `zc_layout` and
//! `zc_stats` in your shared library.

const std = @import("std");
const Allocator = std.mem.Allocator;

pub const abi = @import("abi.zig");
pub const bindings = @import("bindings.zig");
pub const Buffer = abi.Buffer;
pub const ElementType = abi.ElementType;
pub const ReleaseFn = abi.ReleaseFn;
pub const Stats = abi.Stats;
pub const Status = abi.Status;

/// Whether this build checks every free (`zig build checked-lib`).
pub const checked = @import("zerocopy_options").checked;

/// The allocator behind buffers whose caller names none. `private` stores a
/// pointer to it, so it must be a global: this one lives in the binary.
/// A checked build uses a thread-safe DebugAllocator instead of libc's, which
/// panics on frees of memory it does not own and on size mismatches.
pub const default_allocator: *const Allocator = if (checked) &checking_allocator else &std.heap.c_allocator;

var checking_state: std.heap.DebugAllocator(.{ .thread_safe = true, .safety = true }) = .init;
const checking_allocator: Allocator = checking_state.allocator();

pub const AllocateError = error{ OutOfMemory, SizeOverflow };

/// Allocates `len` elements of `T`, telling a byte size that overflows `usize`
/// apart from an allocator that has no memory left.
pub fn allocate(comptime T: type, allocator: *const Allocator, len: usize) AllocateError![]T {
    _ = std.math.mul(usize, len, @sizeOf(T)) catch return error.SizeOverflow;
    return allocator.alloc(T, len);
}

/// Maps an error from `allocate` (or any allocator) onto the ABI status.
pub fn statusOf(err: AllocateError) Status {
    return switch (err) {
        error.OutOfMemory => .out_of_memory,
        error.SizeOverflow => .size_overflow,
    };
}

/// Hands over `slice`, which `allocator` allocated with exactly `slice.len` elements.
/// From here on the receiver owns them; do not free them yourself.
pub fn handOverSlice(comptime T: type, allocator: *const Allocator, slice: []T, out: *Buffer) void {
    handOver(T, slice.ptr, slice.len, slice.len, AllocatorRelease(T).release, @constCast(allocator), out);
}

/// Hands over an `ArrayList`'s memory as it is, without shrinking or copying:
/// the view covers `items.len`, the release frees `capacity`. Leaves `list` empty.
pub fn handOverArrayList(comptime T: type, allocator: *const Allocator, list: *std.ArrayList(T), out: *Buffer) void {
    handOver(T, list.items.ptr, list.items.len, list.capacity, AllocatorRelease(T).release, @constCast(allocator), out);
    list.* = .empty;
}

/// Hands over memory that `release` knows how to give back, passing it `private`.
/// The general form behind the other helpers: use it for memory that no
/// `std.mem.Allocator` owns (a memory-mapped file, a pool slot, ...).
pub fn handOver(
    comptime T: type,
    ptr: [*]T,
    len: usize,
    cap: usize,
    release_fn: ReleaseFn,
    private: ?*anyopaque,
    out: *Buffer,
) void {
    std.debug.assert(len <= cap);
    handOverDescriptor(.{
        .ptr = @ptrCast(ptr),
        .len = len,
        .cap = cap,
        .release = release_fn,
        .private = private,
        .element_type = comptime ElementType.of(T),
        .flags = 0,
    }, out);
}

/// Hands over a descriptor filled in by hand, counting it like the typed helpers
/// do. Its `release` must free `cap` elements of `element_type`.
pub fn handOverDescriptor(buffer: Buffer, out: *Buffer) void {
    out.* = buffer;
    counters.handed_over(buffer.cap * (buffer.element_type.size() orelse 0));
    if (checked) live_handovers.add(buffer.ptr);
}

/// Gives a buffer's memory back exactly once: a released or zeroed descriptor
/// is left alone, so calling this twice is harmless.
pub fn release(buffer: *Buffer) void {
    const release_fn = buffer.release orelse return;
    if (checked) live_handovers.remove(buffer.ptr);
    const bytes = buffer.cap * (buffer.element_type.size() orelse 0);
    release_fn(buffer);
    buffer.* = .released;
    counters.released(bytes);
}

/// An arena whose memory is handed over as several buffers and given back to
/// `child` in one go once the creator and every buffer have let go of it.
pub const SharedArena = struct {
    arena: std.heap.ArenaAllocator,
    child: Allocator,
    /// The creator's reference plus one per buffer handed over and not yet released.
    refs: std.atomic.Value(usize),

    pub fn create(child: Allocator) Allocator.Error!*SharedArena {
        const self = try child.create(SharedArena);
        self.* = .{ .arena = .init(child), .child = child, .refs = .init(1) };
        return self;
    }

    /// Allocates from the arena (not thread-safe: one producer at a time).
    pub fn allocator(self: *SharedArena) Allocator {
        return self.arena.allocator();
    }

    /// Hands over `slice`, allocated from this arena; releasing it drops one reference.
    pub fn handOverSlice(self: *SharedArena, comptime T: type, slice: []T, out: *Buffer) void {
        _ = self.refs.fetchAdd(1, .monotonic);
        handOver(T, slice.ptr, slice.len, slice.len, releaseArenaBuffer, self, out);
    }

    /// Drops the creator's reference: the arena goes once its buffers are released too.
    pub fn done(self: *SharedArena) void {
        self.unref();
    }

    fn unref(self: *SharedArena) void {
        if (self.refs.fetchSub(1, .acq_rel) != 1) return;
        const child = self.child;
        self.arena.deinit();
        child.destroy(self);
    }

    fn releaseArenaBuffer(buffer: *Buffer) callconv(.c) void {
        const self: *SharedArena = @ptrCast(@alignCast(buffer.private orelse return));
        self.unref();
    }
};

/// The elements of a buffer handed back by the host, if it holds `T`; null for
/// another element type, so a wrong cast is an error the caller must handle.
pub fn elements(comptime T: type, buffer: *const Buffer) ?[]T {
    if (buffer.element_type != comptime ElementType.of(T)) return null;
    const ptr = buffer.ptr orelse return &.{};
    const typed: [*]T = @ptrCast(@alignCast(ptr));
    return typed[0..buffer.len];
}

/// Moves ownership out of `buffer` (say, one the host gave back) into the
/// returned descriptor, leaving `buffer` released so its old owner cannot free it.
pub fn take(buffer: *Buffer) Buffer {
    const taken = buffer.*;
    buffer.* = .released;
    return taken;
}

/// Allocates `len` zeroed elements of the type `element_type` names with
/// `allocator` and hands them over: how the host asks Zig for memory to fill.
pub fn allocateAndHandOver(allocator: *const Allocator, element_type: ElementType, len: usize, out: *Buffer) Status {
    out.* = .released;
    switch (element_type) {
        inline .i8, .u8, .i16, .u16, .i32, .u32, .i64, .u64, .f32, .f64 => |tag| {
            const T = tag.Type();
            const memory = allocate(T, allocator, len) catch |err| return statusOf(err);
            @memset(memory, 0);
            handOverSlice(T, allocator, memory, out);
            return .ok;
        },
        _ => return .invalid_element_type,
    }
}

/// Buffers and bytes handed over by this library and not yet released.
pub fn stats() Stats {
    return counters.read();
}

/// A release function for memory that `private: *const Allocator` allocated as `[]T`.
fn AllocatorRelease(comptime T: type) type {
    return struct {
        fn release(buffer: *Buffer) callconv(.c) void {
            const bytes = buffer.ptr orelse return;
            const allocator: *const Allocator = @ptrCast(@alignCast(buffer.private orelse return));
            const typed: [*]T = @ptrCast(@alignCast(bytes));
            allocator.free(typed[0..buffer.cap]);
        }
    };
}

/// In a checked build, the address of every buffer handed over and not yet
/// released, with a count because empty slices share one address. A release
/// of anything else (a double free through a copied descriptor, a forged one)
/// aborts before the allocator touches memory that may already be unmapped.
const live_handovers = struct {
    var lock: std.atomic.Mutex = .unlocked;
    var counts: std.AutoHashMapUnmanaged(usize, usize) = .empty;

    fn add(ptr: ?[*]u8) void {
        lockSpinning();
        defer lock.unlock();
        const entry = counts.getOrPut(std.heap.c_allocator, @intFromPtr(ptr)) catch
            fail("out of memory tracking a handover");
        entry.value_ptr.* = if (entry.found_existing) entry.value_ptr.* + 1 else 1;
    }

    fn remove(ptr: ?[*]u8) void {
        lockSpinning();
        defer lock.unlock();
        const entry = counts.getEntry(@intFromPtr(ptr)) orelse
            fail("release of a buffer that is not live: a double free, or a descriptor copied or forged by the host");
        entry.value_ptr.* -= 1;
        if (entry.value_ptr.* == 0) counts.removeByPtr(entry.key_ptr);
    }

    fn lockSpinning() void {
        while (!lock.tryLock()) std.atomic.spinLoopHint();
    }

    /// Writes with libc alone: std's stderr needs state a host process never set up.
    fn fail(comptime why: []const u8) noreturn {
        const message = "zerocopy checked build: " ++ why ++ "; aborting\n";
        _ = std.c.write(2, message, message.len);
        std.c.abort();
    }
};

const counters = struct {
    var live_buffers = std.atomic.Value(u64).init(0);
    var live_bytes = std.atomic.Value(u64).init(0);
    var total_handed_over = std.atomic.Value(u64).init(0);
    var total_released = std.atomic.Value(u64).init(0);

    fn handed_over(bytes: usize) void {
        _ = live_buffers.fetchAdd(1, .monotonic);
        _ = live_bytes.fetchAdd(bytes, .monotonic);
        _ = total_handed_over.fetchAdd(1, .monotonic);
    }

    fn released(bytes: usize) void {
        _ = live_buffers.fetchSub(1, .monotonic);
        _ = live_bytes.fetchSub(bytes, .monotonic);
        _ = total_released.fetchAdd(1, .monotonic);
    }

    fn read() Stats {
        return .{
            .live_buffers = live_buffers.load(.monotonic),
            .live_bytes = live_bytes.load(.monotonic),
            .total_handed_over = total_handed_over.load(.monotonic),
            .total_released = total_released.load(.monotonic),
        };
    }
};

/// Where a function hands a buffer of `T` over: declare the parameter as
/// `out: ?*zerocopy.Out(T)`. It has the layout of `Buffer`, and the element
/// type lets generated bindings return a `ZeroCopyBuffer` of the right TypedArray.
pub fn Out(comptime T: type) type {
    return extern struct {
        buffer: Buffer,

        pub const Element = T;
        pub const element_type = ElementType.of(T);

        /// Hands over `slice`, which `allocator` allocated with exactly `slice.len` elements.
        pub fn handOverSlice(self: *@This(), allocator: *const Allocator, slice: []T) void {
            zerocopy.handOverSlice(T, allocator, slice, &self.buffer);
        }

        /// Hands over an `ArrayList`'s memory as it is, leaving `list` empty.
        pub fn handOverArrayList(self: *@This(), allocator: *const Allocator, list: *std.ArrayList(T)) void {
            zerocopy.handOverArrayList(T, allocator, list, &self.buffer);
        }

        /// Marks the out-parameter empty, so a failed call hands nothing over.
        pub fn clear(self: *@This()) void {
            self.buffer = .released;
        }
    };
}

const zerocopy = @This();

/// Exports every public function of `namespace` under its own name. Keeping
/// exports in a namespace lets `bindings.zig` reflect over them.
pub fn exportAll(comptime namespace: type) void {
    inline for (@typeInfo(namespace).@"struct".decl_names) |name| {
        const decl = @field(namespace, name);
        if (@typeInfo(@TypeOf(decl)) == .@"fn") @export(&decl, .{ .name = name });
    }
}

/// The exports every zerocopy library needs; the TypeScript side refuses a
/// library without them. Call it from a `comptime` block in your root file.
pub fn exportAbi() void {
    exportAll(abi_exports);
}

/// The exports every ABI version has: the host reads them first, to check the rest.
pub const probe_exports = struct {
    /// The ABI version this library was built for.
    pub fn zc_abi_version() callconv(.c) u32 {
        return abi.abi_version;
    }

    /// JSON manifest of every shared layout, checked by the host at load time.
    pub fn zc_layout() callconv(.c) [*:0]const u8 {
        return abi.layout_json.ptr;
    }
};

/// The C functions behind `exportAbi`, by their exported names.
pub const abi_exports = struct {
    pub const zc_abi_version = probe_exports.zc_abi_version;
    pub const zc_layout = probe_exports.zc_layout;

    /// Frees a buffer once, then zeroes its descriptor; null and released descriptors are no-ops.
    pub fn zc_release(buffer: ?*Buffer) callconv(.c) void {
        release(buffer orelse return);
    }

    /// Counters of buffers handed over and not yet released.
    pub fn zc_stats(out: ?*Stats) callconv(.c) Status {
        (out orelse return .invalid_argument).* = stats();
        return .ok;
    }

    /// Zeroed memory from the default allocator, for the host to fill.
    pub fn zc_allocate(element_type: u32, len: u64, out: ?*Buffer) callconv(.c) Status {
        return allocateAndHandOver(default_allocator, @fromBackingInt(@intCast(element_type)), len, out orelse return .invalid_argument);
    }
};

const testing = std.testing;

test "handOverSlice then release frees through the same allocator, once" {
    const gpa = testing.allocator;
    const before = stats();
    const numbers = try allocate(i32, &gpa, 1000);
    for (numbers, 0..) |*x, i| x.* = @intCast(i);
    var buffer: Buffer = undefined;
    handOverSlice(i32, &gpa, numbers, &buffer);
    try testing.expectEqual(@as(usize, 1000), buffer.len);
    try testing.expectEqual(ElementType.i32, buffer.element_type);
    try testing.expectEqual(before.live_buffers + 1, stats().live_buffers);
    try testing.expectEqual(before.live_bytes + 4000, stats().live_bytes);
    release(&buffer);
    release(&buffer);
    abi_exports.zc_release(null);
    try testing.expectEqual(before.live_buffers, stats().live_buffers);
    try testing.expectEqual(before.live_bytes, stats().live_bytes);
    try testing.expectEqual(Buffer.released, buffer);
}

test "handOverArrayList keeps the capacity and frees all of it" {
    const gpa = testing.allocator;
    var list: std.ArrayList(f64) = .empty;
    try list.ensureTotalCapacity(gpa, 100);
    try list.appendSlice(gpa, &.{ 1.5, 2.5, 3.5 });
    var buffer: Buffer = undefined;
    handOverArrayList(f64, &gpa, &list, &buffer);
    try testing.expectEqual(@as(usize, 3), buffer.len);
    try testing.expect(buffer.cap >= 100);
    try testing.expectEqual(@as(usize, 0), list.capacity);
    release(&buffer); // the testing allocator fails the test on a wrong-size free or a leak
}

test "allocate reports a byte size that overflows usize" {
    try testing.expectError(error.SizeOverflow, allocate(u64, &testing.allocator, std.math.maxInt(usize) / 4));
    try testing.expectEqual(Status.size_overflow, statusOf(error.SizeOverflow));
}

test "allocate reports an allocator that has no memory" {
    const failing = testing.failing_allocator;
    try testing.expectError(error.OutOfMemory, allocate(u8, &failing, 16));
}

test "zc_stats refuses a null out-parameter" {
    try testing.expectEqual(Status.invalid_argument, abi_exports.zc_stats(null));
    var s: Stats = undefined;
    try testing.expectEqual(Status.ok, abi_exports.zc_stats(&s));
}

test "allocateAndHandOver zeroes the memory and rejects unknown element types" {
    const gpa = testing.allocator;
    var buffer: Buffer = undefined;
    try testing.expectEqual(Status.ok, allocateAndHandOver(&gpa, .u16, 64, &buffer));
    defer release(&buffer);
    for (elements(u16, &buffer).?) |x| try testing.expectEqual(@as(u16, 0), x);
    try testing.expectEqual(@as(?[]f32, null), elements(f32, &buffer));
    var other: Buffer = undefined;
    try testing.expectEqual(Status.invalid_element_type, allocateAndHandOver(&gpa, @fromBackingInt(@intCast(42)), 1, &other));
    try testing.expectEqual(Status.size_overflow, allocateAndHandOver(&gpa, .u64, std.math.maxInt(usize), &other));
}

test "SharedArena frees its memory once the creator and every buffer let go" {
    const shared = try SharedArena.create(testing.allocator);
    var first: Buffer = undefined;
    var second: Buffer = undefined;
    shared.handOverSlice(u32, try shared.allocator().alloc(u32, 100), &first);
    shared.handOverSlice(f64, try shared.allocator().alloc(f64, 10), &second);
    shared.done();
    release(&first);
    try testing.expectEqual(@as(usize, 1), shared.refs.load(.monotonic));
    release(&second); // frees the arena: the testing allocator fails the test if it leaked
}

test "take moves ownership and leaves the source released" {
    const gpa = testing.allocator;
    var given: Buffer = undefined;
    try testing.expectEqual(Status.ok, allocateAndHandOver(&gpa, .f64, 8, &given));
    var kept = take(&given);
    release(&given); // the old owner's release is now a no-op
    try testing.expect(kept.ptr != null);
    release(&kept);
}

test {
    _ = abi;
}
