//! `ArrowArrayStream`s read by the host: the stream struct, its schema and
//! the array it produced last live in a `Stream` Zig allocates, named to the
//! host by a handle (handles.zig), so every callback Zig calls was read from
//! Zig's own memory. Each array is adopted like any foreign array
//! (foreign.zig: checked against the stream's schema, its buffers handed over
//! one by one, its `release` run once the last of them is released).
//!
//! A stream gets into Zig's memory in one of three ways: a Zig producer of
//! this library (`stream_producer.zig`) or a driver Zig calls (ADBC) fills it
//! directly; another library's producer fills the struct at the address
//! `zc_arrow_stream_address` gives, before `zc_arrow_stream_open` reads it.
//! Whoever ends the handle (`zc_arrow_stream_release`, dispose, GC) runs the
//! stream's `release` exactly once, after any `get_next` in flight.

const std = @import("std");
const c = @import("c_data.zig");
const foreign = @import("foreign.zig");
const abi = @import("../abi.zig");
const handles = @import("../handles.zig");
const BlockingMutex = @import("../blocking_mutex.zig").BlockingMutex;
const zerocopy = @import("../zerocopy.zig");
const ArrowArray = c.ArrowArray;
const ArrowArrayStream = c.ArrowArrayStream;
const ArrowSchema = c.ArrowSchema;
const Descriptor = abi.Descriptor;
const Status = abi.Status;

/// What a stream's producer depends on beyond the stream (an ADBC statement
/// and its connection): locked around each callback, dropped after `release`.
pub const Owner = struct {
    context: *anyopaque,
    lock: *const fn (*anyopaque) void,
    unlock: *const fn (*anyopaque) void,
    drop: *const fn (*anyopaque) void,
    /// Releases the stream without waiting for the lock: runs `release(stream)`
    /// under it (now, or by the thread holding it), then drops the owner. Null:
    /// the release takes the lock, waiting for it.
    later: ?*const fn (context: *anyopaque, release: *const fn (*anyopaque) void, stream: *anyopaque) void = null,
};

const State = enum { reserved, open, ended, failed };

pub const Stream = struct {
    stream: ArrowArrayStream = std.mem.zeroes(ArrowArrayStream),
    schema: ArrowSchema = std.mem.zeroes(ArrowSchema),
    /// An array `get_next` produced that the host's directory was too small for.
    pending: ArrowArray = std.mem.zeroes(ArrowArray),
    state: State = .reserved,
    failure: foreign.Failure = .none,
    owner: ?Owner = null,
    mutex: BlockingMutex = .{},
    /// The producer's last error, copied: its own string lives only until its next call.
    message: [1024]u8 = undefined,
    message_len: usize = 0,

    fn destroy(object: *anyopaque) void {
        const self: *Stream = @ptrCast(@alignCast(object));
        if (self.owner) |o| if (o.later) |later| return later(o.context, releaseLocked, self);
        if (self.owner) |o| o.lock(o.context);
        releaseProducer(self);
        if (self.owner) |o| {
            o.unlock(o.context);
            o.drop(o.context);
        }
        zerocopy.default_allocator.destroy(self);
    }

    /// The producer's objects released and the stream freed, under the owner's lock (`Owner.later`).
    fn releaseLocked(object: *anyopaque) void {
        const self: *Stream = @ptrCast(@alignCast(object));
        releaseProducer(self);
        zerocopy.default_allocator.destroy(self);
    }

    fn releaseProducer(self: *Stream) void {
        if (self.pending.release) |r| r(&self.pending);
        if (self.schema.release) |r| r(&self.schema);
        if (self.stream.release) |r| r(&self.stream);
    }

    fn lock(self: *Stream) void {
        self.mutex.lock();
        if (self.owner) |o| o.lock(o.context);
    }

    fn unlock(self: *Stream) void {
        if (self.owner) |o| o.unlock(o.context);
        self.mutex.unlock();
    }

    fn fail(self: *Stream, failure: foreign.Failure, what: []const u8) void {
        self.state = .failed;
        self.failure = failure;
        self.note(what);
    }

    fn note(self: *Stream, what: []const u8) void {
        self.message_len = @min(what.len, self.message.len);
        @memcpy(self.message[0..self.message_len], what[0..self.message_len]);
    }

    /// Notes the producer's errno and last error after a failed callback.
    fn producerFailed(self: *Stream, call: []const u8, errno: c_int) void {
        var text: [1024]u8 = undefined;
        const last: []const u8 = if (self.stream.get_last_error) |get| std.mem.span(get(&self.stream) orelse "") else "";
        const what = std.fmt.bufPrint(&text, "{s} failed (errno {d}): {s}", .{ call, errno, if (last.len > 0) last else "no message" }) catch text[0..];
        self.fail(.producer_failed, what);
    }

    /// Reads the schema of a stream just filled in.
    fn open(self: *Stream) Status {
        const get_schema = self.stream.get_schema orelse {
            self.fail(.invalid_layout, "the stream was not filled in (no get_schema)");
            return .invalid_argument;
        };
        if (self.stream.release == null or self.stream.get_next == null) {
            self.fail(.invalid_layout, "the stream was not filled in (no release or get_next)");
            return .invalid_argument;
        }
        const errno = get_schema(&self.stream, &self.schema);
        if (errno != 0) {
            self.schema = std.mem.zeroes(ArrowSchema);
            self.producerFailed("get_schema", errno);
            return .invalid_argument;
        }
        if (self.schema.release == null) {
            self.fail(.invalid_layout, "get_schema returned a released schema");
            return .invalid_argument;
        }
        self.state = .open;
        return .ok;
    }

    /// The next array, adopted into the host's directory and slots; at the end
    /// a header with no nodes.
    fn next(self: *Stream, directory: []u8, slots: []Descriptor) Status {
        if (directory.len < foreign.header_bytes) return .invalid_argument;
        switch (self.state) {
            .reserved => return .invalid_argument,
            .ended => return end(directory),
            .failed => return self.refuse(directory),
            .open => {},
        }
        if (self.pending.release == null) {
            const get_next = self.stream.get_next.?;
            const errno = get_next(&self.stream, &self.pending);
            if (errno != 0) {
                self.pending = std.mem.zeroes(ArrowArray);
                self.producerFailed("get_next", errno);
                return self.refuse(directory);
            }
            if (self.pending.release == null) {
                self.state = .ended;
                return end(directory);
            }
        }
        const status = foreign.adopt(&self.schema, &self.pending, directory, slots);
        switch (status) {
            .ok, .full, .out_of_memory => return status,
            else => {
                // The array does not fit the stream's schema, or is of a type
                // not read: the stream is done, and the array given back now.
                const failure: foreign.Failure = @fromBackingInt(@intCast(std.mem.readInt(u32, directory[16..20], .little)));
                if (self.pending.release) |r| r(&self.pending);
                self.pending = std.mem.zeroes(ArrowArray);
                self.state = .failed;
                self.failure = failure;
                self.note("an array did not match the stream's schema, or has a type not read");
                return status;
            },
        }
    }

    fn refuse(self: *Stream, directory: []u8) Status {
        @memset(directory[0..foreign.header_bytes], 0);
        std.mem.writeInt(u32, directory[16..20], @backingInt(self.failure), .little);
        return .invalid_argument;
    }
};

fn end(directory: []u8) Status {
    @memset(directory[0..foreign.header_bytes], 0);
    return .ok;
}

/// Registers a stream whose struct `fill` fills in Zig's memory (a driver's
/// `ExecuteQuery`, a Zig producer), reads its schema, and returns its handle.
/// `owner` is dropped with the stream, or at once if registration fails.
pub fn adopt(stream: *const ArrowArrayStream, owner: ?Owner) error{ OutOfMemory, Refused }!handles.Handle {
    const self = zerocopy.default_allocator.create(Stream) catch {
        var moved = stream.*;
        if (owner) |o| o.lock(o.context);
        if (moved.release) |r| r(&moved);
        if (owner) |o| {
            o.unlock(o.context);
            o.drop(o.context);
        }
        return error.OutOfMemory;
    };
    self.* = .{ .stream = stream.*, .owner = owner };
    const handle = handles.global.register(.stream, self) catch {
        Stream.destroy(self);
        return error.OutOfMemory;
    };
    return handle;
}

/// Opens a stream `adopt` registered: reads its schema (refused with a
/// message when the producer fails).
pub fn openHandle(handle: handles.Handle) Status {
    const self: *Stream = @ptrCast(@alignCast(handles.global.pin(handle, .stream) orelse return .stale_handle));
    defer handles.global.unpin(handle);
    self.lock();
    defer self.unlock();
    if (self.state != .reserved) return .invalid_argument;
    return self.open();
}

/// Where the host names an adopted stream: `zerocopy.arrow.StreamOut`.
pub const StreamOut = extern struct {
    handle: u64,
};

comptime {
    std.debug.assert(@sizeOf(StreamOut) == 8);
}

pub const exports = struct {
    /// Reserves a stream for another library's producer to fill in: its
    /// handle goes to `out`; `zc_arrow_stream_address` says where to fill.
    pub fn zc_arrow_stream_reserve(out: ?*StreamOut) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.handle = 0;
        const self = zerocopy.default_allocator.create(Stream) catch return .out_of_memory;
        self.* = .{};
        target.handle = handles.global.register(.stream, self) catch {
            zerocopy.default_allocator.destroy(self);
            return .out_of_memory;
        };
        return .ok;
    }

    /// The address of a reserved stream's `ArrowArrayStream`, for a producer
    /// to fill in before `zc_arrow_stream_open`; 0 for anything else.
    pub fn zc_arrow_stream_address(handle: u64) callconv(.c) usize {
        const self: *Stream = @ptrCast(@alignCast(handles.global.lockLive(handle, .stream) orelse return 0));
        defer handles.global.unlockLive();
        return if (self.state == .reserved) @intFromPtr(&self.stream) else 0;
    }

    /// Reads a filled-in stream's schema; `invalid_argument` when the producer
    /// failed or filled nothing (`zc_arrow_stream_message` says why).
    pub fn zc_arrow_stream_open(handle: u64) callconv(.c) Status {
        return openHandle(handle);
    }

    /// Adopts the stream's next array as `zc_arrow_foreign_adopt` does: the
    /// directory and slots the host lends are filled, `full` asks for more
    /// room (the array is kept for the retry). At the end the header has no
    /// nodes. `invalid_argument` when the producer failed, or an array does not
    /// match the stream's schema: the header's `failure` says which, and the
    /// stream stays failed. Runs the producer's `get_next`: call it nonblocking.
    pub fn zc_arrow_stream_next(handle: u64, directory: ?[*]u8, directory_len: u64, buffers: ?[*]u8, buffers_len: u64) callconv(.c) Status {
        const d = directory orelse return .invalid_argument;
        const slots: []Descriptor = if (buffers) |b| slots: {
            if (!std.mem.isAligned(@intFromPtr(b), @alignOf(Descriptor))) return .invalid_argument;
            const typed: [*]Descriptor = @ptrCast(@alignCast(b));
            break :slots typed[0..@intCast(buffers_len)];
        } else &.{};
        const self: *Stream = @ptrCast(@alignCast(handles.global.pin(handle, .stream) orelse return .stale_handle));
        defer handles.global.unpin(handle);
        self.lock();
        defer self.unlock();
        return self.next(d[0..@intCast(directory_len)], slots);
    }

    /// Copies why the stream failed into `out` (`out_len` bytes); returns the
    /// bytes copied, 0 for none or a stale handle.
    pub fn zc_arrow_stream_message(handle: u64, out: ?[*]u8, out_len: u64) callconv(.c) u64 {
        const target = out orelse return 0;
        const self: *Stream = @ptrCast(@alignCast(handles.global.pin(handle, .stream) orelse return 0));
        defer handles.global.unpin(handle);
        self.mutex.lock();
        defer self.mutex.unlock();
        const n = @min(self.message_len, @as(usize, @intCast(out_len)));
        @memcpy(target[0..n], self.message[0..n]);
        return n;
    }

    /// Ends the stream: its `release` runs now, or once a `get_next` in
    /// flight returns; a stale handle is ignored (released twice).
    pub fn zc_arrow_stream_release(handle: u64) callconv(.c) void {
        _ = handles.global.retire(handle, .stream, Stream.destroy);
    }
};

test {
    _ = @import("stream_test.zig");
}
