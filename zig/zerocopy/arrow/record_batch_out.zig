//! `RecordBatchOut`: the out-parameter of an export that hands a record batch over.
//! It is an `Out(u8)` by layout (`handOverBatch` writes its descriptor), but a
//! type of its own, so generated bindings return an `ArrowBatch` (the batch
//! read as an apache-arrow table) instead of the raw bytes.

const std = @import("std");
const Allocator = std.mem.Allocator;
const abi = @import("../abi.zig");
const batch = @import("batch.zig");
const Descriptor = abi.Descriptor;
const Out = @import("../out.zig").Out;

/// Where a function hands a record batch over: declare the parameter as
/// `out: ?*zerocopy.arrow.RecordBatchOut` and fill it with `handOver` (or
/// `zerocopy.arrow.handOverBatch(allocator, columns, &out.descriptor)`).
pub const RecordBatchOut = extern struct {
    descriptor: Descriptor,

    /// What the bindings generator recognises the type by.
    pub const hands_over_arrow_batch = true;

    /// Builds the batch from `columns` and hands it over (see `handOverBatch`).
    pub fn handOver(self: *RecordBatchOut, allocator: *const Allocator, columns: []const batch.Column) batch.Error!void {
        try batch.handOverBatch(allocator, columns, &self.descriptor);
    }

    /// Marks the out-parameter empty, so a failed call hands nothing over.
    pub fn clear(self: *RecordBatchOut) void {
        self.descriptor = .released;
    }
};

comptime {
    // Deno passes the same memory it passes for an `Out(u8)`.
    std.debug.assert(@sizeOf(RecordBatchOut) == @sizeOf(Out(u8)) and @alignOf(RecordBatchOut) == @alignOf(Out(u8)));
    std.debug.assert(@offsetOf(RecordBatchOut, "descriptor") == @offsetOf(Out(u8), "descriptor"));
}

test "RecordBatchOut hands a batch over into its descriptor" {
    var out: RecordBatchOut = undefined;
    out.clear();
    try std.testing.expectEqual(Descriptor.released, out.descriptor);
    try out.handOver(&std.testing.allocator, &.{.{ .name = "n", .values = .{ .u8 = &.{ 1, 2 } } }});
    try std.testing.expect(batch.isBatch(&out.descriptor));
    @import("../handover.zig").release(&out.descriptor);
}
