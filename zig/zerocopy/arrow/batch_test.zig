//! A handed-over batch is named by its handle, and nothing the host can write
//! (every byte it maps, its copy of the descriptor) changes what Zig follows
//! or frees.

const std = @import("std");
const testing = std.testing;
const abi = @import("../abi.zig");
const handover = @import("../handover.zig");
const stats = @import("../stats.zig").stats;
const batch = @import("batch.zig");
const reader = @import("reader.zig");
const c = @import("c_data.zig");
const Descriptor = abi.Descriptor;

fn sample(out: *Descriptor) !void {
    try batch.handOverBatch(&testing.allocator, &.{
        .{ .name = "n", .values = .{ .i32 = &.{ 1, 2, 3 } }, .validity = &.{ true, false, true } },
        .{ .name = "s", .values = .{ .utf8 = &.{ "a", "bb", "" } } },
    }, out);
}

test "a descriptor finds its batch by handle; a forged, moved or released one finds none" {
    var descriptor: Descriptor = undefined;
    try sample(&descriptor);
    const pinned = batch.pin(&descriptor).?;
    pinned.unpin();
    var forged = descriptor;
    forged.private = @ptrFromInt(@intFromPtr(descriptor.private) + (1 << 32));
    try testing.expect(batch.pin(&forged) == null);
    forged = descriptor;
    forged.ptr = descriptor.ptr.? + 64;
    forged.len -= 64;
    try testing.expect(batch.pin(&forged) == null);
    // A copy without the release (what the host holds under Node-API) still reads, but cannot move it out.
    var host_copy = descriptor;
    host_copy.release = null;
    (batch.pin(&host_copy) orelse return error.TestUnexpectedResult).unpin();
    var schema: c.ArrowSchema = undefined;
    var array: c.ArrowArray = undefined;
    try testing.expectError(error.NotABatch, batch.moveOut(&host_copy, &schema, &array));
    const kept = descriptor;
    handover.release(&descriptor);
    try testing.expect(batch.pin(&kept) == null);
    try testing.expect(!batch.isBatch(&kept));
    // Releasing a kept copy again frees nothing twice (the testing allocator would fail).
    var again = kept;
    batch.releaseDescriptor(&again);
}

test "whatever the host writes over the memory it maps, Zig reads its own structs and frees once" {
    for ([_]u8{ 0x00, 0xff, 0x5a }) |fill| {
        const before = stats();
        var descriptor: Descriptor = undefined;
        try sample(&descriptor);
        @memset(descriptor.ptr.?[0..descriptor.len], fill);
        {
            const pinned = batch.pin(&descriptor).?;
            defer pinned.unpin();
            const root = try reader.Column.initWithin(pinned.schema(), pinned.array(), 0, .{ .memory = pinned.memory() });
            try testing.expectEqual(@as(usize, 2), root.childCount());
            try testing.expectEqualStrings("s", (try root.child(1)).schema.nameString());
        }
        var schema: c.ArrowSchema = undefined;
        var array: c.ArrowArray = undefined;
        try batch.moveOut(&descriptor, &schema, &array);
        // Values may now lie (offsets of 0xff...): a typed error at worst.
        _ = reader.checksumWithin(&schema, &array, .{ .memory = null }) catch |err| try testing.expectEqual(error.InvalidLayout, err);
        array.release.?(&array);
        schema.release.?(&schema);
        try testing.expectEqual(before.live_buffers, stats().live_buffers);
    }
}
