//! Apache Arrow through its C Data Interface, both ways:
//!
//!   c_data.zig   `ArrowSchema` and `ArrowArray`, as the specification declares them
//!   batch.zig    `handOverBatch`: a record batch from the author's slices, in one
//!                allocation handed over as one descriptor (Deno views it in place)
//!   builder.zig  `BatchBuilder`: the same allocation, filled in place by the author
//!   layout.zig   the layout both share: C Data structs in Zig's memory, buffers in the host's
//!   directory.zig the offsets the host reads a handed-over batch by
//!   record_batch_out.zig `RecordBatchOut`: the out-parameter generated bindings return as an `ArrowBatch`
//!   stream.zig   `ArrowArrayStream`s the host reads: struct and arrays in Zig's memory, behind a handle
//!   stream_producer.zig `handOverStream`: a stream of batches a Zig source builds one at a time
//!   reader.zig   reading a batch another producer lends (pyarrow, Deno's apache-arrow)
//!
//! Building a batch and handing it over:
//!
//!     try zerocopy.arrow.handOverBatch(allocator, &.{
//!         .{ .name = "id", .values = .{ .u32 = ids } },
//!         .{ .name = "label", .values = .{ .utf8 = labels }, .validity = present },
//!     }, &out.descriptor); // out: ?*zerocopy.arrow.RecordBatchOut (or ?*zerocopy.Out(u8))

const std = @import("std");
const abi = @import("../abi.zig");
pub const c_data = @import("c_data.zig");
pub const batch = @import("batch.zig");
pub const reader = @import("reader.zig");
pub const record_batch_out = @import("record_batch_out.zig");
pub const builder = @import("builder.zig");
pub const directory = @import("directory.zig");
pub const stream = @import("stream.zig");
pub const stream_producer = @import("stream_producer.zig");
pub const lent_stream = @import("lent_stream.zig");

pub const ArrowSchema = c_data.ArrowSchema;
pub const ArrowArray = c_data.ArrowArray;
pub const ArrowArrayStream = c_data.ArrowArrayStream;
pub const StreamOut = stream.StreamOut;
pub const handOverStream = stream_producer.handOverStream;
pub const produceStream = stream_producer.produce;
pub const RecordBatchOut = record_batch_out.RecordBatchOut;
pub const ArrowBlock = batch.ArrowBlock;
pub const Column = batch.Column;
pub const Values = batch.Values;
pub const TimeUnit = batch.TimeUnit;
pub const handOverBatch = batch.handOverBatch;
pub const BatchBuilder = builder.BatchBuilder;
pub const moveOut = batch.moveOut;
pub const isBatch = batch.isBatch;
pub const pin = batch.pin;
pub const Pinned = batch.Pinned;
pub const BatchHeader = directory.BatchHeader;
pub const BatchNode = directory.BatchNode;
pub const checksum = reader.checksum;
pub const Kind = reader.Kind;
pub const ColumnReader = reader.Column;

const Descriptor = abi.Descriptor;
const Status = abi.Status;

/// The Arrow exports every zerocopy library has (through `exportAbi`).
pub const exports = struct {
    /// Moves a batch handed over as `descriptor` into C Data structs a consumer
    /// owns (pyarrow's `_import_from_c`, say): the descriptor is left released,
    /// and the structs' release callbacks give the memory back.
    pub fn zc_arrow_move(descriptor: ?*Descriptor, schema: ?*ArrowSchema, array: ?*ArrowArray) callconv(.c) Status {
        const target_schema = schema orelse return .invalid_argument;
        const target_array = array orelse return .invalid_argument;
        batch.moveOut(descriptor orelse return .invalid_argument, target_schema, target_array) catch return .invalid_argument;
        return .ok;
    }

    /// The address of memory Deno passes, so that the C Data structs Deno
    /// lends for a call can point at its buffers (no `UnsafePointer` needed).
    pub fn zc_address_of(memory: ?[*]const u8) callconv(.c) usize {
        return @intFromPtr(memory);
    }

    /// The address of the release callback of the structs Deno lends for a
    /// call (`which`: 0 for an `ArrowSchema`, 1 for an `ArrowArray`): it only
    /// marks them and their children released, since the memory stays Deno's.
    pub fn zc_arrow_lent_release(which: u32) callconv(.c) usize {
        return if (which == 0) @intFromPtr(&lentRelease(ArrowSchema)) else @intFromPtr(&lentRelease(ArrowArray));
    }
};

fn lentRelease(comptime T: type) fn (*T) callconv(.c) void {
    return struct {
        fn release(self: *T) callconv(.c) void {
            if (self.children) |children| {
                for (children[0..@intCast(self.n_children)]) |child| if (child.release) |r| r(child);
            }
            if (self.dictionary) |values| if (values.release) |r| r(values);
            self.release = null;
        }
    }.release;
}

test {
    _ = @import("builder_test.zig");
    _ = @import("batch_test.zig");
    _ = @import("types_hostile_test.zig");
    _ = @import("stream.zig");
}

const testing = std.testing;
const stats = @import("../stats.zig").stats;

fn sampleBatch(allocator: *const std.mem.Allocator, out: *Descriptor) !void {
    const items = [_]f32{ 1, 2, 3, 4, 5, 6 };
    const item_column: Column = .{ .name = "item", .values = .{ .f32 = &items } };
    try handOverBatch(allocator, &.{
        .{ .name = "id", .values = .{ .i32 = &.{ 7, 8, 9 } }, .validity = &.{ true, false, true } },
        .{ .name = "label", .values = .{ .utf8 = &.{ "a", "", "ccc" } } },
        .{ .name = "flag", .values = .{ .bool = &.{ true, false, true } }, .offset = 0 },
        .{ .name = "at", .values = .{ .timestamp = .{ .unit = .microsecond, .tz = "UTC", .values = &.{ 1, 2, 3 } } } },
        .{ .name = "vec", .values = .{ .fixed_size_list = .{ .size = 2, .items = &item_column } } },
        .{ .name = "point", .values = .{ .@"struct" = &.{.{ .name = "x", .values = .{ .u8 = &.{ 1, 2, 3 } } }} } },
    }, out);
}

test "a batch handed over is one descriptor over the whole allocation, released once" {
    const before = stats();
    var descriptor: Descriptor = undefined;
    try sampleBatch(&testing.allocator, &descriptor);
    try testing.expect(isBatch(&descriptor));
    try testing.expectEqual(before.live_buffers + 1, stats().live_buffers);
    const block = pin(&descriptor).?;
    defer block.unpin();
    try testing.expectEqualStrings("+s", block.schema().formatString());
    try testing.expectEqual(@as(i64, 6), block.array().n_children);
    try testing.expectEqualStrings("tsu:UTC", block.schema().child(3).formatString());
    try testing.expectEqualStrings("+w:2", block.schema().child(4).formatString());
    try testing.expectEqual(@as(i64, 1), block.array().child(0).null_count);
    @import("../handover.zig").release(&descriptor);
    try testing.expectEqual(before.live_buffers, stats().live_buffers);
}

test "a batch moved into C Data structs is freed once its schema and array, children moved out included, are released" {
    const before = stats();
    var descriptor: Descriptor = undefined;
    try sampleBatch(&testing.allocator, &descriptor);
    var schema: ArrowSchema = undefined;
    var array: ArrowArray = undefined;
    try testing.expectEqual(Status.ok, exports.zc_arrow_move(&descriptor, &schema, &array));
    try testing.expectEqual(Descriptor.released, descriptor);
    try testing.expectEqual(Status.invalid_argument, exports.zc_arrow_move(&descriptor, &schema, &array));
    const expected: u64 = try checksum(&schema, &array);
    try testing.expect(expected != 0);
    // A consumer may move a child out and release it on its own, after the parent.
    var moved_child = array.child(1).*;
    array.child(1).release = null;
    schema.release.?(&schema);
    try testing.expect(schema.release == null);
    array.release.?(&array);
    try testing.expectEqual(before.live_buffers + 1, stats().live_buffers);
    moved_child.release.?(&moved_child); // the last struct: frees (the testing allocator checks it)
    try testing.expectEqual(before.live_buffers, stats().live_buffers);
}

test "the reader applies offsets and validity as the specification says" {
    var descriptor: Descriptor = undefined;
    const items = [_]f32{ 0, 1, 2, 3, 4, 5, 6, 7 };
    const item_column: Column = .{ .values = .{ .f32 = &items }, .offset = 2 };
    try handOverBatch(&testing.allocator, &.{
        .{ .name = "n", .values = .{ .i16 = &.{ 10, 11, 12, 13 } }, .offset = 1, .validity = &.{ true, true, false, true } },
        .{ .name = "s", .values = .{ .utf8 = &.{ "x", "yy", "", "zzz" } }, .offset = 1 },
        .{ .name = "v", .values = .{ .fixed_size_list = .{ .size = 2, .items = &item_column } }, .offset = 0 },
    }, &descriptor);
    var schema: ArrowSchema = undefined;
    var array: ArrowArray = undefined;
    try moveOut(&descriptor, &schema, &array);
    defer schema.release.?(&schema);
    defer array.release.?(&array);
    const root = try ColumnReader.init(&schema, &array, 0);
    try testing.expectEqual(@as(usize, 3), root.len());
    const n = try root.child(0);
    try testing.expectEqual(@as(i16, 11), n.value(i16, 0));
    try testing.expect(!n.isValid(1));
    try testing.expectEqual(@as(i64, 1), n.array.null_count);
    try testing.expectEqualStrings("", try (try root.child(1)).string(1));
    const v = try root.child(2);
    try testing.expectEqual(@as(f32, 4), (try v.child(0)).value(f32, 2));
}

test "format strings outside the supported set are refused" {
    try testing.expectEqual(@as(?Kind, null), Kind.parse("e"));
    try testing.expectEqual(@as(?Kind, .map), Kind.parse("+m"));
    try testing.expectEqual(@as(?Kind, null), Kind.parse("+w:0"));
    try testing.expectEqual(@as(?Kind, null), Kind.parse("w:0"));
    try testing.expectEqual(@as(?Kind, null), Kind.parse("d:0,2"));
    try testing.expectEqual(@as(?Kind, null), Kind.parse("d:39,2"));
    try testing.expectEqual(@as(?Kind, null), Kind.parse("d:10,2,64"));
    try testing.expectEqual(@as(?Kind, null), Kind.parse("d:10"));
    try testing.expectEqual(@as(?Kind, null), Kind.parse("tdx"));
    try testing.expectEqual(@as(?Kind, null), Kind.parse("tix"));
    try testing.expectEqual(Kind{ .timestamp = 'n' }, Kind.parse("tsn:").?);
    try testing.expectEqual(Kind{ .decimal = .{ .precision = 10, .scale = -2, .bytes = 16 } }, Kind.parse("d:10,-2").?);
    try testing.expectEqual(Kind{ .decimal = .{ .precision = 76, .scale = 3, .bytes = 32 } }, Kind.parse("d:76,3,256").?);
    try testing.expectEqual(@as(?usize, 16), Kind.parse("tin").?.width());
    try testing.expectEqual(@as(?usize, 4), Kind.parse("ttm").?.width());
    try testing.expectEqual(@as(?usize, 8), Kind.parse("ttu").?.width());
    try testing.expectEqual(@as(?usize, 7), Kind.parse("w:7").?.width());
    try testing.expectEqual(@as(?usize, 8), Kind.parse("+L").?.offsetWidth());
    try testing.expectEqual(@as(i64, 3), Kind.parse("Z").?.buffers());
}

test "columns of different lengths are refused before anything is allocated" {
    var descriptor: Descriptor = undefined;
    try testing.expectError(error.LengthMismatch, handOverBatch(&testing.allocator, &.{
        .{ .values = .{ .i8 = &.{ 1, 2 } } },
        .{ .values = .{ .i8 = &.{1} } },
    }, &descriptor));
    try testing.expectEqual(Descriptor.released, descriptor);
}

test "an empty batch has a root with no rows" {
    var descriptor: Descriptor = undefined;
    try handOverBatch(&testing.allocator, &.{.{ .name = "s", .values = .{ .utf8 = &.{} } }}, &descriptor);
    var schema: ArrowSchema = undefined;
    var array: ArrowArray = undefined;
    try moveOut(&descriptor, &schema, &array);
    try testing.expectEqual(@as(i64, 0), array.length);
    _ = try checksum(&schema, &array);
    array.release.?(&array);
    schema.release.?(&schema);
}

test {
    _ = record_batch_out;
}
