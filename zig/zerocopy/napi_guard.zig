//! `closeWhenGone(handle: bigint): ArrayBuffer`: an empty external ArrayBuffer
//! whose finalizer closes what `handle` names (an ADBC connection), with the
//! closer its kind registered (`handles.setCloser`). JavaScript keeps it beside
//! the handle. A `FinalizationRegistry` closes a handle whose owner was
//! collected, but a terminated worker runs none of its callbacks; the worker's
//! isolate still drops every ArrayBuffer it held, and their finalizers run.
//!
//! Closing a handle that was closed already does nothing: its generation no
//! longer matches. A closer may block (a driver saying goodbye to a server), so
//! a finalizer off a JavaScript thread leaves it for the next call into this
//! module on one, as releases are left (`napi.releaseDeferred`).

const std = @import("std");
const handles = @import("handles.zig");
const Stack = @import("lock_free_stack.zig").Stack;
const napi = @import("napi.zig");
const host = @import("napi_host.zig");

const Guard = struct {
    handle: handles.Handle,
    close: handles.CloseFn,
    /// Link in `deferred` while the close waits for a JavaScript thread.
    next: ?*Guard = null,
};

/// Guards finalized off a JavaScript thread, for the next JavaScript call to close.
var deferred: Stack(Guard) = .{};

/// `closeWhenGone(handle)`: the guard of a live handle of a kind with a closer;
/// throws for any other (stale, forged, or a kind nothing closes this way).
pub fn closeWhenGone(env: host.Env, info: host.CallbackInfo) callconv(.c) host.Value {
    napi.markJsThread();
    var argv: [1]host.Value = .{null};
    if (!host.arguments(env, info, &argv)) return host.throwError(env, "closeWhenGone(handle) takes one argument");
    if (!host.resolveCallApi()) return host.throwError(env, "closeWhenGone(handle) needs Node-API's bigint functions");
    var handle: u64 = 0;
    var lossless = false;
    if (host.call_api.napi_get_value_bigint_uint64(env, argv[0], &handle, &lossless) != host.napi_ok or !lossless)
        return host.throwError(env, "closeWhenGone(handle) takes a handle (a bigint)");
    const close = handles.closerOf(handle) orelse
        return host.throwError(env, "closeWhenGone(handle): the handle names nothing this library closes");
    const guard = std.heap.c_allocator.create(Guard) catch return host.throwError(env, "out of memory");
    guard.* = .{ .handle = handle, .close = close };
    var result: host.Value = null;
    // Empty, yet with data: V8 never calls the deleter of a backing store without.
    if (host.api.napi_create_external_arraybuffer(env, guard, 0, finalize, guard, &result) != host.napi_ok) {
        std.heap.c_allocator.destroy(guard);
        return host.throwError(env, "the host refused an external ArrayBuffer");
    }
    return result;
}

/// Runs wherever the host drops the guard: on its JavaScript thread, on a
/// garbage-collector thread, or while a terminated worker's isolate goes.
fn finalize(env: host.Env, data: ?*anyopaque, hint: ?*anyopaque) callconv(.c) void {
    _ = env;
    _ = data;
    const guard: *Guard = @ptrCast(@alignCast(hint orelse return));
    if (napi.on_js_thread) return closeNow(guard);
    deferred.push(guard);
}

/// Closes every guarded handle left by finalizers on other threads; on a JavaScript thread only.
pub fn closeDeferred() usize {
    return deferred.drain(closeNow);
}

fn closeNow(guard: *Guard) void {
    guard.close(guard.handle);
    std.heap.c_allocator.destroy(guard);
}
