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
const region = @import("region.zig");
const Descriptor = abi.Descriptor;
const ElementType = abi.ElementType;
const Status = abi.Status;
const Error = region.Error;

pub const Ring = struct {
    /// Tells a ring apart from a region or a stray pointer in `owner`.
    magic: u64 = magic_value,
    /// `slot_count` slots, each `stride` bytes apart.
    memory: []align(alignment.toByteUnits()) u8,
    slot_bytes: usize,
    stride: usize,
    states: []std.atomic.Value(State),
    /// Where the search for a free slot starts: the slot after the last one acquired.
    cursor: std.atomic.Value(u32) = .init(0),
    allocator: *const Allocator,

    pub const State = enum(u32) { free, held };
    /// Each slot starts on a cache line: aligned for every element type and
    /// SIMD load, and two slots never share a line between threads.
    pub const alignment: std.mem.Alignment = .@"64";
    pub const magic_value: u64 = 0x676e_6972_637a; // "zcring", little-endian

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
        for (states) |*state| state.* = .init(.free);
        self.* = .{ .memory = memory, .slot_bytes = slot_bytes, .stride = stride, .states = states, .allocator = allocator };
        return self;
    }

    /// Hands the whole ring over as `u8`, once: releasing the descriptor frees it.
    pub fn handOver(self: *Ring, out: *Descriptor) void {
        handover.handOver(u8, self.memory.ptr, self.memory.len, self.memory.len, release, self, out);
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

    /// The ring an out-parameter's `owner` names, or null when it names none.
    pub fn fromOwner(owner: ?*anyopaque) ?*Ring {
        return abi.ownerAs(Ring, owner);
    }

    fn release(descriptor: *Descriptor) callconv(.c) void {
        const self: *Ring = @ptrCast(@alignCast(descriptor.private orelse return));
        const allocator = self.allocator;
        allocator.free(self.memory);
        allocator.free(self.states);
        self.magic = 0;
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
        pub fn acquire(self: *@This()) Error![]T {
            const ring = Ring.fromOwner(self.slice.owner) orelse return error.InvalidOwner;
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

    /// Gives slot `slot` back to the ring's producer; invalid_argument when it is not held.
    pub fn zc_ring_release(ring: ?*const Descriptor, slot: u32) callconv(.c) Status {
        const descriptor = ring orelse return .invalid_argument;
        const self = Ring.fromOwner(descriptor.private) orelse return .invalid_argument;
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
    out.slice.owner = descriptor.private;
    const first = try out.acquire();
    try testing.expectEqual(@as(usize, 1024), first.len);
    out.handOver(10);
    try testing.expectEqual(@as(u64, 10), out.slice.len);
    _ = try out.acquire();
    try testing.expectEqual(@as(u64, 8192), out.slice.offset);
    try testing.expectError(error.Full, out.acquire());
    try testing.expectEqual(Status.ok, exports.zc_ring_release(&descriptor, 0));
    try testing.expectEqual(Status.invalid_argument, exports.zc_ring_release(&descriptor, 0));
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
