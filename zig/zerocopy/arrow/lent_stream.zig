//! Batches the host lends, offered to native code as one `ArrowArrayStream`
//! whose callbacks are Zig's: the stream struct lives in Zig's memory (its
//! address is what the consumer gets), the host adds each lent batch by
//! passing its C Data structs to `zc_arrow_lent_stream_add` (checked there by
//! the reader against the first batch's schema), and the consumer is given
//! copies of those structs Zig made, pointing at the lent buffers.
//!
//! The host keeps every lent batch pinned until its loan ends
//! (`zc_arrow_lent_stream_end`) and no array given out is still held:
//! after the end, the stream refuses `get_schema` and `get_next` (the lent
//! memory may be gone), while arrays already given out stay valid until the
//! consumer releases them, which `zc_arrow_lent_stream_outstanding` counts.

const std = @import("std");
const c = @import("c_data.zig");
const reader = @import("reader.zig");
const struct_copy = @import("struct_copy.zig");
const stream = @import("stream.zig");
const abi = @import("../abi.zig");
const handles = @import("../handles.zig");
const zerocopy = @import("../zerocopy.zig");
const ArrowArray = c.ArrowArray;
const ArrowArrayStream = c.ArrowArrayStream;
const ArrowSchema = c.ArrowSchema;
const Status = abi.Status;

const EINVAL: c_int = 22;
const ENOMEM: c_int = 12;

pub const LentStream = struct {
    c_stream: ArrowArrayStream,
    schema: ?*const ArrowSchema = null,
    arrays: std.ArrayList(*const ArrowArray) = .empty,
    next_index: usize = 0,
    ended: bool = false,
    given: bool = false,
    mutex: std.c.pthread_mutex_t = .{},
    /// The handle, the consumer's stream (once given), and each array given out and not released.
    refs: std.atomic.Value(usize) = .init(1),
    outstanding: std.atomic.Value(usize) = .init(0),

    fn unref(self: *LentStream) void {
        if (self.refs.fetchSub(1, .acq_rel) != 1) return;
        self.arrays.deinit(zerocopy.default_allocator.*);
        zerocopy.default_allocator.destroy(self);
    }

    fn arrayReleased(context: *anyopaque) void {
        const self: *LentStream = @ptrCast(@alignCast(context));
        _ = self.outstanding.fetchSub(1, .acq_rel);
        self.unref();
    }

    /// The stream's owner, from `private_data`: a consumer may move the struct
    /// (the C Stream Interface allows it), so its address says nothing.
    fn of(s: *ArrowArrayStream) *LentStream {
        return @ptrCast(@alignCast(s.private_data.?));
    }

    fn getSchema(s: *ArrowArrayStream, out: *ArrowSchema) callconv(.c) c_int {
        const self = of(s);
        _ = std.c.pthread_mutex_lock(&self.mutex);
        defer _ = std.c.pthread_mutex_unlock(&self.mutex);
        if (self.ended) return EINVAL;
        struct_copy.copy(self.schema orelse return EINVAL, out) catch return ENOMEM;
        return 0;
    }

    fn getNext(s: *ArrowArrayStream, out: *ArrowArray) callconv(.c) c_int {
        const self = of(s);
        _ = std.c.pthread_mutex_lock(&self.mutex);
        defer _ = std.c.pthread_mutex_unlock(&self.mutex);
        if (self.ended) return EINVAL;
        if (self.next_index == self.arrays.items.len) {
            out.* = std.mem.zeroes(ArrowArray);
            return 0;
        }
        // Counted before the copy can be released.
        _ = self.refs.fetchAdd(1, .monotonic);
        _ = self.outstanding.fetchAdd(1, .monotonic);
        struct_copy.copyArrayNotifying(self.arrays.items[self.next_index], out, self, arrayReleased) catch {
            _ = self.outstanding.fetchSub(1, .monotonic);
            _ = self.refs.fetchSub(1, .monotonic);
            return ENOMEM;
        };
        self.next_index += 1;
        return 0;
    }

    fn lastError(s: *ArrowArrayStream) callconv(.c) ?[*:0]const u8 {
        const self = of(s);
        return if (self.ended)
            "the batches lent as this stream were given back: their loan ended"
        else
            "out of memory copying a lent batch's structs";
    }

    fn release(s: *ArrowArrayStream) callconv(.c) void {
        const self = of(s);
        s.release = null;
        self.unref();
    }

    fn retire(object: *anyopaque) void {
        const self: *LentStream = @ptrCast(@alignCast(object));
        _ = std.c.pthread_mutex_lock(&self.mutex);
        self.ended = true;
        _ = std.c.pthread_mutex_unlock(&self.mutex);
        self.unref();
    }
};

fn pin(handle: u64) ?*LentStream {
    return @ptrCast(@alignCast(handles.global.pin(handle, .lent_stream) orelse return null));
}

/// The stream struct of the lent stream `handle` names, for one consumer:
/// null for a stale handle, a stream with no batch, or one given already.
pub fn give(handle: u64) ?*ArrowArrayStream {
    const self = pin(handle) orelse return null;
    defer handles.global.unpin(handle);
    _ = std.c.pthread_mutex_lock(&self.mutex);
    defer _ = std.c.pthread_mutex_unlock(&self.mutex);
    if (self.given or self.ended or self.schema == null) return null;
    self.given = true;
    _ = self.refs.fetchAdd(1, .monotonic);
    return &self.c_stream;
}

pub const exports = struct {
    /// A new, empty lent stream; its handle goes to `out`.
    pub fn zc_arrow_lent_stream_new(out: ?*stream.StreamOut) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.handle = 0;
        const self = zerocopy.default_allocator.create(LentStream) catch return .out_of_memory;
        self.* = .{ .c_stream = .{
            .get_schema = LentStream.getSchema,
            .get_next = LentStream.getNext,
            .get_last_error = LentStream.lastError,
            .release = LentStream.release,
            .private_data = null,
        } };
        self.c_stream.private_data = self;
        target.handle = handles.global.register(.lent_stream, self) catch {
            zerocopy.default_allocator.destroy(self);
            return .out_of_memory;
        };
        return .ok;
    }

    /// Adds a lent batch (its structs stay the host's, pinned until the loan
    /// ends): the first fixes the schema, each later one is checked against
    /// it. `invalid_argument` for a batch the reader refuses or that does not
    /// match; `handed_over_already` once the stream was given to a consumer.
    pub fn zc_arrow_lent_stream_add(handle: u64, schema: ?*const ArrowSchema, array: ?*const ArrowArray) callconv(.c) Status {
        const a = array orelse return .invalid_argument;
        const self = pin(handle) orelse return .stale_handle;
        defer handles.global.unpin(handle);
        _ = std.c.pthread_mutex_lock(&self.mutex);
        defer _ = std.c.pthread_mutex_unlock(&self.mutex);
        if (self.given or self.ended) return .handed_over_already;
        const s = self.schema orelse (schema orelse return .invalid_argument);
        const root = reader.Column.init(s, a, 0) catch return .invalid_argument;
        if (root.kind != .@"struct") return .invalid_argument;
        self.arrays.append(zerocopy.default_allocator.*, a) catch return .out_of_memory;
        self.schema = s;
        return .ok;
    }

    /// The address of the stream struct, for a native consumer to read (once):
    /// 0 for a stale handle, a stream with no batch, or one given already.
    pub fn zc_arrow_lent_stream_address(handle: u64) callconv(.c) usize {
        return @intFromPtr(give(handle) orelse return 0);
    }

    /// Ends the loan: from here on the stream refuses `get_schema` and
    /// `get_next` and reads no lent memory. Returns the arrays given out and
    /// not yet released, which still view the lent buffers (0 for a stale handle).
    pub fn zc_arrow_lent_stream_end(handle: u64) callconv(.c) u64 {
        const self = pin(handle) orelse return 0;
        defer handles.global.unpin(handle);
        _ = std.c.pthread_mutex_lock(&self.mutex);
        self.ended = true;
        _ = std.c.pthread_mutex_unlock(&self.mutex);
        return self.outstanding.load(.acquire);
    }

    /// The arrays given out and not yet released (0 for a stale handle).
    pub fn zc_arrow_lent_stream_outstanding(handle: u64) callconv(.c) u64 {
        const self = pin(handle) orelse return 0;
        defer handles.global.unpin(handle);
        return self.outstanding.load(.acquire);
    }

    /// Ends the handle (the loan too); the stream is freed once the consumer
    /// released it and every array given out.
    pub fn zc_arrow_lent_stream_close(handle: u64) callconv(.c) void {
        _ = handles.global.retire(handle, .lent_stream, LentStream.retire);
    }
};
