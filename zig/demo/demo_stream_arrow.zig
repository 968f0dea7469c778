//! A demo stream of demo batches (demo_arrow.zig), with the misbehaviours a
//! consumer must survive: a batch of another schema, a failure midway.

const std = @import("std");
const zerocopy = @import("../zerocopy/zerocopy.zig");
const demo_arrow = @import("demo_arrow.zig");
const stream_producer = @import("../zerocopy/arrow/stream_producer.zig");
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
        zerocopy.default_allocator.destroy(self);
    }
};

fn source(batches: u32, rows: u64, options: u32) ?*DemoSource {
    const self = zerocopy.default_allocator.create(DemoSource) catch return null;
    self.* = .{ .left = batches, .rows = rows, .options = options };
    return self;
}

pub const exports = struct {
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
