//! An arena whose memory is handed over as several descriptors and freed in
//! one go once its creator and every descriptor have let go of it.

const std = @import("std");
const Allocator = std.mem.Allocator;
const Descriptor = @import("abi.zig").Descriptor;
const handover = @import("handover.zig");

/// An arena whose memory is handed over as several descriptors and given back
/// to `child` in one go once the creator and every descriptor have let go of it.
pub const SharedArena = struct {
    arena: std.heap.ArenaAllocator,
    child: Allocator,
    /// The creator's reference plus one per descriptor handed over and not yet released.
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
    pub fn handOverSlice(self: *SharedArena, comptime T: type, slice: []T, out: *Descriptor) void {
        _ = self.refs.fetchAdd(1, .monotonic);
        handover.handOver(T, slice.ptr, slice.len, slice.len, releaseArenaSlice, self, out);
    }

    /// Drops the creator's reference: the arena goes once its descriptors are released too.
    pub fn done(self: *SharedArena) void {
        self.unref();
    }

    fn unref(self: *SharedArena) void {
        if (self.refs.fetchSub(1, .acq_rel) != 1) return;
        const child = self.child;
        self.arena.deinit();
        child.destroy(self);
    }

    fn releaseArenaSlice(descriptor: *Descriptor) callconv(.c) void {
        const self: *SharedArena = @ptrCast(@alignCast(descriptor.private orelse return));
        self.unref();
    }
};

test "SharedArena frees its memory once the creator and every descriptor let go" {
    const shared = try SharedArena.create(std.testing.allocator);
    var first: Descriptor = undefined;
    var second: Descriptor = undefined;
    shared.handOverSlice(u32, try shared.allocator().alloc(u32, 100), &first);
    shared.handOverSlice(f64, try shared.allocator().alloc(f64, 10), &second);
    shared.done();
    handover.release(&first);
    try std.testing.expectEqual(@as(usize, 1), shared.refs.load(.monotonic));
    handover.release(&second); // frees the arena: the testing allocator fails the test if it leaked
}
