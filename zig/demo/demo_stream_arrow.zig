//! A demo stream of demo batches (demo_arrow.zig), with the misbehaviours a
//! consumer must survive: a batch of another schema, a failure midway.

const std = @import("std");
const zerocopy = @import("../zerocopy/zerocopy.zig");
const demo_arrow = @import("demo_arrow.zig");
const stream_producer = @import("../zerocopy/arrow/stream_producer.zig");
const arrow = zerocopy.arrow;
const StreamOut = zerocopy.arrow.StreamOut;
const Status = zerocopy.Status;

/// `zc_arrow_demo_stream` options: the second batch has another schema (one i8 column).
pub const lie_at_second: u32 = 1;
/// The second `get_next` fails, with a message.
pub const fail_at_second: u32 = 2;

pub const DemoSource = struct {
    left: u32,
    rows: u64,
    options: u32,
    index: u32 = 0,

    pub fn next(self: *DemoSource, out: *zerocopy.Descriptor) !bool {
        if (self.left == 0) return false;
        self.left -= 1;
        self.index += 1;
        if (self.index == 2 and self.options & fail_at_second != 0) return error.DemoStreamFailedAtItsSecondBatch;
        if (self.index == 2 and self.options & lie_at_second != 0) {
            try zerocopy.arrow.handOverBatch(&std.heap.c_allocator, &.{.{ .name = "lie", .values = .{ .i8 = &.{ 1, 2, 3 } } }}, out);
            return true;
        }
        try demo_arrow.demoBatch(@intCast(self.rows), 0, out);
        return true;
    }

    pub fn deinit(self: *DemoSource) void {
        _ = live_sources.fetchSub(1, .monotonic);
        zerocopy.default_allocator.destroy(self);
    }
};

/// Demo sources not yet let go of: what tells a test its stream was released, and once.
var live_sources: std.atomic.Value(u32) = .init(0);

fn source(batches: u32, rows: u64, options: u32) ?*DemoSource {
    const self = zerocopy.default_allocator.create(DemoSource) catch return null;
    self.* = .{ .left = batches, .rows = rows, .options = options };
    _ = live_sources.fetchAdd(1, .monotonic);
    return self;
}

/// The array a consumer was asked to keep, until `zc_arrow_demo_release_kept`.
var kept: zerocopy.arrow.ArrowArray = std.mem.zeroes(zerocopy.arrow.ArrowArray);
/// Its schema, kept with it.
var kept_schema: zerocopy.arrow.ArrowSchema = std.mem.zeroes(zerocopy.arrow.ArrowSchema);
var kept_lock: std.atomic.Mutex = .unlocked;

pub const exports = struct {
    /// A native consumer of the `ArrowArrayStream` at `stream` (as a C library
    /// would be): reads the schema and every array, adds each array's checksum
    /// (`zerocopy.arrow.checksum`) into `out` and counts the rows into `rows`,
    /// releases each array (the last one kept when `keep_last` is 1, until
    /// `zc_arrow_demo_release_kept`) and then the stream.
    pub fn zc_arrow_demo_consume_stream(stream: usize, keep_last: u32, out: ?*u64, rows: ?*u64) callconv(.c) Status {
        if (stream == 0) return .invalid_argument;
        const target = out orelse return .invalid_argument;
        const row_count = rows orelse return .invalid_argument;
        const s: *zerocopy.arrow.ArrowArrayStream = @ptrFromInt(stream);
        defer if (s.release) |r| r(s);
        var schema: zerocopy.arrow.ArrowSchema = undefined;
        if (s.get_schema.?(s, &schema) != 0) return .invalid_argument;
        defer if (schema.release) |r| r(&schema);
        target.* = 0;
        row_count.* = 0;
        var previous = std.mem.zeroes(zerocopy.arrow.ArrowArray);
        defer if (previous.release) |r| r(&previous);
        while (true) {
            var array: zerocopy.arrow.ArrowArray = undefined;
            if (s.get_next.?(s, &array) != 0) return .invalid_argument;
            if (array.release == null) break;
            if (previous.release) |r| r(&previous);
            previous = array;
            target.* +%= zerocopy.arrow.checksum(&schema, &array) catch return .invalid_argument;
            row_count.* += @intCast(array.length);
        }
        if (keep_last == 1 and previous.release != null) {
            while (!kept_lock.tryLock()) {}
            defer kept_lock.unlock();
            if (kept.release) |r| r(&kept);
            if (kept_schema.release) |r| r(&kept_schema);
            kept = previous;
            previous.release = null;
            kept_schema = schema;
            schema.release = null;
        }
        return .ok;
    }

    /// How many demo streams' sources are alive: each is let go of once, when its stream is released.
    pub fn zc_arrow_demo_stream_live() callconv(.c) u32 {
        return live_sources.load(.monotonic);
    }

    /// The checksum (`zerocopy.arrow.checksum`) of the array
    /// `zc_arrow_demo_consume_stream` kept, read now, into `out`;
    /// `invalid_argument` when none is kept.
    pub fn zc_arrow_demo_checksum_kept(out: ?*u64) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        while (!kept_lock.tryLock()) {}
        defer kept_lock.unlock();
        if (kept.release == null or kept_schema.release == null) return .invalid_argument;
        target.* = zerocopy.arrow.checksum(&kept_schema, &kept) catch return .invalid_argument;
        return .ok;
    }

    /// Releases the array `zc_arrow_demo_consume_stream` kept, if any.
    pub fn zc_arrow_demo_release_kept() callconv(.c) void {
        while (!kept_lock.tryLock()) {}
        defer kept_lock.unlock();
        if (kept.release) |r| r(&kept);
        kept = std.mem.zeroes(zerocopy.arrow.ArrowArray);
        if (kept_schema.release) |r| r(&kept_schema);
        kept_schema = std.mem.zeroes(zerocopy.arrow.ArrowSchema);
    }

    /// A stream of `batches` demo batches of `rows` rows each, handed over
    /// into `out`; `options` 1 makes the second batch lie about its schema,
    /// 2 makes it fail. `invalid_argument` for `batches` 0.
    pub fn zc_arrow_demo_stream(batches: u32, rows: u64, options: u32, out: ?*StreamOut) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.handle = 0;
        const s = source(batches, rows, options) orelse return .out_of_memory;
        zerocopy.arrow.handOverStream(DemoSource, s, target) catch |err| return switch (err) {
            error.OutOfMemory => .out_of_memory,
            else => .invalid_argument,
        };
        return .ok;
    }

    /// The same stream written as a C `ArrowArrayStream` at the address
    /// `stream`, as another library's producer would fill one.
    pub fn zc_arrow_demo_stream_c(batches: u32, rows: u64, options: u32, stream: usize) callconv(.c) Status {
        if (stream == 0) return .invalid_argument;
        const target: *zerocopy.arrow.ArrowArrayStream = @ptrFromInt(stream);
        const s = source(batches, rows, options) orelse return .out_of_memory;
        stream_producer.produce(DemoSource, s, target) catch |err| return switch (err) {
            error.OutOfMemory => .out_of_memory,
            else => .invalid_argument,
        };
        return .ok;
    }
};

/// The Arrow stream exports of libzerocopy, both ways, with the demo producer
/// the tests drive them with (its C producer and consumer, which take raw
/// addresses, are the test hooks', zig/fixtures/test_hooks.zig).
pub const stream_exports = struct {
    /// Exports Deno calls with `nonblocking: true`, on a worker thread.
    pub const nonblocking = .{"zc_arrow_stream_next"};
    pub const zc_arrow_stream_reserve = arrow.stream.exports.zc_arrow_stream_reserve;
    pub const zc_arrow_stream_address = arrow.stream.exports.zc_arrow_stream_address;
    pub const zc_arrow_stream_open = arrow.stream.exports.zc_arrow_stream_open;
    pub const zc_arrow_stream_next = arrow.stream.exports.zc_arrow_stream_next;
    pub const zc_arrow_stream_message = arrow.stream.exports.zc_arrow_stream_message;
    pub const zc_arrow_stream_release = arrow.stream.exports.zc_arrow_stream_release;
    pub const zc_arrow_lent_stream_new = arrow.lent_stream.exports.zc_arrow_lent_stream_new;
    pub const zc_arrow_lent_stream_add = arrow.lent_stream.exports.zc_arrow_lent_stream_add;
    pub const zc_arrow_lent_stream_address = arrow.lent_stream.exports.zc_arrow_lent_stream_address;
    pub const zc_arrow_lent_stream_end = arrow.lent_stream.exports.zc_arrow_lent_stream_end;
    pub const zc_arrow_lent_stream_outstanding = arrow.lent_stream.exports.zc_arrow_lent_stream_outstanding;
    pub const zc_arrow_lent_stream_close = arrow.lent_stream.exports.zc_arrow_lent_stream_close;
    pub const zc_arrow_lent_stream_grow = arrow.lent_stream.exports.zc_arrow_lent_stream_grow;
    pub const zc_arrow_lent_stream_finish = arrow.lent_stream.exports.zc_arrow_lent_stream_finish;
    pub const zc_arrow_lent_stream_queued = arrow.lent_stream.exports.zc_arrow_lent_stream_queued;
    pub const zc_arrow_lent_stream_held = arrow.lent_stream.exports.zc_arrow_lent_stream_held;
    pub const zc_arrow_lent_stream_alive = arrow.lent_stream.exports.zc_arrow_lent_stream_alive;
    pub const zc_arrow_demo_stream = exports.zc_arrow_demo_stream;
    pub const zc_arrow_demo_stream_live = exports.zc_arrow_demo_stream_live;
};
