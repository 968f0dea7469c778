//! Regions: memory allocated once and handed over once, inside which a
//! producer carves many typed slices that the host views with no mapping of
//! their own.
//!
//! The host maps a region's descriptor into one `ArrayBuffer` when it creates
//! the region. Each slice a function hands over into it crosses as an offset
//! and a length (`RegionOut(T)`, or many at once with `BatchOut(T)`), which the
//! host turns into a subarray: about the cost of the FFI call itself, however
//! large the slice. Nothing is freed per slice; the region goes back whole
//! when its descriptor is released.
//!
//! Reset rewinds the producer to the start of the region. Views the host took
//! before a reset then read whatever is carved after it: the same memory,
//! never freed memory, because the region lives until its descriptor goes.

const std = @import("std");
const Allocator = std.mem.Allocator;
const abi = @import("abi.zig");
const handover = @import("handover.zig");
const checked = @import("checked.zig");
const counters = @import("stats.zig");
const handles = @import("handles.zig");
const Descriptor = abi.Descriptor;
const ElementType = abi.ElementType;
const Status = abi.Status;

pub const Error = error{
    /// The region has no room left for the slice, or a batch no room for its pair.
    Full,
    /// The slice's byte size does not fit in `usize`, or a batch's offset or length in `u32`.
    SizeOverflow,
    /// The out-parameter names no live region or ring: released, never set, forged, or of another kind.
    StaleHandle,
    /// The out-parameter already holds a ring slot acquired earlier in the same call.
    HandedOverAlready,
};

/// Maps a region or ring error onto the ABI status.
pub fn statusOf(err: Error) Status {
    return switch (err) {
        error.Full => .full,
        error.SizeOverflow => .size_overflow,
        error.StaleHandle => .stale_handle,
        error.HandedOverAlready => .handed_over_already,
    };
}

/// The handle a region's or ring's descriptor carries in `private`: what the
/// host puts in an out-parameter's `owner`.
pub fn handleOf(descriptor: *const Descriptor) handles.Handle {
    return @intFromPtr(descriptor.private);
}

pub const Region = struct {
    memory: []align(alignment.toByteUnits()) u8,
    /// Bytes carved so far; atomic, so producers on several threads may carve at once.
    used: std.atomic.Value(usize) = .init(0),
    allocator: *const Allocator,
    /// Names this region to the host; refused once the region is released.
    handle: handles.Handle = 0,

    /// Every element type and any SIMD vector load starts aligned at the region's start.
    pub const alignment: std.mem.Alignment = .@"64";

    /// Allocates a region of `bytes` bytes (at least 1) with `allocator`, which
    /// must outlive it, and gives it a handle.
    pub fn create(allocator: *const Allocator, bytes: usize) Allocator.Error!*Region {
        const self = try allocator.create(Region);
        errdefer allocator.destroy(self);
        self.* = .{ .memory = try allocator.alignedAlloc(u8, alignment, bytes), .allocator = allocator };
        errdefer allocator.free(self.memory);
        self.handle = try handles.global.register(.region, self);
        return self;
    }

    /// Hands the whole region over as `u8`, once: releasing the descriptor frees
    /// it. The descriptor's `private` is the region's handle, not its address.
    pub fn handOver(self: *Region, out: *Descriptor) void {
        handover.handOver(u8, self.memory.ptr, self.memory.len, self.memory.len, release, @ptrFromInt(self.handle), out);
    }

    /// Carves `len` elements of `T`, aligned for `T`, from the unused part of the region.
    pub fn alloc(self: *Region, comptime T: type, len: usize) Error![]T {
        const bytes = std.math.mul(usize, len, @sizeOf(T)) catch return error.SizeOverflow;
        var used = self.used.load(.monotonic);
        while (true) {
            const start = std.mem.alignForward(usize, used, @alignOf(T));
            const end = std.math.add(usize, start, bytes) catch return error.Full;
            if (end > self.memory.len) return error.Full;
            used = self.used.cmpxchgWeak(used, end, .monotonic, .monotonic) orelse {
                const typed: [*]T = @ptrCast(@alignCast(self.memory.ptr + start));
                return typed[0..len];
            };
        }
    }

    /// Bytes from the start of the region to `items`, which it must hold.
    pub fn offsetOf(self: *const Region, items: anytype) usize {
        const address = @intFromPtr(items.ptr);
        std.debug.assert(address >= @intFromPtr(self.memory.ptr) and address <= @intFromPtr(self.memory.ptr) + self.memory.len);
        return address - @intFromPtr(self.memory.ptr);
    }

    /// Rewinds the producer: the next slice starts at the region's start again.
    /// Not while another thread carves from it.
    pub fn reset(self: *Region) void {
        self.used.store(0, .monotonic);
    }

    /// The live region `handle` names, pinned: it is not freed before `unpin`,
    /// even if its descriptor is released meanwhile. Null for a stale, forged
    /// or foreign handle, which is never dereferenced.
    pub fn pin(handle: handles.Handle) ?*Region {
        return @ptrCast(@alignCast(handles.global.pin(handle, .region) orelse return null));
    }

    /// Ends a `pin`.
    pub fn unpin(self: *Region) void {
        handles.global.unpin(self.handle);
    }

    /// The live region `handle` names, with the handle table locked until
    /// `unlockLive`: for a few instructions' work, one lock round trip where a
    /// pin takes two. Null (and nothing locked) for a stale or forged handle.
    pub fn lockLive(handle: handles.Handle) ?*Region {
        return @ptrCast(@alignCast(handles.global.lockLive(handle, .region) orelse return null));
    }

    /// Ends a `lockLive`.
    pub fn unlockLive() void {
        handles.global.unlockLive();
    }

    fn release(descriptor: *Descriptor) callconv(.c) void {
        _ = handles.global.retire(handleOf(descriptor), .region, destroy);
    }

    fn destroy(object: *anyopaque) void {
        const self: *Region = @ptrCast(@alignCast(object));
        const allocator = self.allocator;
        allocator.free(self.memory);
        allocator.destroy(self);
    }
};

/// Where a function hands a slice of `T` over inside a region: declare the
/// parameter as `out: ?*zerocopy.RegionOut(T)` and carve with `out.alloc(len)`.
/// Generated bindings take a TypeScript `Region` for it and return the view.
pub fn RegionOut(comptime T: type) type {
    return extern struct {
        slice: abi.SliceOut,

        pub const Element = T;
        pub const element_type = ElementType.of(T);
        /// Read by the bindings generator.
        pub const hands_over_into = .region;

        /// Carves `len` elements from the region and hands them over: the host
        /// views them once the function returns `ok`. Fill them before returning.
        pub fn alloc(self: *@This(), len: usize) Error![]T {
            return self.carve(len, false);
        }

        /// Carves `len` elements as `alloc` does, but first rewinds the region
        /// to its start when the rest of it is too small: what a producer that
        /// cycles through a region does with `owningRegion().reset()`, in one
        /// step under one lock. Views handed over before then read what is
        /// carved after. Not while another thread carves from the region.
        pub fn allocCycling(self: *@This(), len: usize) Error![]T {
            return self.carve(len, true);
        }

        fn carve(self: *@This(), len: usize, cycling: bool) Error![]T {
            // Carving is a few instructions: done under the handle table's lock,
            // which keeps the region from being freed as a pin would, at half the cost.
            const region = Region.lockLive(self.slice.owner) orelse return error.StaleHandle;
            defer Region.unlockLive();
            const items = region.alloc(T, len) catch |err| switch (err) {
                error.Full => if (cycling) again: {
                    region.reset();
                    break :again try region.alloc(T, len);
                } else return err,
                else => return err,
            };
            self.slice.offset = region.offsetOf(items);
            self.slice.len = len;
            self.slice.element_type = element_type;
            return items;
        }

        /// The region, for a producer that cycles through it (`reset()` when full);
        /// valid for the call, during which the host keeps the region alive.
        pub fn owningRegion(self: *@This()) Error!*Region {
            return owning(self.slice.owner);
        }
    };
}

/// Where a function hands many slices of `T` over inside a region in one call:
/// declare the parameter as `out: ?*zerocopy.BatchOut(T)` and carve each slice
/// with `out.alloc(len)`. The header is followed, in the same host memory, by
/// room for `capacity` (element offset, length) pairs of u32.
pub fn BatchOut(comptime T: type) type {
    return extern struct {
        header: abi.BatchOut,

        pub const Element = T;
        pub const element_type = ElementType.of(T);
        /// Read by the bindings generator.
        pub const hands_over_into = .batch;

        /// Carves `len` elements and appends them to the batch. `Full` when the
        /// region or the host's room for pairs is used up.
        pub fn alloc(self: *@This(), len: usize) Error![]T {
            // Under the table's lock, as `RegionOut.alloc`: one lock round trip per slice, not a pin's two.
            const region = Region.lockLive(self.header.owner) orelse return error.StaleHandle;
            defer Region.unlockLive();
            if (self.header.count >= self.header.capacity) return error.Full;
            if (len > std.math.maxInt(u32)) return error.SizeOverflow;
            const items = try region.alloc(T, len);
            const first = region.offsetOf(items) / @sizeOf(T);
            if (first > std.math.maxInt(u32)) return error.SizeOverflow;
            const pair = self.pairs()[2 * self.header.count ..][0..2];
            pair.* = .{ @intCast(first), @intCast(len) };
            self.header.count += 1;
            self.header.element_type = element_type;
            return items;
        }

        /// Slices handed over so far.
        pub fn count(self: *const @This()) u32 {
            return self.header.count;
        }

        /// The region, for a producer that cycles through it (`reset()` when full).
        pub fn owningRegion(self: *@This()) Error!*Region {
            return owning(self.header.owner);
        }

        fn pairs(self: *@This()) []u32 {
            const after: [*]u32 = @ptrCast(@alignCast(@as([*]u8, @ptrCast(self)) + @sizeOf(abi.BatchOut)));
            return after[0 .. 2 * @as(usize, self.header.capacity)];
        }
    };
}

fn owning(handle: handles.Handle) Error!*Region {
    // Only a check that the handle is live: the host keeps the region alive for the call.
    const region = Region.lockLive(handle) orelse return error.StaleHandle;
    Region.unlockLive();
    return region;
}

/// The C functions behind regions, by their exported names; part of every
/// zerocopy library's ABI exports.
pub const exports = struct {
    /// A region of `bytes` bytes (at least 1) from the default allocator, handed over once as u8; releasing the descriptor frees it.
    pub fn zc_region_create(bytes: u64, out: ?*Descriptor) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.* = .released;
        if (bytes == 0) return .invalid_argument;
        const region = Region.create(checked.default_allocator, std.math.cast(usize, bytes) orelse return .size_overflow) catch
            return .out_of_memory;
        region.handOver(target);
        return .ok;
    }

    /// Rewinds the producer of the region `handle` names (its descriptor's `private`) to its start: later slices reuse the bytes of earlier ones; stale_handle once it is released.
    pub fn zc_region_reset(handle: u64) callconv(.c) Status {
        const region = Region.lockLive(handle) orelse return .stale_handle;
        defer Region.unlockLive();
        region.reset();
        return .ok;
    }
};

const testing = std.testing;

test "a region carves aligned slices in order and reports Full when used up" {
    const region = try Region.create(&testing.allocator, 64);
    var descriptor: Descriptor = undefined;
    region.handOver(&descriptor);
    defer handover.release(&descriptor);
    try testing.expectEqual(@as(usize, 64), descriptor.len);
    const bytes = try region.alloc(u8, 3);
    const doubles = try region.alloc(f64, 2);
    try testing.expectEqual(@as(usize, 0), region.offsetOf(bytes));
    try testing.expectEqual(@as(usize, 8), region.offsetOf(doubles));
    try testing.expectError(error.Full, region.alloc(f64, 6));
    try testing.expectError(error.SizeOverflow, region.alloc(u64, std.math.maxInt(usize) / 4));
    region.reset();
    try testing.expectEqual(@as(usize, 0), region.offsetOf(try region.alloc(u32, 16)));
}

test "releasing a region's descriptor frees it once and counts it as one buffer" {
    const before = counters.stats();
    var descriptor: Descriptor = undefined;
    try testing.expectEqual(Status.ok, exports.zc_region_create(4096, &descriptor));
    try testing.expectEqual(before.live_buffers + 1, counters.stats().live_buffers);
    try testing.expectEqual(before.live_bytes + 4096, counters.stats().live_bytes);
    handover.release(&descriptor);
    handover.release(&descriptor);
    try testing.expectEqual(before.live_buffers, counters.stats().live_buffers);
    try testing.expectEqual(Status.invalid_argument, exports.zc_region_create(0, &descriptor));
}

test "RegionOut hands a slice over as an offset and a length" {
    const region = try Region.create(&testing.allocator, 256);
    var descriptor: Descriptor = undefined;
    region.handOver(&descriptor);
    defer handover.release(&descriptor);
    var out: RegionOut(i32) = .{ .slice = std.mem.zeroes(abi.SliceOut) };
    try testing.expectError(error.StaleHandle, out.alloc(1));
    out.slice.owner = handleOf(&descriptor);
    _ = try out.alloc(3);
    const items = try out.alloc(5);
    try testing.expectEqual(@as(u64, 12), out.slice.offset);
    try testing.expectEqual(@as(u64, 5), out.slice.len);
    try testing.expectEqual(ElementType.i32, out.slice.element_type);
    try testing.expectEqual(region.offsetOf(items), out.slice.offset);
    try testing.expectEqual(Status.ok, exports.zc_region_reset(handleOf(&descriptor)));
    try testing.expectEqual(@as(usize, 0), region.offsetOf(try region.alloc(u8, 1)));
}

test "allocCycling rewinds a full region and carves from its start, and refuses what never fits" {
    const region = try Region.create(&testing.allocator, 64);
    var descriptor: Descriptor = undefined;
    region.handOver(&descriptor);
    defer handover.release(&descriptor);
    var out: RegionOut(f64) = .{ .slice = std.mem.zeroes(abi.SliceOut) };
    out.slice.owner = handleOf(&descriptor);
    _ = try out.allocCycling(5);
    try testing.expectEqual(@as(u64, 0), out.slice.offset);
    try testing.expectError(error.Full, out.alloc(5));
    _ = try out.allocCycling(5);
    try testing.expectEqual(@as(u64, 0), out.slice.offset);
    try testing.expectEqual(@as(u64, 5), out.slice.len);
    try testing.expectError(error.Full, out.allocCycling(9));
    out.slice.owner +%= 1 << 32; // another generation: a stale handle
    try testing.expectError(error.StaleHandle, out.allocCycling(1));
}

test "BatchOut writes an element offset and a length per slice, up to its capacity" {
    const region = try Region.create(&testing.allocator, 1024);
    var descriptor: Descriptor = undefined;
    region.handOver(&descriptor);
    defer handover.release(&descriptor);
    // The host's memory: the header, then room for two pairs.
    var memory: [(@sizeOf(abi.BatchOut) + 2 * 2 * @sizeOf(u32)) / 8]u64 = @splat(0);
    const out: *BatchOut(f64) = @ptrCast(&memory);
    out.header.owner = handleOf(&descriptor);
    out.header.capacity = 2;
    _ = try out.alloc(3);
    _ = try out.alloc(4);
    try testing.expectError(error.Full, out.alloc(1));
    try testing.expectEqual(@as(u32, 2), out.count());
    try testing.expectEqualSlices(u32, &.{ 0, 3, 3, 4 }, out.pairs());
    try testing.expectEqual(ElementType.f64, out.header.element_type);
}

test "a released region's handle is refused, and a new region at the same address is not reached through it" {
    var first: Descriptor = undefined;
    try testing.expectEqual(Status.ok, exports.zc_region_create(256, &first));
    const stale = handleOf(&first);
    handover.release(&first);
    var second: Descriptor = undefined;
    try testing.expectEqual(Status.ok, exports.zc_region_create(256, &second));
    defer handover.release(&second);
    const region = Region.pin(handleOf(&second)).?;
    region.unpin();
    _ = try region.alloc(u8, 100);
    try testing.expectEqual(Status.stale_handle, exports.zc_region_reset(stale));
    var out: RegionOut(u8) = .{ .slice = std.mem.zeroes(abi.SliceOut) };
    out.slice.owner = stale;
    try testing.expectError(error.StaleHandle, out.alloc(1));
    // The live region kept its place: nothing reset it.
    try testing.expectEqual(@as(usize, 100), region.used.load(.monotonic));
    for ([_]u64{ 0, 1, stale, stale + (2 << 32), handleOf(&second) + 1, std.math.maxInt(u64) }) |forged| {
        try testing.expectEqual(Status.stale_handle, exports.zc_region_reset(forged));
    }
}
