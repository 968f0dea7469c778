//! A Zig producer of an `ArrowArrayStream`: the author's source hands batches
//! over one at a time (`handOverBatch`, `BatchBuilder`), and each becomes the
//! stream's next array, freed once when its consumer releases it. Batches not
//! yet asked for are never built; releasing the stream early frees the one
//! built ahead and lets the source go.
//!
//!     const Counter = struct {
//!         left: u32,
//!         pub fn next(self: *Counter, out: *zerocopy.Descriptor) !bool {
//!             if (self.left == 0) return false;
//!             self.left -= 1;
//!             try zerocopy.arrow.handOverBatch(allocator, &.{.{ .name = "n", .values = .{ .u32 = &.{ 1, 2 } } }}, out);
//!             return true;
//!         }
//!         pub fn deinit(self: *Counter) void { allocator.destroy(self); }
//!     };
//!     try zerocopy.arrow.handOverStream(Counter, counter, out); // out: ?*zerocopy.arrow.StreamOut
//!
//! The first batch fixes the schema (`get_schema` describes it): a source
//! with no rows at all hands over one empty batch. A later batch of another
//! schema is the consumer's to refuse (Deno's import does).

const std = @import("std");
const c = @import("c_data.zig");
const batch = @import("batch.zig");
const struct_copy = @import("struct_copy.zig");
const stream = @import("stream.zig");
const abi = @import("../abi.zig");
const handover = @import("../handover.zig");
const zerocopy = @import("../zerocopy.zig");
const ArrowArray = c.ArrowArray;
const ArrowArrayStream = c.ArrowArrayStream;
const ArrowSchema = c.ArrowSchema;
const Descriptor = abi.Descriptor;

pub const Error = error{ OutOfMemory, EmptySource, NotABatch, SourceFailed };

/// `errno` values the stream's callbacks return.
const EIO: c_int = 5;
const EINVAL: c_int = 22;

fn Producer(comptime Source: type) type {
    return struct {
        const Self = @This();
        source: *Source,
        schema: ArrowSchema,
        /// The first batch, built to learn the schema, until `get_next` gives it.
        first: ArrowArray,
        message: [256]u8 = undefined,
        message_len: usize = 0,

        /// Moves the batch in `descriptor` into an array (its schema released at once).
        fn arrayOf(descriptor: *Descriptor, array: *ArrowArray) error{NotABatch}!void {
            var schema: ArrowSchema = undefined;
            batch.moveOut(descriptor, &schema, array) catch |err| {
                handover.release(descriptor);
                return err;
            };
            schema.release.?(&schema);
        }

        fn getSchema(s: *ArrowArrayStream, out: *ArrowSchema) callconv(.c) c_int {
            const self: *Self = @ptrCast(@alignCast(s.private_data orelse return EINVAL));
            struct_copy.copy(&self.schema, out) catch {
                self.say("out of memory copying the schema");
                return EIO;
            };
            return 0;
        }

        fn getNext(s: *ArrowArrayStream, out: *ArrowArray) callconv(.c) c_int {
            const self: *Self = @ptrCast(@alignCast(s.private_data orelse return EINVAL));
            if (self.first.release != null) {
                out.* = self.first;
                self.first.release = null;
                return 0;
            }
            var descriptor: Descriptor = .released;
            const more = self.source.next(&descriptor) catch |err| {
                handover.release(&descriptor);
                self.say(@errorName(err));
                return EIO;
            };
            if (!more) {
                handover.release(&descriptor);
                out.release = null;
                return 0;
            }
            arrayOf(&descriptor, out) catch {
                self.say("the source handed over something that is not a batch");
                return EIO;
            };
            return 0;
        }

        fn say(self: *Self, text: []const u8) void {
            self.message_len = @min(text.len, self.message.len - 1);
            @memcpy(self.message[0..self.message_len], text[0..self.message_len]);
            self.message[self.message_len] = 0;
        }

        fn lastError(s: *ArrowArrayStream) callconv(.c) ?[*:0]const u8 {
            const self: *Self = @ptrCast(@alignCast(s.private_data orelse return null));
            if (self.message_len == 0) return null;
            return @ptrCast(&self.message);
        }

        fn release(s: *ArrowArrayStream) callconv(.c) void {
            const self: *Self = @ptrCast(@alignCast(s.private_data orelse return));
            if (self.first.release) |r| r(&self.first);
            self.schema.release.?(&self.schema);
            self.source.deinit();
            zerocopy.default_allocator.destroy(self);
            s.release = null;
            s.private_data = null;
        }
    };
}

/// Fills `out` with a C stream over `source` (a `*Source` whose `next(out:
/// *Descriptor) !bool` hands the next batch over, or returns false at the
/// end, and whose `deinit()` runs once, when the stream is released). On an
/// error the source is deinitialized and `out` left released.
pub fn produce(comptime Source: type, source: *Source, out: *ArrowArrayStream) Error!void {
    out.* = std.mem.zeroes(ArrowArrayStream);
    const P = Producer(Source);
    const self = zerocopy.default_allocator.create(P) catch {
        source.deinit();
        return error.OutOfMemory;
    };
    self.* = .{ .source = source, .schema = undefined, .first = undefined };
    var descriptor: Descriptor = .released;
    const more = source.next(&descriptor) catch {
        handover.release(&descriptor);
        zerocopy.default_allocator.destroy(self);
        source.deinit();
        return error.SourceFailed;
    };
    if (!more) {
        handover.release(&descriptor);
        zerocopy.default_allocator.destroy(self);
        source.deinit();
        return error.EmptySource;
    }
    batch.moveOut(&descriptor, &self.schema, &self.first) catch |err| {
        handover.release(&descriptor);
        zerocopy.default_allocator.destroy(self);
        source.deinit();
        return err;
    };
    // The schema outlives the first batch: a copy of its own.
    var own: ArrowSchema = undefined;
    struct_copy.copy(&self.schema, &own) catch {
        self.schema.release.?(&self.schema);
        self.first.release.?(&self.first);
        zerocopy.default_allocator.destroy(self);
        source.deinit();
        return error.OutOfMemory;
    };
    self.schema.release.?(&self.schema);
    self.schema = own;
    out.* = .{
        .get_schema = P.getSchema,
        .get_next = P.getNext,
        .get_last_error = P.lastError,
        .release = P.release,
        .private_data = self,
    };
}

/// Hands a stream over `source` to the host: the stream lives in Zig's
/// memory, and `out` gets its handle (Deno's `adoptStream` reads it).
pub fn handOverStream(comptime Source: type, source: *Source, out: *stream.StreamOut) (Error || error{Refused})!void {
    out.handle = 0;
    var c_stream: ArrowArrayStream = undefined;
    try produce(Source, source, &c_stream);
    const handle = try stream.adopt(&c_stream, null);
    switch (stream.openHandle(handle)) {
        .ok => out.handle = handle,
        else => {
            stream.exports.zc_arrow_stream_release(handle);
            return error.Refused;
        },
    }
}
