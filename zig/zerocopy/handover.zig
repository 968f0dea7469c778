//! Handing memory over to the host (Zig → Deno) and getting it back: the
//! typed helpers, the one `release` every descriptor goes through, and
//! `claim` for a descriptor the host gives back.

const std = @import("std");
const Allocator = std.mem.Allocator;
const abi = @import("abi.zig");
const checked = @import("checked.zig");
const counters = @import("stats.zig");
const background = @import("background_release.zig");
const handed_over = @import("handed_over.zig");
const Descriptor = abi.Descriptor;
const ElementType = abi.ElementType;
const ReleaseFn = abi.ReleaseFn;
const Status = abi.Status;

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
pub fn handOverSlice(comptime T: type, allocator: *const Allocator, slice: []T, out: *Descriptor) void {
    handOver(T, slice.ptr, slice.len, slice.len, AllocatorRelease(T, T).release, @constCast(allocator), out);
}

/// Hands over an `ArrayList`'s memory as it is, without shrinking or copying:
/// the view covers `items.len`, the release frees `capacity`. Leaves `list` empty.
pub fn handOverArrayList(comptime T: type, allocator: *const Allocator, list: *std.ArrayList(T), out: *Descriptor) void {
    handOver(T, list.items.ptr, list.items.len, list.capacity, AllocatorRelease(T, T).release, @constCast(allocator), out);
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
    out: *Descriptor,
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
pub fn handOverDescriptor(descriptor: Descriptor, out: *Descriptor) void {
    var recorded = descriptor;
    handed_over.add(&recorded);
    out.* = recorded;
    counters.handedOver(descriptor.cap * (descriptor.element_type.size() orelse 0));
    if (checked.enabled) checked.live_handovers.add(descriptor.ptr);
}

/// Gives a descriptor's memory back exactly once: a released or zeroed
/// descriptor is left alone, so calling this twice is harmless. A big buffer
/// of the C or page allocator is freed on the release thread
/// (`background_release.zig`): counted as released at once, its pages as
/// `releasing` until the thread has given them back.
pub fn release(descriptor: *Descriptor) void {
    if (descriptor.release == null) return;
    _ = handed_over.take(descriptor); // its words no longer own anything, wherever they are
    releaseTaken(descriptor);
}

/// `release` for a descriptor Zig keeps in its own memory and took out of
/// `handed_over.zig` already (or never recorded there).
pub fn releaseTaken(descriptor: *Descriptor) void {
    const release_fn = descriptor.release orelse return;
    if (checked.enabled) checked.live_handovers.remove(descriptor.ptr);
    const bytes = descriptor.cap * (descriptor.element_type.size() orelse 0);
    const queued = background.movable(descriptor, bytes) and background.push(descriptor.*, bytes);
    if (!queued) release_fn(descriptor);
    descriptor.* = .released;
    counters.released(bytes);
}

/// The elements of a descriptor handed back by the host, if it holds `T`; null
/// for another element type, so a wrong cast is an error the caller must handle.
pub fn elements(comptime T: type, descriptor: *const Descriptor) ?[]T {
    if (descriptor.element_type != comptime ElementType.of(T)) return null;
    const ptr = descriptor.ptr orelse return &.{};
    const typed: [*]T = @ptrCast(@alignCast(ptr));
    return typed[0..descriptor.len];
}

/// Takes ownership of a descriptor the host gave back: returns it and leaves
/// `given` released, so its old owner cannot free the memory too. Words with
/// a release that Zig did not hand over to the host (written or copied by it,
/// or given back twice) claim nothing: the result is then released. Words
/// without one (memory lent, not given) are returned as they are.
pub fn claim(given: *Descriptor) Descriptor {
    const claimed = given.*;
    given.* = .released;
    return if (claimed.release == null or handed_over.take(&claimed)) claimed else .released;
}

/// Allocates `len` zeroed elements of the type `element_type` names with
/// `allocator` and hands them over: how the host asks Zig for memory to fill.
pub fn allocateAndHandOver(allocator: *const Allocator, element_type: ElementType, len: usize, out: *Descriptor) Status {
    out.* = .released;
    switch (element_type) {
        inline else => |tag| {
            const T = tag.Type();
            const memory = allocate(T, allocator, len) catch |err| return statusOf(err);
            @memset(memory, 0);
            handOverSlice(T, allocator, memory, out);
            return .ok;
        },
        _ => return .invalid_element_type,
    }
}

/// A release function for memory that `private: *const Allocator` allocated as
/// `[]T`, whose descriptor counts `cap` in `Unit`s: `T` itself, or `u8` for
/// records handed over as bytes.
pub fn AllocatorRelease(comptime T: type, comptime Unit: type) type {
    return struct {
        pub fn release(descriptor: *Descriptor) callconv(.c) void {
            // Nothing was allocated, and an empty slice's pointer need not be aligned.
            if (descriptor.cap == 0) return;
            const bytes = descriptor.ptr orelse return;
            const allocator: *const Allocator = @ptrCast(@alignCast(descriptor.private orelse return));
            const typed: [*]T = @ptrCast(@alignCast(bytes));
            const items = typed[0 .. descriptor.cap * @sizeOf(Unit) / @sizeOf(T)];
            // Not `free`, which in safe builds first writes over every byte: a
            // pass over the whole buffer (faulting back in any page the program
            // never touched) that costs more than the free itself. A use after
            // free is what the checked build's page guard catches.
            allocator.rawFree(std.mem.sliceAsBytes(items), .of(T), @returnAddress());
        }
    };
}

const testing = std.testing;
const stats = counters.stats;

test "handOverSlice then release frees through the same allocator, once" {
    const gpa = testing.allocator;
    const before = stats();
    const numbers = try allocate(i32, &gpa, 1000);
    for (numbers, 0..) |*x, i| x.* = @intCast(i);
    var descriptor: Descriptor = undefined;
    handOverSlice(i32, &gpa, numbers, &descriptor);
    try testing.expectEqual(@as(usize, 1000), descriptor.len);
    try testing.expectEqual(ElementType.i32, descriptor.element_type);
    try testing.expectEqual(before.live_buffers + 1, stats().live_buffers);
    try testing.expectEqual(before.live_bytes + 4000, stats().live_bytes);
    release(&descriptor);
    release(&descriptor);
    try testing.expectEqual(before.live_buffers, stats().live_buffers);
    try testing.expectEqual(before.live_bytes, stats().live_bytes);
    try testing.expectEqual(Descriptor.released, descriptor);
}

test "handOverArrayList keeps the capacity and frees all of it" {
    const gpa = testing.allocator;
    var list: std.ArrayList(f64) = .empty;
    try list.ensureTotalCapacity(gpa, 100);
    try list.appendSlice(gpa, &.{ 1.5, 2.5, 3.5 });
    var descriptor: Descriptor = undefined;
    handOverArrayList(f64, &gpa, &list, &descriptor);
    try testing.expectEqual(@as(usize, 3), descriptor.len);
    try testing.expect(descriptor.cap >= 100);
    try testing.expectEqual(@as(usize, 0), list.capacity);
    release(&descriptor); // the testing allocator fails the test on a wrong-size free or a leak
}

test "an empty ArrayList is handed over and released without touching its pointer" {
    var list: std.ArrayList(f64) = .empty;
    var descriptor: Descriptor = undefined;
    handOverArrayList(f64, &testing.allocator, &list, &descriptor);
    try testing.expectEqual(@as(usize, 0), descriptor.cap);
    release(&descriptor);
    try testing.expectEqual(Descriptor.released, descriptor);
}

test "allocate reports a byte size that overflows usize" {
    try testing.expectError(error.SizeOverflow, allocate(u64, &testing.allocator, std.math.maxInt(usize) / 4));
    try testing.expectEqual(Status.size_overflow, statusOf(error.SizeOverflow));
}

test "allocate reports an allocator that has no memory" {
    const failing = testing.failing_allocator;
    try testing.expectError(error.OutOfMemory, allocate(u8, &failing, 16));
}

test "allocateAndHandOver zeroes every element type and rejects unknown ones" {
    const gpa = testing.allocator;
    inline for (ElementType.known) |tag| {
        var descriptor: Descriptor = undefined;
        try testing.expectEqual(Status.ok, allocateAndHandOver(&gpa, tag, 64, &descriptor));
        defer release(&descriptor);
        for (elements(tag.Type(), &descriptor).?) |x| try testing.expectEqual(@as(tag.Type(), 0), x);
    }
    var descriptor: Descriptor = undefined;
    try testing.expectEqual(Status.ok, allocateAndHandOver(&gpa, .u16, 64, &descriptor));
    defer release(&descriptor);
    try testing.expectEqual(@as(?[]f32, null), elements(f32, &descriptor));
    var other: Descriptor = undefined;
    try testing.expectEqual(Status.invalid_element_type, allocateAndHandOver(&gpa, @fromBackingInt(@intCast(42)), 1, &other));
    try testing.expectEqual(Status.size_overflow, allocateAndHandOver(&gpa, .u64, std.math.maxInt(usize), &other));
}

test "claim takes only words Zig handed over, once" {
    const gpa = testing.allocator;
    var given: Descriptor = undefined;
    try testing.expectEqual(Status.ok, allocateAndHandOver(&gpa, .u8, 8, &given));
    const copy = given;
    var forged = given;
    forged.cap = 1 << 20;
    try testing.expectEqual(Descriptor.released, claim(&forged));
    var kept = claim(&given);
    var again = copy;
    try testing.expectEqual(Descriptor.released, claim(&again));
    releaseTaken(&kept);
}

test "claim moves ownership and leaves the given descriptor released" {
    const gpa = testing.allocator;
    var given: Descriptor = undefined;
    try testing.expectEqual(Status.ok, allocateAndHandOver(&gpa, .f64, 8, &given));
    var kept = claim(&given);
    release(&given); // the old owner's release is now a no-op
    try testing.expect(kept.ptr != null);
    release(&kept);
}
