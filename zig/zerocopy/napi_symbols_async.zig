//! `nonblocking.<name>(...args)`: an export run off the JavaScript thread with
//! `napi_create_async_work`, its arguments converted on the calling thread
//! (a wrong one throws there, as Deno's nonblocking call does), every object
//! argument referenced until the call completes, and its Promise settled on
//! the JavaScript thread. Unlike Deno's FFI, which keeps an argument's
//! memory for the call, this keeps the objects only: an `ArrayBuffer` moved
//! or resized meanwhile takes its memory with it. So the TypeScript gate lends
//! a nonblocking call only memory nobody can free before it settles
//! (`src/buffer/gate_nonblocking.ts`: shadows in a SharedArrayBuffer, pins
//! that hold a ZeroCopyBuffer's memory in Zig through a frame, `napi_frame.zig`).

const std = @import("std");
const napi = @import("napi.zig");
const host = @import("napi_host.zig");
const convert = @import("napi_convert.zig");
const Env = host.Env;
const Value = host.Value;
const CallbackInfo = host.CallbackInfo;
const napi_ok = host.napi_ok;
const api = &host.call_api;

/// The nonblocking function of `Symbol` (a `napi_symbols.Call`).
pub fn Async(comptime Symbol: type) type {
    return struct {
        /// One call in flight, in C memory: the worker thread writes `result`,
        /// the JavaScript thread reads it in `complete` and frees the job.
        const Job = struct {
            args: Symbol.Args,
            result: Symbol.Result = undefined,
            refs: [Symbol.arity]host.Ref = @splat(null),
            deferred: host.Deferred = null,
            work: host.AsyncWork = null,
        };

        pub fn call(env: Env, info: CallbackInfo) callconv(.c) Value {
            var argv: [Symbol.arity]Value = undefined;
            const job = std.heap.c_allocator.create(Job) catch {
                _ = host.api.napi_throw_error(env, null, "zerocopy Node-API: out of memory");
                return null;
            };
            job.* = .{ .args = undefined };
            if (!Symbol.enter(env, info, &argv, &job.args)) {
                std.heap.c_allocator.destroy(job);
                return null;
            }
            for (argv, &job.refs) |value, *ref| {
                var kind: host.ValueType = .undefined;
                _ = api.napi_typeof(env, value, &kind);
                // A pointer object (an external) owns nothing its address needs: only buffers are kept.
                if (kind == .object and api.napi_create_reference(env, value, 1, ref) != napi_ok)
                    return fail(env, job, "cannot keep an argument alive");
            }
            var promise: Value = null;
            var resource_name: Value = null;
            if (api.napi_create_promise(env, &job.deferred, &promise) != napi_ok) return fail(env, job, "cannot create a promise");
            if (host.api.napi_create_string_utf8(env, Symbol.name.ptr, Symbol.name.len, &resource_name) != napi_ok or
                api.napi_create_async_work(env, null, resource_name, execute, complete, job, &job.work) != napi_ok or
                api.napi_queue_async_work(env, job.work) != napi_ok)
            {
                reject(env, job, "could not be queued");
                finish(env, job);
            }
            return promise;
        }

        /// On a worker thread: no `napi_*` call.
        fn execute(env: Env, data: ?*anyopaque) callconv(.c) void {
            _ = env;
            const job: *Job = @ptrCast(@alignCast(data.?));
            job.result = @call(.auto, Symbol.function, job.args);
        }

        /// On the JavaScript thread, once `execute` has returned (or the work was cancelled).
        fn complete(env: Env, status: host.Status, data: ?*anyopaque) callconv(.c) void {
            napi.markJsThread();
            const job: *Job = @ptrCast(@alignCast(data.?));
            if (status == napi_ok) {
                _ = api.napi_resolve_deferred(env, job.deferred, convert.resultValue(Symbol.Result, env, job.result));
            } else {
                reject(env, job, "was cancelled");
            }
            finish(env, job);
        }

        /// Settles the promise with an `Error`: the call never ran, or the host cancelled it.
        fn reject(env: Env, job: *Job, comptime what: []const u8) void {
            var message: Value = null;
            var rejection: Value = null;
            const text = "zerocopy Node-API: the call to " ++ Symbol.name ++ " " ++ what;
            _ = host.api.napi_create_string_utf8(env, text, text.len, &message);
            _ = api.napi_create_error(env, null, message, &rejection);
            _ = api.napi_reject_deferred(env, job.deferred, rejection);
        }

        fn fail(env: Env, job: *Job, comptime message: [:0]const u8) Value {
            finish(env, job);
            _ = host.api.napi_throw_error(env, null, "zerocopy Node-API: " ++ Symbol.name ++ ": " ++ message);
            return null;
        }

        fn finish(env: Env, job: *Job) void {
            for (job.refs) |ref| if (ref != null) {
                _ = api.napi_delete_reference(env, ref);
            };
            if (job.work != null) _ = api.napi_delete_async_work(env, job.work);
            std.heap.c_allocator.destroy(job);
        }
    };
}
