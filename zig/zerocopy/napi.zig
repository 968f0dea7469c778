//! The Node-API entry of every zerocopy library (`exportAbi()` exports it):
//! wraps a handed-over descriptor in an external `ArrayBuffer` whose finalizer
//! releases it, so the release travels with the memory wherever V8 moves it
//! (`ArrayBuffer.prototype.transfer`, `structuredClone`, `postMessage`).
//!
//! Deno loads it with `process.dlopen` from `node:process`, which calls
//! `napi_register_module_v1`. Every `napi_*` function is looked up in the host
//! process then, never linked: the library must still load where no Node-API
//! host is around (`Deno.dlopen` alone, a C program), and build for every OS.
//!
//! The finalizer may run on a V8 garbage-collector thread, where a release
//! whose allocator is not thread-safe (an arena, a debug allocator) must not
//! run. So a finalizer runs the release itself only on a JavaScript thread
//! (one that registered this module or called into it); anywhere else it
//! pushes the buffer on a lock-free list that the next call into this module
//! on a JavaScript thread drains (`wrap`, `drain`). The checked build aborts
//! on a release off a JavaScript thread, which is what the tests run.

const std = @import("std");
const abi = @import("abi.zig");
const checked = @import("checked.zig");
const handover = @import("handover.zig");
const handed_over = @import("handed_over.zig");
const wrap_checks = @import("napi_wrap_checks.zig");
const Descriptor = abi.Descriptor;

const holds = @import("napi_holds.zig");
const frames = @import("napi_frame.zig");
const symbols = @import("napi_symbols.zig");
const reclaims = @import("napi_reclaim.zig");
const guards = @import("napi_guard.zig");
const Stack = @import("lock_free_stack.zig").Stack;
const host = @import("napi_host.zig");
const Env = host.Env;
const Value = host.Value;
const CallbackInfo = host.CallbackInfo;
const Status = host.Status;
const napi_ok = host.napi_ok;
const napi_biguint64_array = host.napi_biguint64_array;
const Callback = host.Callback;
const Finalize = host.Finalize;
const resolveApi = host.resolveApi;
const api = &host.api;
const arguments = host.arguments;
const descriptorArgument = host.descriptorArgument;
const throwError = host.throwError;

/// A descriptor the wrapper owns: the JavaScript copy keeps `ptr` and `len`
/// for native calls that read the memory but loses `release`, so no copy of
/// it in JavaScript can free the memory a second time.
pub const Owned = struct {
    descriptor: Descriptor,
    /// Link in `deferred` while the release waits for a JavaScript thread.
    next: ?*Owned = null,
    /// Kept by `napi_reclaim.zig` (where detaching does not finalize), under its lock.
    registered: bool = false,
    /// `reclaim` took the descriptor: the finalizer frees this and releases nothing.
    reclaimed: bool = false,
};

/// Owned descriptors finalized off a JavaScript thread, for the next JavaScript call to release.
var deferred: Stack(Owned) = .{};
var deferred_count = std.atomic.Value(usize).init(0);

/// Whether this thread runs JavaScript that loaded or called this module.
pub threadlocal var on_js_thread: bool = false;

/// Set by `reclaim` for the length of one detach: the finalizer that detach
/// runs on this thread (the one of the ArrayBuffer whose data is `data`)
/// moves its descriptor into `into` instead of releasing it.
threadlocal var reclaiming: ?*Reclaim = null;

const Reclaim = struct { data: ?*anyopaque, into: *Descriptor, done: bool = false };

/// Module registration, called by the host on the JavaScript thread that loads
/// the library. Returns null (the host then hands JavaScript an empty object,
/// which the TypeScript side reads as "no Node-API mapping") when the host
/// lacks a function this module needs.
pub fn napi_register_module_v1(env: Env, exports: Value) callconv(.c) Value {
    on_js_thread = true;
    if (!resolveApi()) return null;
    reclaims.probe(env);
    const functions = .{
        .wrap = wrap,
        .detach = detach,
        .reclaim = reclaim,
        .free = free,
        .drain = drain,
        .layout = layout,
        .hold = hold,
        .unhold = unhold,
        .openFrame = frames.openFrame,
        .frameHold = frames.frameHold,
        .closeFrame = frames.closeFrame,
        .closeWhenGone = guards.closeWhenGone,
    };
    inline for (@typeInfo(@TypeOf(functions)).@"struct".field_names) |name| {
        var function: Value = null;
        if (api.napi_create_function(env, name, name.len, @field(functions, name), null, &function) != napi_ok or
            api.napi_set_named_property(env, exports, name, function) != napi_ok) return null;
    }
    // Tells TypeScript that `wrap` checks descriptors itself (see `mappable`),
    // so it may skip its own reading of them; entries built before say nothing.
    var checks: Value = null;
    if (api.napi_get_boolean(env, true, &checks) != napi_ok or
        api.napi_set_named_property(env, exports, "checksDescriptors", checks) != napi_ok) return null;
    // The library's own exports, as functions Node and Bun call (`symbols`, `nonblocking`).
    symbols.register(@import("root"), env, exports);
    return exports;
}

/// The Node-API version this module needs; Node asks, Deno and Bun do not.
pub fn node_api_module_get_api_version_v1() callconv(.c) i32 {
    return 8;
}

/// The exports above by their C names, for `exportAbi()`.
pub fn exportEntry() void {
    @export(&napi_register_module_v1, .{ .name = "napi_register_module_v1" });
    @export(&node_api_module_get_api_version_v1, .{ .name = "node_api_module_get_api_version_v1" });
}

/// `wrap(descriptor: BigUint64Array, expected?: number): ArrayBuffer | undefined`:
/// takes ownership of a handed-over descriptor and returns an ArrayBuffer over
/// its memory whose finalizer releases it. Returns undefined, taking nothing,
/// for a descriptor JavaScript must not map (see `mappable`; `expected` is an
/// element type tag, 0 for any): the caller reads it again for a precise error.
/// Also drains releases deferred by other threads, so a loop that drops
/// buffers holds at most one garbage collection's worth.
fn wrap(env: Env, info: CallbackInfo) callconv(.c) Value {
    on_js_thread = true;
    _ = releaseDeferred();
    var argv: [2]Value = .{ null, null };
    var argc: usize = argv.len;
    if (api.napi_get_cb_info(env, info, &argc, &argv, null, null) != napi_ok or argc < 1)
        return throwError(env, "wrap(descriptor, expected) takes one or two arguments");
    const descriptor = descriptorArgument(env, argv[0]) orelse
        return throwError(env, "wrap(descriptor, expected) takes a BigUint64Array of 6 words");
    var expected: u32 = 0;
    if (argc >= 2 and api.napi_get_value_uint32(env, argv[1], &expected) != napi_ok)
        return throwError(env, "wrap(descriptor, expected) takes an element type tag");
    // Read once: JavaScript, or a thread it passed the descriptor to, may write it meanwhile.
    var words = descriptor.*;
    const byte_length = wrap_checks.mappable(&words, expected) orelse return null;
    // Only words Zig handed over and nobody took since; words that own nothing map nothing.
    if (if (words.release == null) byte_length != 0 else !handed_over.take(&words)) return notHandedOver(env);
    const owned = std.heap.c_allocator.create(Owned) catch {
        giveBack(descriptor, &words);
        return throwError(env, "out of memory");
    };
    owned.* = .{ .descriptor = words };
    // V8 never calls the deleter of a backing store without data, and an empty
    // descriptor may have a null `ptr` yet something to release: give it an
    // address that is never read, as zero bytes are, and no other buffer has.
    const data: *anyopaque = if (words.ptr) |ptr| ptr else @ptrCast(owned);
    var result: Value = null;
    if (api.napi_create_external_arraybuffer(env, data, byte_length, finalize, owned, &result) != napi_ok) {
        std.heap.c_allocator.destroy(owned);
        giveBack(descriptor, &words);
        return throwError(env, "the host refused an external ArrayBuffer");
    }
    if (reclaims.enabled()) reclaims.register(env, result, @intFromPtr(data), owned);
    // `private` stays: a library may read it back as its own handle (a region's
    // owner, say), and without `release` nothing can be freed through it.
    descriptor.release = null;
    return result;
}

/// Records `words`, taken from `descriptor` by a `wrap` that failed, as
/// JavaScript's again: `descriptor` gets them back under their new slot.
fn giveBack(descriptor: *Descriptor, words: *Descriptor) void {
    handed_over.add(words);
    descriptor.* = words.*;
}

/// `false`: the descriptor is not one Zig handed over (written or copied by
/// JavaScript, or mapped already), which nothing may map or free.
fn notHandedOver(env: Env) Value {
    var result: Value = null;
    _ = api.napi_get_boolean(env, false, &result);
    return result;
}

/// `detach(memory: ArrayBuffer): void`: detaches `memory`, whose finalizer then
/// releases it at once unless something else still holds it. Cheaper than
/// `memory.transfer(0)`, which allocates an empty ArrayBuffer to return.
fn detach(env: Env, info: CallbackInfo) callconv(.c) Value {
    on_js_thread = true;
    var argv: [1]Value = .{null};
    if (!arguments(env, info, &argv)) return throwError(env, "detach(memory) takes one argument");
    if (api.napi_detach_arraybuffer(env, argv[0]) != napi_ok)
        return throwError(env, "detach(memory) takes a detachable ArrayBuffer");
    return null;
}

/// `reclaim(memory: ArrayBuffer, descriptor: BigUint64Array): boolean`:
/// detaches `memory` and moves the ownership its finalizer held into
/// `descriptor` (to give the memory back to Zig, or send it to a worker),
/// whether the host runs that finalizer inside the detach (Deno, Bun) or
/// later (Node: `napi_reclaim.zig`). False when something else still holds
/// the memory: it is then released when that lets go, and `descriptor`
/// stays without a release.
fn reclaim(env: Env, info: CallbackInfo) callconv(.c) Value {
    on_js_thread = true;
    var argv: [2]Value = .{ null, null };
    if (!arguments(env, info, &argv)) return throwError(env, "reclaim(memory, descriptor) takes two arguments");
    const into = descriptorArgument(env, argv[1]) orelse
        return throwError(env, "reclaim(memory, descriptor) takes a BigUint64Array of 6 words");
    const done = takeBack(env, argv[0], into) orelse return null;
    if (done) handed_over.add(into); // JavaScript owns the memory through these words again
    var result: Value = null;
    _ = api.napi_get_boolean(env, done, &result);
    return result;
}

/// `free(memory: ArrayBuffer): boolean`: detaches `memory` and releases its
/// memory now, even where detaching leaves the finalizer to garbage
/// collection (Node): `reclaim` and `zc_release` in one call, releasing the
/// descriptor `wrap` kept rather than anything JavaScript can write. False
/// when something else still holds the memory: it is released when that lets go.
fn free(env: Env, info: CallbackInfo) callconv(.c) Value {
    on_js_thread = true;
    var argv: [1]Value = .{null};
    if (!arguments(env, info, &argv)) return throwError(env, "free(memory) takes one argument");
    var owned: Descriptor = .released;
    // Held memory is left to its finalizer, which parks it until the last `unhold`, in every host.
    const done = if (heldArrayBuffer(env, argv[0])) blk: {
        if (api.napi_detach_arraybuffer(env, argv[0]) != napi_ok) return throwError(env, "cannot detach that ArrayBuffer");
        break :blk false;
    } else takeBack(env, argv[0], &owned) orelse return null;
    if (done) handover.releaseTaken(&owned);
    var result: Value = null;
    _ = api.napi_get_boolean(env, done, &result);
    return result;
}

fn heldArrayBuffer(env: Env, memory: Value) bool {
    var data: ?*anyopaque = null;
    return api.napi_get_arraybuffer_info(env, memory, &data, null) == napi_ok and holds.isHeld(@intFromPtr(data));
}

/// Detaches `memory` and moves the descriptor its finalizer held into `into`;
/// false when something else holds the memory, null (an error thrown) when
/// `memory` is no detachable ArrayBuffer.
fn takeBack(env: Env, memory: Value, into: *Descriptor) ?bool {
    var data: ?*anyopaque = null;
    if (api.napi_get_arraybuffer_info(env, memory, &data, null) != napi_ok) {
        _ = throwError(env, "the memory to reclaim or free must be an ArrayBuffer");
        return null;
    }
    var target: Reclaim = .{ .data = data, .into = into };
    reclaiming = &target;
    defer reclaiming = null;
    if (api.napi_detach_arraybuffer(env, memory) != napi_ok) {
        _ = throwError(env, "cannot detach that ArrayBuffer");
        return null;
    }
    // A host that finalizes later (Node): the owner is found by the ArrayBuffer's tag, unless a call holds the memory.
    if (!target.done and reclaims.enabled() and !holds.isHeld(@intFromPtr(data))) {
        if (reclaims.take(env, memory, @intFromPtr(data))) |owned| {
            into.* = owned.descriptor;
            target.done = true;
        }
    }
    return target.done;
}

/// `hold(descriptor: BigUint64Array): boolean`: keeps the memory at the
/// descriptor's address allocated until as many `unhold`s, whatever happens to
/// its ArrayBuffer meanwhile. The caller proves first that an ArrayBuffer of
/// this module maps the memory, not detached. False, holding nothing, for a
/// null address (an empty buffer, which no call can read).
fn hold(env: Env, info: CallbackInfo) callconv(.c) Value {
    on_js_thread = true;
    var argv: [1]Value = .{null};
    if (!arguments(env, info, &argv)) return throwError(env, "hold(descriptor) takes one argument");
    const descriptor = descriptorArgument(env, argv[0]) orelse
        return throwError(env, "hold(descriptor) takes a BigUint64Array of 6 words");
    var held = false;
    if (descriptor.ptr) |ptr| {
        holds.hold(@intFromPtr(ptr)) catch return throwError(env, "out of memory");
        held = true;
    }
    var result: Value = null;
    _ = api.napi_get_boolean(env, held, &result);
    return result;
}

/// `unhold(descriptor: BigUint64Array): void`: ends one `hold`; the last
/// releases what was finalized while held.
fn unhold(env: Env, info: CallbackInfo) callconv(.c) Value {
    on_js_thread = true;
    var argv: [1]Value = .{null};
    if (!arguments(env, info, &argv)) return throwError(env, "unhold(descriptor) takes one argument");
    const descriptor = descriptorArgument(env, argv[0]) orelse
        return throwError(env, "unhold(descriptor) takes a BigUint64Array of 6 words");
    const ptr = descriptor.ptr orelse return null;
    if (!holds.unhold(@intFromPtr(ptr))) return throwError(env, "unhold(descriptor) without a hold");
    return null;
}

/// `drain(): number`: releases what finalizers deferred from other threads, and returns how many.
fn drain(env: Env, info: CallbackInfo) callconv(.c) Value {
    _ = info;
    on_js_thread = true;
    var result: Value = null;
    _ = api.napi_create_uint32(env, @intCast(@min(releaseDeferred(), std.math.maxInt(u32))), &result);
    return result;
}

/// `layout(): string`: the layout manifest (`zc_layout`), read without an
/// `UnsafePointerView`, which a path-scoped `--allow-ffi` refuses.
fn layout(env: Env, info: CallbackInfo) callconv(.c) Value {
    _ = info;
    on_js_thread = true;
    var result: Value = null;
    _ = api.napi_create_string_utf8(env, abi.layout_json.ptr, abi.layout_json.len, &result);
    return result;
}

/// Runs wherever V8 drops the memory's last ArrayBuffer: synchronously inside
/// a detach, or on a garbage-collector thread. Calls no `napi_*` function.
fn finalize(env: Env, data: ?*anyopaque, hint: ?*anyopaque) callconv(.c) void {
    _ = env;
    const owned: *Owned = @ptrCast(@alignCast(hint orelse return));
    if (reclaims.enabled() and reclaims.finalized(@intFromPtr(data), owned)) {
        std.heap.c_allocator.destroy(owned);
        return;
    }
    if (reclaiming) |target| {
        if (!target.done and (target.data == null or target.data == data)) {
            target.into.* = owned.descriptor;
            target.done = true;
            std.heap.c_allocator.destroy(owned);
            return;
        }
    }
    if (holds.parkIfHeld(data, owned)) return;
    releaseOrDefer(owned);
}

/// Releases `owned` now on a JavaScript thread; anywhere else leaves it for
/// the next call into this module on one.
pub fn releaseOrDefer(owned: *Owned) void {
    if (on_js_thread) return releaseOwned(owned);
    deferred.push(owned);
    _ = deferred_count.fetchAdd(1, .monotonic);
}

/// Marks the calling thread as one that runs JavaScript.
pub fn markJsThread() void {
    on_js_thread = true;
}

/// Releases every deferred descriptor, and closes what guards left; call on a JavaScript thread only.
pub fn releaseDeferred() usize {
    _ = guards.closeDeferred();
    const count = deferred.drain(releaseOwned);
    _ = deferred_count.fetchSub(count, .monotonic);
    return count;
}

/// Descriptors waiting in `deferred` for a JavaScript thread.
pub fn deferredCount() usize {
    return deferred_count.load(.monotonic);
}

fn releaseOwned(owned: *Owned) void {
    if (checked.enabled and !on_js_thread) checked.live_handovers.fail("a release on a thread that never called into zerocopy (a garbage collector's, a worker's that only held the memory): it must wait for a JavaScript thread that did");
    handover.releaseTaken(&owned.descriptor);
    std.heap.c_allocator.destroy(owned);
}

const testing = std.testing;
const stats = @import("stats.zig").stats;

test "a finalizer on a JavaScript thread releases at once, once" {
    const before = stats();
    var buffer: Descriptor = undefined;
    try testing.expectEqual(abi.Status.ok, handover.allocateAndHandOver(checked.default_allocator, .u8, 64, &buffer));
    const owned = try std.heap.c_allocator.create(Owned);
    owned.* = .{ .descriptor = buffer };
    on_js_thread = true;
    finalize(null, buffer.ptr, owned);
    try testing.expectEqual(before.live_buffers, stats().live_buffers);
    try testing.expectEqual(before.total_released + 1, stats().total_released);
}

test "a finalizer on another thread defers the release to the next JavaScript call" {
    const before = stats();
    var buffers: [3]Descriptor = undefined;
    for (&buffers) |*buffer| {
        try testing.expectEqual(abi.Status.ok, handover.allocateAndHandOver(checked.default_allocator, .f64, 16, buffer));
        const owned = try std.heap.c_allocator.create(Owned);
        owned.* = .{ .descriptor = buffer.* };
        const thread = try std.Thread.spawn(.{}, finalize, .{ null, buffer.ptr, owned });
        thread.join();
    }
    try testing.expectEqual(@as(usize, 3), deferredCount());
    try testing.expectEqual(before.live_buffers + 3, stats().live_buffers);
    on_js_thread = true;
    try testing.expectEqual(@as(usize, 3), releaseDeferred());
    try testing.expectEqual(@as(usize, 0), deferredCount());
    try testing.expectEqual(before.live_buffers, stats().live_buffers);
}

test "a finalizer inside reclaim moves the descriptor instead of releasing it" {
    var buffer: Descriptor = undefined;
    try testing.expectEqual(abi.Status.ok, handover.allocateAndHandOver(checked.default_allocator, .i32, 8, &buffer));
    const owned = try std.heap.c_allocator.create(Owned);
    owned.* = .{ .descriptor = buffer };
    var into: Descriptor = .released;
    var target: Reclaim = .{ .data = buffer.ptr, .into = &into };
    reclaiming = &target;
    finalize(null, buffer.ptr, owned);
    reclaiming = null;
    try testing.expect(target.done);
    try testing.expectEqual(buffer, into);
    handover.release(&into);
}
