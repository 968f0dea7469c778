//! Call frames: the memory of one nonblocking call that must outlive the
//! JavaScript that made it. A worker can be terminated while its call runs on
//! another thread; its isolate is then gone, and with it every `settle` that
//! would have let go of what the call held and adopted what it handed over.
//!
//! A frame is Zig memory behind an external ArrayBuffer, and the call takes
//! views of it as arguments: the descriptors of the buffers it reads, the
//! slot it hands a buffer over into, an Arrow batch's structs. Deno keeps the
//! backing store of every argument of a nonblocking call until the call
//! returns, so the frame's finalizer runs only once both the call has
//! returned and JavaScript has let go of the frame. Normally JavaScript
//! closes the frame after the call: it gives the holds back on its own
//! thread and takes what was handed over. A frame finalized without being
//! closed belonged to an isolate that died: its finalizer gives the holds
//! back and releases what is left in its out slot itself.

const std = @import("std");
const abi = @import("abi.zig");
const napi = @import("napi.zig");
const holds = @import("napi_holds.zig");
const handed_over = @import("handed_over.zig");
const host = @import("napi_host.zig");
const checked = @import("checked.zig");
const Descriptor = abi.Descriptor;
const Env = host.Env;
const Value = host.Value;
const CallbackInfo = host.CallbackInfo;
const api = &host.api;

const alignment: std.mem.Alignment = .@"16";

const Frame = struct {
    memory: []align(16) u8,
    /// Where a buffer may be handed over into, when the frame has an out slot.
    out_offset: ?usize,
    /// Addresses this frame holds (`napi_holds.zig`), given back once.
    held: std.ArrayList(usize) = .empty,
    closed: std.atomic.Value(bool) = .init(false),
    /// The ArrayBuffer's, and one per lent stream batch in the frame (`retain`):
    /// the memory, its holds and its out slot go when the last one does.
    refs: std.atomic.Value(u32) = .init(1),
};

/// A frame kept past its ArrayBuffer's finalizer, for `release`.
pub const Retained = opaque {};

/// Keeps the open frame whose memory starts at `address` until `release`,
/// even past its ArrayBuffer's finalizer: a lent stream's batch in a frame
/// (its root schema first) is read by a consumer on its own thread, which a
/// terminated worker's finalizers would otherwise free under it. Null when no
/// open frame starts there (a frame of another mapping, or none).
pub fn retain(address: usize) ?*Retained {
    lockFrames();
    defer frames_lock.unlock();
    // Only a frame still in the table can be retained: its finalizer takes it out first.
    const frame = frames.get(address) orelse return null;
    _ = frame.refs.fetchAdd(1, .acq_rel);
    return @ptrCast(frame);
}

/// Lets go of what `retain` kept; the last one finishes the frame, on any thread.
pub fn release(retained: *Retained) void {
    unref(@ptrCast(@alignCast(retained)));
}

/// Live frames by their memory's address: a frame is only ever found from an
/// ArrayBuffer the host says maps that address, and only while it is here.
var frames: std.AutoHashMapUnmanaged(usize, *Frame) = .empty;
var frames_lock: std.atomic.Mutex = .unlocked;

fn lockFrames() void {
    while (!frames_lock.tryLock()) std.atomic.spinLoopHint();
}

/// The largest byte length a JavaScript number holds exactly.
const max_safe_integer: f64 = 9007199254740991;
/// `outOffset` when the frame has no out slot.
const no_out_slot: u32 = std.math.maxInt(u32);

/// `openFrame(bytes: number, outOffset: number): ArrayBuffer`: `bytes` zeroed
/// bytes of Zig memory, 16-byte aligned, with a descriptor slot at `outOffset`
/// (8-byte aligned) unless it is 2^32 - 1.
pub fn openFrame(env: Env, info: CallbackInfo) callconv(.c) Value {
    napi.markJsThread();
    _ = napi.releaseDeferred();
    var argv: [2]Value = .{ null, null };
    if (!host.arguments(env, info, &argv)) return host.throwError(env, "openFrame(bytes, outOffset) takes two arguments");
    var bytes: f64 = 0;
    var out_offset: u32 = 0;
    if (api.napi_get_value_double(env, argv[0], &bytes) != host.napi_ok or !(bytes >= 1 and bytes <= max_safe_integer) or @trunc(bytes) != bytes)
        return host.throwError(env, "openFrame(bytes, outOffset) takes a whole number of bytes, at least 1");
    if (api.napi_get_value_uint32(env, argv[1], &out_offset) != host.napi_ok)
        return host.throwError(env, "openFrame(bytes, outOffset) takes an offset");
    const len: usize = @intFromFloat(bytes);
    const slot: ?usize = if (out_offset == no_out_slot) null else out_offset;
    if (slot) |offset| if (offset % @alignOf(Descriptor) != 0 or offset > len or len - offset < @sizeOf(Descriptor))
        return host.throwError(env, "openFrame(bytes, outOffset): the out slot must be 8-byte aligned and lie inside the frame");
    const frame = std.heap.c_allocator.create(Frame) catch return host.throwError(env, "out of memory");
    // The checked build's allocator: a frame read after it was freed faults there.
    const memory = checked.default_allocator.alignedAlloc(u8, alignment, len) catch {
        std.heap.c_allocator.destroy(frame);
        return host.throwError(env, "out of memory");
    };
    @memset(memory, 0);
    frame.* = .{ .memory = memory, .out_offset = slot };
    {
        lockFrames();
        defer frames_lock.unlock();
        frames.put(std.heap.c_allocator, @intFromPtr(memory.ptr), frame) catch {
            destroy(frame);
            return host.throwError(env, "out of memory");
        };
    }
    var result: Value = null;
    if (api.napi_create_external_arraybuffer(env, memory.ptr, len, finalizeFrame, frame, &result) != host.napi_ok) {
        forget(frame);
        destroy(frame);
        return host.throwError(env, "the host refused an external ArrayBuffer");
    }
    return result;
}

/// `frameHold(frame: ArrayBuffer, descriptor: BigUint64Array): boolean`: holds
/// the memory at the descriptor's address (as `hold` does) until the frame is
/// closed or finalized. The caller proves first that an ArrayBuffer of this
/// module maps that memory. False, holding nothing, for a null address.
pub fn frameHold(env: Env, info: CallbackInfo) callconv(.c) Value {
    napi.markJsThread();
    var argv: [2]Value = .{ null, null };
    if (!host.arguments(env, info, &argv)) return host.throwError(env, "frameHold(frame, descriptor) takes two arguments");
    const frame = frameOf(env, argv[0]) orelse return host.throwError(env, "frameHold(frame, descriptor) takes an open frame");
    const descriptor = host.descriptorArgument(env, argv[1]) orelse
        return host.throwError(env, "frameHold(frame, descriptor) takes a BigUint64Array of 6 words");
    var held = false;
    if (descriptor.ptr) |ptr| {
        const address = @intFromPtr(ptr);
        frame.held.ensureUnusedCapacity(std.heap.c_allocator, 1) catch return host.throwError(env, "out of memory");
        holds.hold(address) catch return host.throwError(env, "out of memory");
        frame.held.appendAssumeCapacity(address);
        held = true;
    }
    var result: Value = null;
    _ = api.napi_get_boolean(env, held, &result);
    return result;
}

/// `closeFrame(frame: ArrayBuffer): void`: after the call returned, gives the
/// frame's holds back on this thread and detaches it. What is left in its out
/// slot (nothing, once adopted or released) is released with its memory.
pub fn closeFrame(env: Env, info: CallbackInfo) callconv(.c) Value {
    napi.markJsThread();
    var argv: [1]Value = .{null};
    if (!host.arguments(env, info, &argv)) return host.throwError(env, "closeFrame(frame) takes one argument");
    const frame = frameOf(env, argv[0]) orelse return host.throwError(env, "closeFrame(frame) takes an open frame");
    frame.closed.store(true, .release);
    giveHoldsBack(frame);
    if (api.napi_detach_arraybuffer(env, argv[0]) != host.napi_ok) return host.throwError(env, "closeFrame(frame) cannot detach it");
    return null;
}

/// The open frame whose memory `value` maps, or null.
fn frameOf(env: Env, value: Value) ?*Frame {
    var data: ?*anyopaque = null;
    if (api.napi_get_arraybuffer_info(env, value, &data, null) != host.napi_ok) return null;
    lockFrames();
    defer frames_lock.unlock();
    const frame = frames.get(@intFromPtr(data orelse return null)) orelse return null;
    return if (frame.closed.load(.acquire)) null else frame;
}

/// Runs once the call has returned and JavaScript let go of the frame, on
/// whichever thread dropped the last reference. Calls no `napi_*` function.
fn finalizeFrame(env: Env, data: ?*anyopaque, hint: ?*anyopaque) callconv(.c) void {
    _ = env;
    _ = data;
    const frame: *Frame = @ptrCast(@alignCast(hint orelse return));
    forget(frame);
    unref(frame);
}

fn unref(frame: *Frame) void {
    if (frame.refs.fetchSub(1, .acq_rel) == 1) finish(frame);
}

/// Gives back what the frame still holds and frees it: its ArrayBuffer was
/// finalized and nothing retains it.
fn finish(frame: *Frame) void {
    if (!frame.closed.load(.acquire)) giveHoldsBack(frame);
    if (frame.out_offset) |offset| {
        // Written by the call's export; nothing in JavaScript reaches it any more.
        const slot: *Descriptor = @ptrCast(@alignCast(frame.memory[offset..].ptr));
        const words = slot.*;
        slot.* = .released;
        // Freed only as Zig handed it over: JavaScript could write the slot.
        if (handed_over.take(&words)) {
            if (std.heap.c_allocator.create(napi.Owned)) |owned| {
                owned.* = .{ .descriptor = words };
                napi.releaseOrDefer(owned);
            } else |_| {} // without memory for the record, leaking beats freeing off a JavaScript thread
        }
    }
    destroy(frame);
}

fn giveHoldsBack(frame: *Frame) void {
    for (frame.held.items) |address| _ = holds.unhold(address);
    frame.held.clearAndFree(std.heap.c_allocator);
}

fn forget(frame: *Frame) void {
    lockFrames();
    defer frames_lock.unlock();
    _ = frames.remove(@intFromPtr(frame.memory.ptr));
}

fn destroy(frame: *Frame) void {
    frame.held.deinit(std.heap.c_allocator);
    checked.default_allocator.free(frame.memory);
    std.heap.c_allocator.destroy(frame);
}

const testing = std.testing;
const handover = @import("handover.zig");
const stats = @import("stats.zig").stats;

fn testFrame(len: usize, out_offset: ?usize) !*Frame {
    const frame = try std.heap.c_allocator.create(Frame);
    const memory = try checked.default_allocator.alignedAlloc(u8, alignment, len);
    @memset(memory, 0);
    frame.* = .{ .memory = memory, .out_offset = out_offset };
    try frames.put(std.heap.c_allocator, @intFromPtr(memory.ptr), frame);
    return frame;
}

test "a frame finalized unclosed gives its holds back and releases what its out slot holds" {
    napi.markJsThread();
    const before = stats();
    var held: Descriptor = undefined;
    try testing.expectEqual(abi.Status.ok, handover.allocateAndHandOver(checked.default_allocator, .u8, 64, &held));
    const frame = try testFrame(64, 8);
    try holds.hold(@intFromPtr(held.ptr));
    try frame.held.append(std.heap.c_allocator, @intFromPtr(held.ptr));
    // The held buffer's ArrayBuffer died during the call: parked.
    const parked = try std.heap.c_allocator.create(napi.Owned);
    parked.* = .{ .descriptor = held };
    try testing.expect(holds.parkIfHeld(held.ptr, parked));
    // The call handed a buffer over into the slot; nobody adopted it.
    const slot: *Descriptor = @ptrCast(@alignCast(frame.memory[8..].ptr));
    try testing.expectEqual(abi.Status.ok, handover.allocateAndHandOver(checked.default_allocator, .f64, 4, slot));
    try testing.expectEqual(before.live_buffers + 2, stats().live_buffers);
    finalizeFrame(null, frame.memory.ptr, frame);
    try testing.expectEqual(before.live_buffers, stats().live_buffers);
    try testing.expect(!holds.unhold(@intFromPtr(held.ptr)));
}

/// A frame of `bytes` on a JavaScript thread holding `word` once, beside a hold of someone else's on it.
fn frameHoldingOneOfTwo(bytes: usize, word: *u64) !*Frame {
    napi.markJsThread();
    const frame = try testFrame(bytes, null);
    try holds.hold(@intFromPtr(word));
    try holds.hold(@intFromPtr(word));
    try frame.held.append(std.heap.c_allocator, @intFromPtr(word));
    return frame;
}

test "a closed frame's finalizer leaves the holds, given back already, alone" {
    var word: u64 = 0;
    const frame = try frameHoldingOneOfTwo(16, &word);
    frame.closed.store(true, .release);
    giveHoldsBack(frame);
    finalizeFrame(null, frame.memory.ptr, frame);
    // The other hold is still there: the frame gave back only its own.
    try testing.expect(holds.unhold(@intFromPtr(&word)));
    try testing.expect(!holds.unhold(@intFromPtr(&word)));
}

test "a frame a lent stream retains keeps its holds and memory past its finalizer, until released" {
    var word: u64 = 0;
    const frame = try frameHoldingOneOfTwo(64, &word);
    const start = @intFromPtr(frame.memory.ptr);
    const retained = retain(start) orelse return error.TestUnexpectedResult;
    try testing.expect(retain(start + 8) == null); // not where a frame starts
    finalizeFrame(null, frame.memory.ptr, frame);
    // The worker's finalizer ran; the consumer may still read the frame.
    @memset(frame.memory, 7);
    try testing.expect(retain(start) == null); // no longer open
    release(retained);
    // Released: the frame gave its hold back, the other one is still there.
    try testing.expect(holds.unhold(@intFromPtr(&word)));
    try testing.expect(!holds.unhold(@intFromPtr(&word)));
}
