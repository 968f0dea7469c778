const std = @import("std");
const testing = std.testing;
const c = @import("c_data.zig");
const stream = @import("stream.zig");
const producer = @import("stream_producer.zig");
const batch = @import("batch.zig");
const foreign = @import("foreign.zig");
const abi = @import("../abi.zig");
const handover = @import("../handover.zig");
const zerocopy = @import("../zerocopy.zig");
const stats = @import("../stats.zig").stats;

const Source = struct {
    left: u32,
    fail_at: u32 = 0,
    deinits: *u32,

    pub fn next(self: *Source, out: *abi.Descriptor) !bool {
        if (self.left == 0) return false;
        if (self.left == self.fail_at) return error.Broken;
        self.left -= 1;
        try batch.handOverBatch(&testing.allocator, &.{.{ .name = "n", .values = .{ .u32 = &.{ self.left, 7 } } }}, out);
        return true;
    }

    pub fn deinit(self: *Source) void {
        self.deinits.* += 1;
    }
};

fn drain(handle: u64) !struct { batches: usize, status: abi.Status } {
    var directory: [4096]u8 align(8) = undefined;
    var slots: [16]abi.Descriptor = undefined;
    var batches: usize = 0;
    while (true) {
        const status = stream.exports.zc_arrow_stream_next(handle, &directory, directory.len, @ptrCast(&slots), slots.len);
        if (status != .ok) return .{ .batches = batches, .status = status };
        const nodes = std.mem.readInt(u32, directory[0..4], .little);
        if (nodes == 0) return .{ .batches = batches, .status = .ok };
        const buffers = std.mem.readInt(u32, directory[4..8], .little);
        for (slots[0..buffers]) |*slot| handover.release(slot);
        batches += 1;
    }
}

test "a Zig stream's batches are adopted one by one, each freed once, and the source let go once" {
    const before = stats();
    var deinits: u32 = 0;
    var source: Source = .{ .left = 3, .deinits = &deinits };
    var out: stream.StreamOut = undefined;
    try producer.handOverStream(Source, &source, &out);
    const result = try drain(out.handle);
    try testing.expectEqual(abi.Status.ok, result.status);
    try testing.expectEqual(@as(usize, 3), result.batches);
    stream.exports.zc_arrow_stream_release(out.handle);
    stream.exports.zc_arrow_stream_release(out.handle); // twice: ignored
    try testing.expectEqual(@as(u32, 1), deinits);
    try testing.expectEqual(before.live_buffers, stats().live_buffers);
}

test "a stream released early frees the batch built ahead" {
    const before = stats();
    var deinits: u32 = 0;
    var source: Source = .{ .left = 5, .deinits = &deinits };
    var out: stream.StreamOut = undefined;
    try producer.handOverStream(Source, &source, &out);
    stream.exports.zc_arrow_stream_release(out.handle);
    try testing.expectEqual(@as(u32, 1), deinits);
    try testing.expectEqual(before.live_buffers, stats().live_buffers);
    var directory: [64]u8 align(8) = undefined;
    try testing.expectEqual(abi.Status.stale_handle, stream.exports.zc_arrow_stream_next(out.handle, &directory, directory.len, null, 0));
}

test "a source failing midway fails the stream with its message, and it stays failed" {
    var deinits: u32 = 0;
    var source: Source = .{ .left = 3, .fail_at = 2, .deinits = &deinits };
    var out: stream.StreamOut = undefined;
    try producer.handOverStream(Source, &source, &out);
    defer stream.exports.zc_arrow_stream_release(out.handle);
    const result = try drain(out.handle);
    try testing.expectEqual(abi.Status.invalid_argument, result.status);
    try testing.expectEqual(@as(usize, 1), result.batches);
    var message: [256]u8 = undefined;
    const n = stream.exports.zc_arrow_stream_message(out.handle, &message, message.len);
    try testing.expect(std.mem.indexOf(u8, message[0..n], "Broken") != null);
    try testing.expectEqual(abi.Status.invalid_argument, (try drain(out.handle)).status);
}

test "a C stream filled at the reserved address is opened and read; an unfilled one is refused" {
    var deinits: u32 = 0;
    var source: Source = .{ .left = 2, .deinits = &deinits };
    var out: stream.StreamOut = undefined;
    try testing.expectEqual(abi.Status.ok, stream.exports.zc_arrow_stream_reserve(&out));
    const address = stream.exports.zc_arrow_stream_address(out.handle);
    try testing.expect(address != 0);
    try producer.produce(Source, &source, @ptrFromInt(address));
    try testing.expectEqual(abi.Status.ok, stream.exports.zc_arrow_stream_open(out.handle));
    try testing.expectEqual(@as(usize, 0), stream.exports.zc_arrow_stream_address(out.handle));
    try testing.expectEqual(abi.Status.invalid_argument, stream.exports.zc_arrow_stream_open(out.handle));
    try testing.expectEqual(@as(usize, 2), (try drain(out.handle)).batches);
    stream.exports.zc_arrow_stream_release(out.handle);
    try testing.expectEqual(@as(u32, 1), deinits);

    var empty: stream.StreamOut = undefined;
    try testing.expectEqual(abi.Status.ok, stream.exports.zc_arrow_stream_reserve(&empty));
    try testing.expectEqual(abi.Status.invalid_argument, stream.exports.zc_arrow_stream_open(empty.handle));
    stream.exports.zc_arrow_stream_release(empty.handle);
}

test "an empty source is refused and let go" {
    var deinits: u32 = 0;
    var source: Source = .{ .left = 0, .deinits = &deinits };
    var out: stream.StreamOut = undefined;
    try testing.expectError(error.EmptySource, producer.handOverStream(Source, &source, &out));
    try testing.expectEqual(@as(u32, 1), deinits);
}

test {
    _ = @import("struct_copy.zig");
    _ = foreign;
    _ = zerocopy;
}

const lent_stream = @import("lent_stream.zig");

/// A batch of three rows as the C Data structs a host lends: what each lent stream test adds.
const Lendable = struct {
    schema: c.ArrowSchema,
    array: c.ArrowArray,

    fn init() !Lendable {
        var descriptor: abi.Descriptor = undefined;
        try batch.handOverBatch(&testing.allocator, &.{.{ .name = "n", .values = .{ .u32 = &.{ 1, 2, 3 } } }}, &descriptor);
        var self: Lendable = undefined;
        try batch.moveOut(&descriptor, &self.schema, &self.array);
        return self;
    }

    fn deinit(self: *Lendable) void {
        self.array.release.?(&self.array);
        self.schema.release.?(&self.schema);
    }
};

test "a lent stream's consumer may move the struct; reads stop at the loan's end; the last release frees it" {
    var lendable = try Lendable.init();
    defer lendable.deinit();
    const schema = &lendable.schema;
    const array = &lendable.array;
    var out: stream.StreamOut = undefined;
    try testing.expectEqual(abi.Status.ok, lent_stream.exports.zc_arrow_lent_stream_new(&out));
    try testing.expectEqual(@as(usize, 0), lent_stream.exports.zc_arrow_lent_stream_address(out.handle)); // no batch yet
    try testing.expectEqual(abi.Status.ok, lent_stream.exports.zc_arrow_lent_stream_add(out.handle, schema, array));
    const given = lent_stream.give(out.handle).?;
    try testing.expect(lent_stream.give(out.handle) == null); // one consumer
    var moved = given.*; // the consumer's own copy of the struct
    var copied_schema: c.ArrowSchema = undefined;
    try testing.expectEqual(@as(c_int, 0), moved.get_schema.?(&moved, &copied_schema));
    copied_schema.release.?(&copied_schema);
    var first: c.ArrowArray = undefined;
    try testing.expectEqual(@as(c_int, 0), moved.get_next.?(&moved, &first));
    try testing.expectEqual(@as(i64, 3), first.length);
    try testing.expectEqual(@as(u64, 1), lent_stream.exports.zc_arrow_lent_stream_end(out.handle));
    var after: c.ArrowArray = undefined;
    try testing.expect(moved.get_next.?(&moved, &after) != 0);
    first.release.?(&first);
    try testing.expectEqual(@as(u64, 0), lent_stream.exports.zc_arrow_lent_stream_outstanding(out.handle));
    lent_stream.exports.zc_arrow_lent_stream_close(out.handle);
    moved.release.?(&moved);
    try testing.expectEqual(abi.Status.stale_handle, lent_stream.exports.zc_arrow_lent_stream_add(out.handle, schema, array));
}

test "a growing lent stream's get_next waits for the next batch, then ends as finished; a batch goes once released" {
    var lendable = try Lendable.init();
    defer lendable.deinit();
    const schema = &lendable.schema;
    const array = &lendable.array;
    const lent = lent_stream.exports;
    var out: stream.StreamOut = undefined;
    try testing.expectEqual(abi.Status.ok, lent.zc_arrow_lent_stream_new(&out));
    try testing.expectEqual(abi.Status.ok, lent.zc_arrow_lent_stream_grow(out.handle));
    try testing.expectEqual(abi.Status.ok, lent.zc_arrow_lent_stream_add(out.handle, schema, array));
    const given = lent_stream.give(out.handle).?;
    try testing.expectEqual(abi.Status.handed_over_already, lent.zc_arrow_lent_stream_grow(out.handle));
    const Consumer = struct {
        fn run(s: *c.ArrowArrayStream, codes: *[3]c_int, lengths: *[3]i64) void {
            for (codes, lengths) |*code, *length| {
                var next: c.ArrowArray = undefined;
                code.* = s.get_next.?(s, &next);
                length.* = if (code.* == 0) next.length else -2;
                if (code.* == 0) if (next.release) |r| r(&next);
            }
        }
    };
    var codes: [3]c_int = @splat(-1);
    var lengths: [3]i64 = @splat(-1);
    const thread = try std.Thread.spawn(.{}, Consumer.run, .{ given, &codes, &lengths });
    // The consumer took the first batch and waits for the second, which comes later.
    try testing.io.sleep(.fromMilliseconds(20), .awake);
    try testing.expectEqual(abi.Status.ok, lent.zc_arrow_lent_stream_add(out.handle, schema, array));
    try testing.expectEqual(abi.Status.ok, lent.zc_arrow_lent_stream_finish(out.handle, null, 0));
    thread.join();
    try testing.expectEqual([3]c_int{ 0, 0, 0 }, codes);
    try testing.expectEqual([3]i64{ 3, 3, 0 }, lengths); // the third read is the end
    try testing.expectEqual(@as(u32, 0), lent.zc_arrow_lent_stream_held(out.handle, 0));
    try testing.expectEqual(@as(u32, 1), lent.zc_arrow_lent_stream_held(out.handle, 2)); // never added
    try testing.expectEqual(abi.Status.handed_over_already, lent.zc_arrow_lent_stream_add(out.handle, schema, array));
    try testing.expectEqual(@as(u64, 0), lent.zc_arrow_lent_stream_end(out.handle));
    lent.zc_arrow_lent_stream_close(out.handle);
    given.release.?(given);
}

/// A consumer's `get_next` on a thread of its own, as a driver waits: its result lands in `result`.
fn nextOnThread(s: *c.ArrowArrayStream, result: *c_int) void {
    var next: c.ArrowArray = undefined;
    result.* = s.get_next.?(s, &next);
}

test "a growing lent stream fails with the host's message, and its loan's end wakes a waiting consumer" {
    var lendable = try Lendable.init();
    defer lendable.deinit();
    const schema = &lendable.schema;
    const array = &lendable.array;
    const lent = lent_stream.exports;
    for ([_]bool{ true, false }) |fail| {
        var out: stream.StreamOut = undefined;
        try testing.expectEqual(abi.Status.ok, lent.zc_arrow_lent_stream_new(&out));
        try testing.expectEqual(abi.Status.ok, lent.zc_arrow_lent_stream_grow(out.handle));
        try testing.expectEqual(abi.Status.ok, lent.zc_arrow_lent_stream_add(out.handle, schema, array));
        const given = lent_stream.give(out.handle).?;
        var first: c.ArrowArray = undefined;
        try testing.expectEqual(@as(c_int, 0), given.get_next.?(given, &first));
        try testing.expectEqual(@as(u32, 1), lent.zc_arrow_lent_stream_held(out.handle, 0)); // not released yet
        first.release.?(&first);
        try testing.expectEqual(@as(u32, 0), lent.zc_arrow_lent_stream_held(out.handle, 0));
        var code: c_int = -1;
        const thread = try std.Thread.spawn(.{}, nextOnThread, .{ given, &code });
        try testing.io.sleep(.fromMilliseconds(10), .awake);
        if (fail) {
            const why = "the source broke";
            try testing.expectEqual(abi.Status.ok, lent.zc_arrow_lent_stream_finish(out.handle, why, why.len));
            try testing.expectEqual(abi.Status.handed_over_already, lent.zc_arrow_lent_stream_finish(out.handle, null, 0));
        } else {
            _ = lent.zc_arrow_lent_stream_end(out.handle);
        }
        thread.join();
        try testing.expect(code != 0);
        const message = std.mem.span(given.get_last_error.?(given).?);
        if (fail) try testing.expectEqualStrings("the source broke", message);
        _ = lent.zc_arrow_lent_stream_end(out.handle);
        lent.zc_arrow_lent_stream_close(out.handle);
        given.release.?(given);
    }
}

test "a growing lent stream whose host stops renewing its lease fails at the lease's end; a renewed one waits on" {
    var lendable = try Lendable.init();
    defer lendable.deinit();
    const lent = lent_stream.exports;
    var out: stream.StreamOut = undefined;
    try testing.expectEqual(abi.Status.ok, lent.zc_arrow_lent_stream_new(&out));
    try testing.expectEqual(abi.Status.handed_over_already, lent.zc_arrow_lent_stream_alive(out.handle, 50)); // not growing
    try testing.expectEqual(abi.Status.ok, lent.zc_arrow_lent_stream_grow(out.handle));
    try testing.expectEqual(abi.Status.ok, lent.zc_arrow_lent_stream_alive(out.handle, 50));
    try testing.expectEqual(abi.Status.ok, lent.zc_arrow_lent_stream_add(out.handle, &lendable.schema, &lendable.array));
    const given = lent_stream.give(out.handle).?;
    var first: c.ArrowArray = undefined;
    try testing.expectEqual(@as(c_int, 0), given.get_next.?(given, &first));
    first.release.?(&first);
    var code: c_int = -1;
    const thread = try std.Thread.spawn(.{}, nextOnThread, .{ given, &code });
    // Renewed past several terms: the consumer still waits for a batch.
    for (0..6) |_| {
        try testing.io.sleep(.fromMilliseconds(20), .awake);
        try testing.expectEqual(abi.Status.ok, lent.zc_arrow_lent_stream_alive(out.handle, 50));
    }
    try testing.expectEqual(@as(c_int, -1), @atomicLoad(c_int, &code, .acquire));
    // Then the host falls silent: the wait ends with the stream failed.
    thread.join();
    try testing.expectEqual(@as(c_int, 5), code); // EIO
    try testing.expectEqualStrings(
        "the JavaScript side feeding this stream stopped answering for 50 ms: its worker or isolate ended, or its thread is blocked",
        std.mem.span(given.get_last_error.?(given).?),
    );
    try testing.expectEqual(abi.Status.cancelled, lent.zc_arrow_lent_stream_alive(out.handle, 50));
    try testing.expectEqual(abi.Status.handed_over_already, lent.zc_arrow_lent_stream_finish(out.handle, null, 0));
    try testing.expectEqual(abi.Status.handed_over_already, lent.zc_arrow_lent_stream_add(out.handle, &lendable.schema, &lendable.array));
    try testing.expectEqual(@as(u64, 0), lent.zc_arrow_lent_stream_end(out.handle));
    lent.zc_arrow_lent_stream_close(out.handle);
    try testing.expectEqual(abi.Status.stale_handle, lent.zc_arrow_lent_stream_alive(out.handle, 50));
    given.release.?(given);
}
