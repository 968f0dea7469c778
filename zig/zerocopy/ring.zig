//! Rings: a fixed set of equal slots in one region of memory, for streams of
//! buffers (packets, audio chunks, video frames). A producer fills the next
//! free slot and hands it over; the host views it (mapped once, with the ring)
//! and releases the slot when done with it.
//!
//! Each slot has a state word here, in Zig, changed only by atomic
//! compare-and-swap: `acquire` turns a free slot held, `releaseSlot` turns a
//! held slot free. So a slot the host holds is never handed out again until
//! the host releases it, whichever thread produces, and releasing a slot twice
//! fails instead of freeing a slot someone else now holds.
//!
//! A view of a released slot is not revoked: it reads the slot's next contents.
//! It never reads freed memory, because the ring's memory lives until the
//! ring's descriptor is released, which the host does after detaching every view.

const std = @import("std");
const Allocator = std.mem.Allocator;
const abi = @import("abi.zig");
const handover = @import("handover.zig");
const checked = @import("checked.zig");
const counters = @import("stats.zig");
const handles = @import("handles.zig");
const region = @import("region.zig");
const Descriptor = abi.Descriptor;
const ElementType = abi.ElementType;
const Status = abi.Status;
const Error = region.Error;

pub const Ring = struct {
    /// `slot_count` slots, each `stride` bytes apart.
    memory: []align(alignment.toByteUnits()) u8,
    slot_bytes: usize,
    stride: usize,
    states: []std.atomic.Value(State),
    /// Where the search for a free slot starts: the slot after the last one acquired.
    cursor: std.atomic.Value(u32) = .init(0),
    allocator: *const Allocator,
    /// Names this ring to the host; refused once the ring is released.
    handle: handles.Handle = 0,

    pub const State = enum(u32) { free, held };
    /// Each slot starts on a cache line: aligned for every element type and
    /// SIMD load, and two slots never share a line between threads.
    pub const alignment: std.mem.Alignment = .@"64";

    /// Allocates `slot_count` slots (at least 1) of `slot_bytes` bytes (at least 1)
    /// with `allocator`, which must outlive the ring.
    pub fn create(allocator: *const Allocator, slot_count: u32, slot_bytes: usize) (Allocator.Error || Error)!*Ring {
        std.debug.assert(slot_count > 0 and slot_bytes > 0);
        const stride = std.mem.alignForward(usize, slot_bytes, alignment.toByteUnits());
        if (stride < slot_bytes) return error.SizeOverflow;
        const total = std.math.mul(usize, stride, slot_count) catch return error.SizeOverflow;
        const self = try allocator.create(Ring);
        errdefer allocator.destroy(self);
        const memory = try allocator.alignedAlloc(u8, alignment, total);
        errdefer allocator.free(memory);
        const states = try allocator.alloc(std.atomic.Value(State), slot_count);
        errdefer allocator.free(states);
        for (states) |*state| state.* = .init(.free);
        self.* = .{ .memory = memory, .slot_bytes = slot_bytes, .stride = stride, .states = states, .allocator = allocator };
        self.handle = try handles.global.register(.ring, self);
        return self;
    }

    /// Hands the whole ring over as `u8`, once: releasing the descriptor frees
    /// it. The descriptor's `private` is the ring's handle, not its address.
    pub fn handOver(self: *Ring, out: *Descriptor) void {
        handover.handOver(u8, self.memory.ptr, self.memory.len, self.memory.len, release, @ptrFromInt(self.handle), out);
    }

    /// Claims the next free slot, or null when the host holds every slot.
    pub fn acquire(self: *Ring) ?u32 {
        const count: u32 = @intCast(self.states.len);
        const start = self.cursor.load(.monotonic);
        for (0..count) |step| {
            const index: u32 = @intCast((start + step) % count);
            if (self.states[index].cmpxchgStrong(.free, .held, .acquire, .monotonic) == null) {
                self.cursor.store((index + 1) % count, .monotonic);
                return index;
            }
        }
        return null;
    }

    /// Frees a held slot for the producer; false when it was not held (released
    /// twice, or never handed out).
    pub fn releaseSlot(self: *Ring, index: u32) bool {
        if (index >= self.states.len) return false;
        return self.states[index].cmpxchgStrong(.held, .free, .release, .monotonic) == null;
    }

    /// The bytes of slot `index`.
    pub fn slot(self: *const Ring, index: u32) []u8 {
        return self.memory[@as(usize, index) * self.stride ..][0..self.slot_bytes];
    }

    /// The live ring `handle` names, pinned: it is not freed before `unpin`,
    /// even if its descriptor is released meanwhile. Null for a stale, forged
    /// or foreign handle, which is never dereferenced.
    pub fn pin(handle: handles.Handle) ?*Ring {
        return @ptrCast(@alignCast(handles.global.pin(handle, .ring) orelse return null));
    }

    /// Ends a `pin`.
    pub fn unpin(self: *Ring) void {
        handles.global.unpin(self.handle);
    }

    fn release(descriptor: *Descriptor) callconv(.c) void {
        _ = handles.global.retire(region.handleOf(descriptor), .ring, destroy);
    }

    fn destroy(object: *anyopaque) void {
        const self: *Ring = @ptrCast(@alignCast(object));
        const allocator = self.allocator;
        allocator.free(self.memory);
        allocator.free(self.states);
        allocator.destroy(self);
    }
};

/// Where a function hands a ring slot of `T` over: declare the parameter as
/// `out: ?*zerocopy.RingOut(T)`, fill what `out.acquire()` returns, and say
/// how much of it counts with `out.handOver(len)`. Generated bindings take a
/// TypeScript `Ring` for it and return the slot.
pub fn RingOut(comptime T: type) type {
    return extern struct {
        slice: abi.SliceOut,

        pub const Element = T;
        pub const element_type = ElementType.of(T);
        /// Read by the bindings generator.
        pub const hands_over_into = .ring;

        /// The next free slot, whole, for the function to fill; `Full` when the
        /// host holds every slot. From here the slot is the host's: a function
        /// that fails after this still returns it, and the host releases it.
        /// Once per call: `HandedOverAlready` when `out` holds a slot already
        /// (the host clears `element_type` before each call), since a second
        /// slot would overwrite the first, which nobody could release then.
        pub fn acquire(self: *@This()) Error![]T {
            if (self.slice.element_type != @as(ElementType, @fromBackingInt(0))) return error.HandedOverAlready;
            const ring = Ring.pin(self.slice.owner) orelse return error.StaleHandle;
            defer ring.unpin();
            if (ring.slot_bytes % @sizeOf(T) != 0) return error.SizeOverflow;
            const index = ring.acquire() orelse return error.Full;
            const bytes = ring.slot(index);
            self.slice = .{
                .owner = self.slice.owner,
                .offset = @as(u64, index) * ring.stride,
                .len = bytes.len / @sizeOf(T),
                .element_type = element_type,
                .slot = index,
            };
            const typed: [*]T = @ptrCast(@alignCast(bytes.ptr));
            return typed[0 .. bytes.len / @sizeOf(T)];
        }

        /// Hands over the first `len` elements of the acquired slot (all of it by default).
        pub fn handOver(self: *@This(), len: usize) void {
            std.debug.assert(self.slice.element_type == element_type and len <= self.slice.len);
            self.slice.len = len;
        }
    };
}

/// The C functions behind rings, by their exported names; part of every
/// zerocopy library's ABI exports.
pub const exports = struct {
    /// A ring of `slots` slots of `slot_bytes` bytes each (both at least 1) from the default allocator, handed over once as u8; releasing the descriptor frees it.
    pub fn zc_ring_create(slots: u32, slot_bytes: u64, out: ?*Descriptor) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.* = .released;
        if (slots == 0 or slot_bytes == 0) return .invalid_argument;
        const bytes = std.math.cast(usize, slot_bytes) orelse return .size_overflow;
        const ring = Ring.create(checked.default_allocator, slots, bytes) catch |err| return switch (err) {
            error.OutOfMemory => .out_of_memory,
            else => |e| region.statusOf(e),
        };
        ring.handOver(target);
        return .ok;
    }

    /// Claims the next free slot of the ring `out.owner` names, whole and as bytes, for the host to fill.
    pub fn zc_ring_acquire(out: ?*abi.SliceOut) callconv(.c) Status {
        const target: *RingOut(u8) = @ptrCast(out orelse return .invalid_argument);
        _ = target.acquire() catch |err| return region.statusOf(err);
        return .ok;
    }

    /// Gives slot `slot` back to the producer of the ring `handle` names (its descriptor's `private`); invalid_argument when the slot is not held, stale_handle once the ring is released.
    pub fn zc_ring_release(handle: u64, slot: u32) callconv(.c) Status {
        const self = Ring.pin(handle) orelse return .stale_handle;
        defer self.unpin();
        return if (self.releaseSlot(slot)) .ok else .invalid_argument;
    }
};

const testing = std.testing;

test "a held slot is never handed out again until it is released" {
    const ring = try Ring.create(&testing.allocator, 3, 100);
    var descriptor: Descriptor = undefined;
    ring.handOver(&descriptor);
    defer handover.release(&descriptor);
    try testing.expectEqual(@as(usize, 128), ring.stride);
    const a = ring.acquire().?;
    const b = ring.acquire().?;
    const c = ring.acquire().?;
    try testing.expect(a != b and b != c and a != c);
    try testing.expectEqual(@as(?u32, null), ring.acquire());
    try testing.expect(ring.releaseSlot(b));
    try testing.expect(!ring.releaseSlot(b));
    try testing.expect(!ring.releaseSlot(7));
    try testing.expectEqual(@as(?u32, b), ring.acquire());
}

test "RingOut hands a slot over at its offset, shortened by handOver" {
    var descriptor: Descriptor = undefined;
    try testing.expectEqual(Status.ok, exports.zc_ring_create(2, 8192, &descriptor));
    defer handover.release(&descriptor);
    var out: RingOut(f64) = .{ .slice = std.mem.zeroes(abi.SliceOut) };
    out.slice.owner = region.handleOf(&descriptor);
    const first = try out.acquire();
    try testing.expectEqual(@as(usize, 1024), first.len);
    out.handOver(10);
    try testing.expectEqual(@as(u64, 10), out.slice.len);
    try testing.expectError(error.HandedOverAlready, out.acquire());
    out.slice.element_type = @fromBackingInt(0);
    _ = try out.acquire();
    try testing.expectEqual(@as(u64, 8192), out.slice.offset);
    out.slice.element_type = @fromBackingInt(0);
    try testing.expectError(error.Full, out.acquire());
    const handle = region.handleOf(&descriptor);
    try testing.expectEqual(Status.ok, exports.zc_ring_release(handle, 0));
    try testing.expectEqual(Status.invalid_argument, exports.zc_ring_release(handle, 0));
    try testing.expectEqual(Status.ok, exports.zc_ring_acquire(&out.slice));
    try testing.expectEqual(@as(u32, 0), out.slice.slot);
    try testing.expectEqual(@as(u64, 8192), out.slice.len);
}

test "a ring's descriptor is one buffer, freed once" {
    const before = counters.stats();
    var descriptor: Descriptor = undefined;
    try testing.expectEqual(Status.ok, exports.zc_ring_create(4, 1000, &descriptor));
    try testing.expectEqual(before.live_bytes + 4 * 1024, counters.stats().live_bytes);
    handover.release(&descriptor);
    try testing.expectEqual(before.live_buffers, counters.stats().live_buffers);
    try testing.expectEqual(Status.invalid_argument, exports.zc_ring_create(0, 1, &descriptor));
}

test "a released ring's handle is refused: its slots are nobody's to release" {
    var first: Descriptor = undefined;
    try testing.expectEqual(Status.ok, exports.zc_ring_create(2, 64, &first));
    const stale = region.handleOf(&first);
    handover.release(&first);
    var second: Descriptor = undefined;
    try testing.expectEqual(Status.ok, exports.zc_ring_create(2, 64, &second));
    defer handover.release(&second);
    var out: RingOut(u8) = .{ .slice = std.mem.zeroes(abi.SliceOut) };
    out.slice.owner = region.handleOf(&second);
    _ = try out.acquire();
    try testing.expectEqual(Status.stale_handle, exports.zc_ring_release(stale, out.slice.slot));
    out.slice = std.mem.zeroes(abi.SliceOut);
    out.slice.owner = stale;
    try testing.expectEqual(Status.stale_handle, exports.zc_ring_acquire(&out.slice));
    // A region's handle names no ring.
    var other: Descriptor = undefined;
    try testing.expectEqual(Status.ok, region.exports.zc_region_create(64, &other));
    defer handover.release(&other);
    try testing.expectEqual(Status.stale_handle, exports.zc_ring_release(region.handleOf(&other), 0));
    // The live ring still holds its slot: the stale release reached nothing.
    const live = Ring.pin(region.handleOf(&second)).?;
    defer live.unpin();
    try testing.expectEqual(Ring.State.held, live.states[0].load(.monotonic));
}
