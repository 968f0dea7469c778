//! Batches the host lends, offered to native code as one `ArrowArrayStream`
//! whose callbacks are Zig's: the stream struct lives in Zig's memory (its
//! address is what the consumer gets), the host adds each lent batch by
//! passing its C Data structs to `zc_arrow_lent_stream_add` (checked there by
//! the reader against the first batch's schema, which Zig copies), and the
//! consumer is given copies of those structs Zig made, pointing at the lent buffers.
//!
//! A stream may grow (`zc_arrow_lent_stream_grow`): the host adds batches
//! while the consumer reads, `get_next` waits on its own thread for the next
//! one, and `zc_arrow_lent_stream_finish` ends it (cleanly, or as a failure
//! `get_next` reports). While it waits, the host renews a lease
//! (`zc_arrow_lent_stream_alive`); one that lapses ends the stream as a
//! failure, so a host gone mid-stream (a terminated worker, whose feed never
//! finishes it) leaves no consumer thread waiting forever. The host pins each
//! batch until the consumer released the array given for it
//! (`zc_arrow_lent_stream_held`), or the loan ended
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
const blocking = @import("../blocking_mutex.zig");
const BlockingMutex = blocking.BlockingMutex;
const BlockingCondition = blocking.BlockingCondition;
const zerocopy = @import("../zerocopy.zig");
const napi_frame = @import("../napi_frame.zig");
const ArrowArray = c.ArrowArray;
const ArrowArrayStream = c.ArrowArrayStream;
const ArrowSchema = c.ArrowSchema;
const Status = abi.Status;

const EIO: c_int = 5;
const EINVAL: c_int = 22;
const ENOMEM: c_int = 12;

/// One lent batch: its structs (the host's) and whether the copy given for it was released.
const Slot = struct {
    owner: *LentStream,
    array: *const ArrowArray,
    released: std.atomic.Value(bool) = .init(false),
    /// The call frame the host lent the batch in, kept until the stream goes.
    frame: ?*napi_frame.Retained = null,

    /// Lets go of the frame once nothing reads it: the consumer released the
    /// array it was given, or the batch was never given and the stream goes.
    fn releaseFrame(slot: *Slot) void {
        if (@atomicRmw(?*napi_frame.Retained, &slot.frame, .Xchg, null, .acq_rel)) |frame| napi_frame.release(frame);
    }

    fn destroy(slot: *Slot, allocator: std.mem.Allocator) void {
        slot.releaseFrame();
        allocator.destroy(slot);
    }
};

pub const LentStream = struct {
    c_stream: ArrowArrayStream,
    /// Zig's copy of the first batch's schema: the host may let that batch go before the stream ends.
    schema: ArrowSchema = std.mem.zeroes(ArrowSchema),
    slots: std.ArrayList(*Slot) = .empty,
    next_index: usize = 0,
    ended: bool = false,
    given: bool = false,
    /// More batches may come: `get_next` waits for them until `finished`.
    growing: bool = false,
    finished: bool = false,
    failure: ?[:0]const u8 = null,
    failure_text: [256]u8 = undefined,
    /// Until when `get_next` waits for the host without hearing from it, and the term last named.
    lease_end: blocking.Deadline = undefined,
    lease_ms: u32 = abi.lent_stream_lease_ms,
    /// The lease lapsed: Zig finished the stream as a failure, not the host.
    lapsed: bool = false,
    mutex: BlockingMutex = .{},
    added: BlockingCondition = .{},
    /// The handle, the consumer's stream (once given), and each array given out and not released.
    refs: std.atomic.Value(usize) = .init(1),
    outstanding: std.atomic.Value(usize) = .init(0),

    fn unref(self: *LentStream) void {
        if (self.refs.fetchSub(1, .acq_rel) != 1) return;
        const allocator = zerocopy.default_allocator.*;
        for (self.slots.items) |slot| slot.destroy(allocator);
        self.slots.deinit(allocator);
        if (self.schema.release) |r| r(&self.schema);
        zerocopy.default_allocator.destroy(self);
    }

    fn arrayReleased(context: *anyopaque) void {
        const slot: *Slot = @ptrCast(@alignCast(context));
        const self = slot.owner;
        slot.released.store(true, .release);
        slot.releaseFrame();
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
        self.mutex.lock();
        defer self.mutex.unlock();
        if (self.ended) return EINVAL;
        if (self.schema.release == null) return EINVAL;
        struct_copy.copy(&self.schema, out) catch return ENOMEM;
        return 0;
    }

    fn getNext(s: *ArrowArrayStream, out: *ArrowArray) callconv(.c) c_int {
        const self = of(s);
        self.mutex.lock();
        defer self.mutex.unlock();
        // A growing stream's consumer waits here, on its own thread, for the host's next batch.
        // The host gets a whole lease from the start of the wait (it may have
        // been busy while nobody waited), and a renewal moves `lease_end`
        // without waking the consumer: it waits again until the later end.
        var floor: ?blocking.Deadline = null;
        while (self.growing and !self.finished and !self.ended and self.next_index == self.slots.items.len) {
            if (floor == null) floor = blocking.deadlineAfter(self.lease_ms);
            const end = blocking.later(floor.?, self.lease_end);
            if (blocking.passed(end)) {
                self.lapseLocked();
                break;
            }
            _ = self.added.waitUntil(&self.mutex, end);
        }
        if (self.ended) return EINVAL;
        if (self.failure != null) return EIO;
        if (self.next_index == self.slots.items.len) {
            out.* = std.mem.zeroes(ArrowArray);
            return 0;
        }
        const slot = self.slots.items[self.next_index];
        // Counted before the copy can be released.
        _ = self.refs.fetchAdd(1, .monotonic);
        _ = self.outstanding.fetchAdd(1, .monotonic);
        struct_copy.copyArrayNotifying(slot.array, out, slot, arrayReleased) catch {
            _ = self.outstanding.fetchSub(1, .monotonic);
            _ = self.refs.fetchSub(1, .monotonic);
            return ENOMEM;
        };
        self.next_index += 1;
        return 0;
    }

    fn lastError(s: *ArrowArrayStream) callconv(.c) ?[*:0]const u8 {
        const self = of(s);
        self.mutex.lock();
        defer self.mutex.unlock();
        if (self.ended) return "the batches lent as this stream were given back: their loan ended";
        if (self.failure) |text| return text.ptr;
        return "out of memory copying a lent batch's structs";
    }

    fn release(s: *ArrowArrayStream) callconv(.c) void {
        const self = of(s);
        s.release = null;
        self.unref();
    }

    /// Finishes the stream as a failure whose host stopped renewing its lease; the caller holds the lock.
    fn lapseLocked(self: *LentStream) void {
        self.finished = true;
        self.lapsed = true;
        const ms = self.lease_ms;
        const why = "its worker or isolate ended, or its thread is blocked";
        const text = if (ms % 1000 == 0)
            std.mem.printSentinel(&self.failure_text, "the JavaScript side feeding this stream stopped answering for {d} s: " ++ why, .{ms / 1000}, 0)
        else
            std.mem.printSentinel(&self.failure_text, "the JavaScript side feeding this stream stopped answering for {d} ms: " ++ why, .{ms}, 0);
        self.failure = text catch "the JavaScript side feeding this stream stopped answering";
        self.added.broadcast();
    }

    /// Ends the loan and wakes a consumer waiting for a batch; the caller holds the lock.
    fn endLocked(self: *LentStream) void {
        self.ended = true;
        self.added.broadcast();
    }

    fn retire(object: *anyopaque) void {
        const self: *LentStream = @ptrCast(@alignCast(object));
        self.mutex.lock();
        self.endLocked();
        self.mutex.unlock();
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
    self.mutex.lock();
    defer self.mutex.unlock();
    if (self.given or self.ended or self.slots.items.len == 0) return null;
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

    /// Adds a lent batch (its structs stay the host's, pinned until released):
    /// the first fixes the schema, each later one is checked against it.
    /// `invalid_argument` for a batch the reader refuses or that does not
    /// match; `handed_over_already` once the stream was given to a consumer
    /// (unless it grows), finished, or ended.
    pub fn zc_arrow_lent_stream_add(handle: u64, schema: ?*const ArrowSchema, array: ?*const ArrowArray) callconv(.c) Status {
        const a = array orelse return .invalid_argument;
        const self = pin(handle) orelse return .stale_handle;
        defer handles.global.unpin(handle);
        self.mutex.lock();
        defer self.mutex.unlock();
        if ((self.given and !self.growing) or self.finished or self.ended) return .handed_over_already;
        const first = self.schema.release == null;
        const s = if (first) (schema orelse return .invalid_argument) else &self.schema;
        const root = reader.Column.init(s, a, 0) catch return .invalid_argument;
        if (root.kind != .@"struct") return .invalid_argument;
        const allocator = zerocopy.default_allocator.*;
        const slot = allocator.create(Slot) catch return .out_of_memory;
        // A batch lent in a Node-API call frame, which its root schema starts (src/arrow/lend.ts): a
        // terminated worker's finalizers must not free it under the consumer. One lookup, whatever the frames.
        const frame = if (schema) |lent_schema| napi_frame.retain(@intFromPtr(lent_schema)) else null;
        slot.* = .{ .owner = self, .array = a, .frame = frame };
        self.slots.append(allocator, slot) catch {
            slot.destroy(allocator);
            return .out_of_memory;
        };
        if (first) struct_copy.copy(s, &self.schema) catch {
            _ = self.slots.pop();
            slot.destroy(allocator);
            return .out_of_memory;
        };
        self.added.broadcast();
        return .ok;
    }

    /// Lets the stream grow: its consumer's `get_next` waits for the next
    /// batch the host adds, until `zc_arrow_lent_stream_finish`.
    pub fn zc_arrow_lent_stream_grow(handle: u64) callconv(.c) Status {
        const self = pin(handle) orelse return .stale_handle;
        defer handles.global.unpin(handle);
        self.mutex.lock();
        defer self.mutex.unlock();
        if (self.given or self.finished or self.ended) return .handed_over_already;
        self.growing = true;
        self.lease_end = blocking.deadlineAfter(self.lease_ms);
        return .ok;
    }

    /// Renews a growing stream's lease: its consumer waits for the host's
    /// next batch until `lease_ms` from now (0: `abi.lent_stream_lease_ms`),
    /// and past that fails the stream. `cancelled` once a lease lapsed (the
    /// stream failed, Zig ended it), `handed_over_already` for a stream that
    /// does not grow, or that the host finished or ended.
    pub fn zc_arrow_lent_stream_alive(handle: u64, lease_ms: u32) callconv(.c) Status {
        const self = pin(handle) orelse return .stale_handle;
        defer handles.global.unpin(handle);
        self.mutex.lock();
        defer self.mutex.unlock();
        if (self.lapsed) return .cancelled;
        if (!self.growing or self.finished or self.ended) return .handed_over_already;
        self.lease_ms = if (lease_ms == 0) abi.lent_stream_lease_ms else lease_ms;
        self.lease_end = blocking.deadlineAfter(self.lease_ms);
        return .ok;
    }

    /// No batch comes after those added: the stream ends there, or, when
    /// `failure` (`failure_len` bytes of UTF-8) is not null, `get_next`
    /// fails with it as the last error. Once only.
    pub fn zc_arrow_lent_stream_finish(handle: u64, failure: ?[*]const u8, failure_len: u64) callconv(.c) Status {
        const self = pin(handle) orelse return .stale_handle;
        defer handles.global.unpin(handle);
        self.mutex.lock();
        defer self.mutex.unlock();
        if (self.finished or self.ended) return .handed_over_already;
        self.finished = true;
        if (failure) |text| {
            const n: usize = @intCast(@min(failure_len, self.failure_text.len - 1));
            @memcpy(self.failure_text[0..n], text[0..n]);
            self.failure_text[n] = 0;
            self.failure = self.failure_text[0..n :0];
        }
        self.added.broadcast();
        return .ok;
    }

    /// Batches added and not yet given to the consumer (0 for a stale handle).
    pub fn zc_arrow_lent_stream_queued(handle: u64) callconv(.c) u64 {
        const self = pin(handle) orelse return 0;
        defer handles.global.unpin(handle);
        self.mutex.lock();
        defer self.mutex.unlock();
        return self.slots.items.len - self.next_index;
    }

    /// 0 once the batch at `index` (in the order added) was given to the
    /// consumer and the array given for it released: Zig reads its structs no
    /// more, nor does the consumer its buffers. 1 otherwise, and for a stale
    /// handle or an index never added.
    pub fn zc_arrow_lent_stream_held(handle: u64, index: u64) callconv(.c) u32 {
        const self = pin(handle) orelse return 1;
        defer handles.global.unpin(handle);
        self.mutex.lock();
        defer self.mutex.unlock();
        if (index >= self.next_index) return 1;
        return if (self.slots.items[@intCast(index)].released.load(.acquire)) 0 else 1;
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
        self.mutex.lock();
        self.endLocked();
        self.mutex.unlock();
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
