//! The Node-API types and functions the entry calls, looked up in the host
//! process when the module registers, never linked: the library must still
//! load where no Node-API host is around.

const std = @import("std");
const builtin = @import("builtin");
const Descriptor = @import("abi.zig").Descriptor;

/// Opaque Node-API handles (js_native_api_types.h).
pub const Env = ?*opaque {};
pub const Value = ?*opaque {};
pub const CallbackInfo = ?*opaque {};
pub const Status = c_int;
pub const napi_ok: Status = 0;
pub const napi_biguint64_array: c_int = 10;

pub const Callback = *const fn (env: Env, info: CallbackInfo) callconv(.c) Value;
pub const Finalize = *const fn (env: Env, data: ?*anyopaque, hint: ?*anyopaque) callconv(.c) void;

/// The Node-API functions this module calls, each resolved by its field name.
pub const Api = struct {
    napi_get_cb_info: *const fn (Env, CallbackInfo, *usize, [*]Value, ?*Value, ?*?*anyopaque) callconv(.c) Status,
    napi_create_function: *const fn (Env, [*:0]const u8, usize, Callback, ?*anyopaque, *Value) callconv(.c) Status,
    napi_set_named_property: *const fn (Env, Value, [*:0]const u8, Value) callconv(.c) Status,
    napi_get_typedarray_info: *const fn (Env, Value, ?*c_int, ?*usize, ?*?*anyopaque, ?*Value, ?*usize) callconv(.c) Status,
    napi_get_arraybuffer_info: *const fn (Env, Value, ?*?*anyopaque, ?*usize) callconv(.c) Status,
    napi_create_external_arraybuffer: *const fn (Env, ?*anyopaque, usize, Finalize, ?*anyopaque, *Value) callconv(.c) Status,
    napi_detach_arraybuffer: *const fn (Env, Value) callconv(.c) Status,
    napi_get_boolean: *const fn (Env, bool, *Value) callconv(.c) Status,
    napi_create_uint32: *const fn (Env, u32, *Value) callconv(.c) Status,
    napi_get_value_uint32: *const fn (Env, Value, *u32) callconv(.c) Status,
    napi_get_value_double: *const fn (Env, Value, *f64) callconv(.c) Status,
    napi_create_string_utf8: *const fn (Env, [*]const u8, usize, *Value) callconv(.c) Status,
    napi_throw_error: *const fn (Env, ?[*:0]const u8, [*:0]const u8) callconv(.c) Status,
};

/// `napi_valuetype` (js_native_api_types.h).
pub const ValueType = enum(c_int) { undefined, null, boolean, number, string, symbol, object, function, external, bigint, _ };
pub const Ref = ?*opaque {};
pub const Deferred = ?*opaque {};
pub const AsyncWork = ?*opaque {};
pub const TypeTag = extern struct { lower: u64, upper: u64 };
pub const Execute = *const fn (env: Env, data: ?*anyopaque) callconv(.c) void;
pub const Complete = *const fn (env: Env, status: Status, data: ?*anyopaque) callconv(.c) void;

/// The Node-API functions the exports' own registration (`napi_symbols.zig`)
/// calls beyond `Api`, resolved apart: a host without one of them still gets
/// the entry's functions, only no `symbols`.
pub const CallApi = struct {
    napi_typeof: *const fn (Env, Value, *ValueType) callconv(.c) Status,
    napi_get_value_bool: *const fn (Env, Value, *bool) callconv(.c) Status,
    napi_get_value_bigint_int64: *const fn (Env, Value, *i64, *bool) callconv(.c) Status,
    napi_get_value_bigint_uint64: *const fn (Env, Value, *u64, *bool) callconv(.c) Status,
    napi_is_arraybuffer: *const fn (Env, Value, *bool) callconv(.c) Status,
    napi_is_dataview: *const fn (Env, Value, *bool) callconv(.c) Status,
    napi_get_dataview_info: *const fn (Env, Value, ?*usize, ?*?*anyopaque, ?*Value, ?*usize) callconv(.c) Status,
    napi_create_int32: *const fn (Env, i32, *Value) callconv(.c) Status,
    napi_create_double: *const fn (Env, f64, *Value) callconv(.c) Status,
    napi_create_bigint_int64: *const fn (Env, i64, *Value) callconv(.c) Status,
    napi_create_bigint_uint64: *const fn (Env, u64, *Value) callconv(.c) Status,
    napi_get_null: *const fn (Env, *Value) callconv(.c) Status,
    napi_create_object: *const fn (Env, *Value) callconv(.c) Status,
    napi_create_external: *const fn (Env, ?*anyopaque, ?Finalize, ?*anyopaque, *Value) callconv(.c) Status,
    napi_get_value_external: *const fn (Env, Value, *?*anyopaque) callconv(.c) Status,
    napi_type_tag_object: *const fn (Env, Value, *const TypeTag) callconv(.c) Status,
    napi_check_object_type_tag: *const fn (Env, Value, *const TypeTag, *bool) callconv(.c) Status,
    napi_throw_type_error: *const fn (Env, ?[*:0]const u8, [*:0]const u8) callconv(.c) Status,
    napi_throw_range_error: *const fn (Env, ?[*:0]const u8, [*:0]const u8) callconv(.c) Status,
    napi_create_error: *const fn (Env, Value, Value, *Value) callconv(.c) Status,
    napi_create_promise: *const fn (Env, *Deferred, *Value) callconv(.c) Status,
    napi_resolve_deferred: *const fn (Env, Deferred, Value) callconv(.c) Status,
    napi_reject_deferred: *const fn (Env, Deferred, Value) callconv(.c) Status,
    napi_create_reference: *const fn (Env, Value, u32, *Ref) callconv(.c) Status,
    napi_delete_reference: *const fn (Env, Ref) callconv(.c) Status,
    napi_create_async_work: *const fn (Env, Value, Value, Execute, Complete, ?*anyopaque, *AsyncWork) callconv(.c) Status,
    napi_queue_async_work: *const fn (Env, AsyncWork) callconv(.c) Status,
    napi_delete_async_work: *const fn (Env, AsyncWork) callconv(.c) Status,
};

/// Written once, under `api_lock`, by the first registration that finds every function.
pub var api: Api = undefined;
var api_resolved = std.atomic.Value(bool).init(false);
var api_lock: std.atomic.Mutex = .unlocked;

/// Looks up every `Api` function in the host process; false when one is missing.
pub fn resolveApi() bool {
    return resolve(Api, &api, &api_resolved);
}

/// Written once, under `api_lock`, by the first registration that finds every `CallApi` function.
pub var call_api: CallApi = undefined;
var call_api_resolved = std.atomic.Value(bool).init(false);

/// Looks up every `CallApi` function in the host process; false when one is missing.
pub fn resolveCallApi() bool {
    return resolve(CallApi, &call_api, &call_api_resolved);
}

fn resolve(comptime Table: type, table: *Table, resolved: *std.atomic.Value(bool)) bool {
    if (resolved.load(.acquire)) return true;
    while (!api_lock.tryLock()) std.atomic.spinLoopHint();
    defer api_lock.unlock();
    if (resolved.load(.acquire)) return true;
    var found: Table = undefined;
    inline for (@typeInfo(Table).@"struct".field_names) |name| {
        @field(found, name) = @ptrCast(@alignCast(hostSymbol(name) orelse return false));
    }
    table.* = found;
    resolved.store(true, .release);
    return true;
}

/// A symbol of the host process: Deno, Node and Bun export their `napi_*`
/// functions from the executable, where a shared library cannot link to them
/// by name on every OS (Windows would need an import library per host).
fn hostSymbol(name: [:0]const u8) ?*anyopaque {
    if (builtin.os.tag == .windows) {
        const host = windows.GetModuleHandleW(null) orelse return null;
        return windows.GetProcAddress(host, name.ptr);
    }
    return std.c.dlsym(rtld_default, name.ptr);
}

/// dlfcn.h's RTLD_DEFAULT: search the process's global symbols.
const rtld_default: ?*anyopaque = if (builtin.os.tag.isDarwin()) @ptrFromInt(@as(usize, @bitCast(@as(isize, -2)))) else null;

const windows = struct {
    extern "kernel32" fn GetModuleHandleW(name: ?[*:0]const u16) callconv(.winapi) ?*anyopaque;
    extern "kernel32" fn GetProcAddress(module: *anyopaque, name: [*:0]const u8) callconv(.winapi) ?*anyopaque;
};

pub fn arguments(env: Env, info: CallbackInfo, argv: []Value) bool {
    var argc: usize = argv.len;
    return api.napi_get_cb_info(env, info, &argc, argv.ptr, null, null) == napi_ok and argc >= argv.len;
}

/// The descriptor behind a BigUint64Array of exactly its 6 words, or null.
pub fn descriptorArgument(env: Env, value: Value) ?*Descriptor {
    var kind: c_int = -1;
    var length: usize = 0;
    var data: ?*anyopaque = null;
    if (api.napi_get_typedarray_info(env, value, &kind, &length, &data, null, null) != napi_ok) return null;
    if (kind != napi_biguint64_array or length * 8 != @sizeOf(Descriptor)) return null;
    return @ptrCast(@alignCast(data orelse return null));
}

pub fn throwError(env: Env, comptime message: [:0]const u8) Value {
    _ = api.napi_throw_error(env, null, "zerocopy Node-API entry: " ++ message);
    return null;
}

test "the Node-API functions are not linked: outside a Node-API host none resolves" {
    try std.testing.expect(!resolveApi());
    try std.testing.expect(!resolveCallApi());
}
