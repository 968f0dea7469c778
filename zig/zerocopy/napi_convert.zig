//! How a JavaScript value becomes an argument of a Zig export, and its result
//! a JavaScript value, for the Node-API registration (`napi_symbols.zig`).
//! Each declared type converts as Deno FFI converts it, throwing a `TypeError`
//! where Deno throws one; where Deno would wrap or truncate silently (300 for a
//! `u8`, a bigint past 64 bits, a number past 2^53 for a `u64`) this throws a
//! `RangeError` instead, and so it does for a buffer too short or misaligned
//! for the pointer it becomes, which Deno passes unchecked. A `"pointer"` is
//! null or an object this library made (`pointerValue`): no forged object
//! reaches Zig as an address. The words of a buffer are another matter: an
//! export that reads a descriptor from its buffer argument trusts them, as
//! Deno's raw `lib.symbols` do (docs/runtimes-napi-contract.md); the package's
//! gate is what vouches for the descriptors it passes.

const std = @import("std");
const host = @import("napi_host.zig");
const Env = host.Env;
const Value = host.Value;
const napi_ok = host.napi_ok;
const api = &host.call_api;

/// A conversion threw a JavaScript exception; the callback returns at once.
pub const Thrown = error{Thrown};

/// How a declared FFI type crosses: by value, as a buffer's memory, or as an
/// opaque pointer object.
pub const Crossing = enum { scalar, buffer, pointer };

/// Marks the pointer objects this library made, so a forged object, or one of
/// another library (another copy of this one included), is refused: its
/// `lower` half is the address of `anchor`, which no other loaded library shares.
var anchor: u8 = 0;
const pointer_tag_upper: u64 = 0x7a65726f636f7079;

fn pointerTag() host.TypeTag {
    return .{ .lower = @intFromPtr(&anchor), .upper = pointer_tag_upper };
}

/// What a buffer argument gave: its memory (null when null, undefined or
/// detached) and its length in bytes.
pub const Memory = struct { ptr: ?*anyopaque = null, len: usize = 0 };

pub fn throwType(env: Env, comptime message: [:0]const u8) Thrown {
    _ = api.napi_throw_type_error(env, null, message);
    return error.Thrown;
}

pub fn throwRange(env: Env, comptime message: [:0]const u8) Thrown {
    _ = api.napi_throw_range_error(env, null, message);
    return error.Thrown;
}

/// The pointer type behind `T` (a pointer or an optional pointer), and whether null may cross.
pub fn pointerOf(comptime T: type) struct { info: std.builtin.Type.Pointer, nullable: bool } {
    return switch (@typeInfo(T)) {
        .optional => |optional| .{ .info = @typeInfo(optional.child).pointer, .nullable = true },
        .pointer => |pointer| .{ .info = pointer, .nullable = pointer.size == .c },
        else => unreachable,
    };
}

/// The alignment Zig assumes of a `T` it is given.
pub fn alignmentOf(comptime T: type) usize {
    const pointer = pointerOf(T).info;
    if (pointer.attrs.@"align") |alignment| return alignment;
    return switch (@typeInfo(pointer.child)) {
        .@"opaque", .@"fn" => 1,
        else => @alignOf(pointer.child),
    };
}

/// The bytes Zig may read through a `T` it is given: the child's size for a
/// single-item pointer to a sized type, else 0 (a lent array's length is
/// checked against the parameter that states it).
pub fn minimumBytes(comptime T: type) usize {
    const pointer = pointerOf(T).info;
    if (pointer.size != .one) return 0;
    return switch (@typeInfo(pointer.child)) {
        .@"opaque", .@"fn" => 0,
        else => @sizeOf(pointer.child),
    };
}

/// The scalar argument of type `T` (an integer, enum, float or bool) `value` holds.
pub fn scalar(comptime T: type, comptime where: []const u8, env: Env, value: Value) Thrown!T {
    switch (@typeInfo(T)) {
        .bool => {
            var result = false;
            if (api.napi_get_value_bool(env, value, &result) != napi_ok) return throwType(env, where ++ " takes a boolean");
            return result;
        },
        .float => {
            var result: f64 = 0;
            if (host.api.napi_get_value_double(env, value, &result) != napi_ok) return throwType(env, where ++ " takes a number");
            return @floatCast(result);
        },
        .@"enum" => |info| {
            const tag = try scalar(info.tag_type, where, env, value);
            return std.enums.fromInt(T, tag) orelse throwRange(env, where ++ " takes one of the values of " ++ @typeName(T));
        },
        .int => |int| return if (int.bits <= 32) small(T, where, env, value) else wide(T, where, env, value),
        else => @compileError("zerocopy Node-API: " ++ where ++ " has type `" ++ @typeName(T) ++ "`, which crosses by value only as a number or boolean"),
    }
}

/// 8 to 32 bits: Deno takes a number that is a 32-bit integer of the type's
/// signedness (else TypeError) and wraps it into 8 or 16 bits; this refuses
/// what would wrap.
fn small(comptime T: type, comptime where: []const u8, env: Env, value: Value) Thrown!T {
    const signed = @typeInfo(T).int.signedness == .signed;
    const kind = if (signed) "a 32-bit signed integer" else "an unsigned 32-bit integer";
    var number: f64 = 0;
    if (host.api.napi_get_value_double(env, value, &number) != napi_ok) return throwType(env, where ++ " takes " ++ kind);
    const low: f64 = if (signed) -2147483648.0 else 0;
    const high: f64 = if (signed) 2147483647.0 else 4294967295.0;
    if (!(number >= low and number <= high) or @trunc(number) != number) return throwType(env, where ++ " takes " ++ kind);
    const whole: i64 = @intFromFloat(number);
    return std.math.cast(T, whole) orelse throwRange(env, where ++ " is out of range for " ++ @typeName(T));
}

/// 64 bits and pointer-sized: a bigint, or a number that is a safe integer
/// (Deno truncates any number and wraps any bigint; this refuses both).
fn wide(comptime T: type, comptime where: []const u8, env: Env, value: Value) Thrown!T {
    const signed = @typeInfo(T).int.signedness == .signed;
    var kind: host.ValueType = .undefined;
    _ = api.napi_typeof(env, value, &kind);
    switch (kind) {
        .bigint => {
            var lossless = false;
            if (signed) {
                var result: i64 = 0;
                if (api.napi_get_value_bigint_int64(env, value, &result, &lossless) != napi_ok or !lossless)
                    return throwRange(env, where ++ " is out of range for " ++ @typeName(T));
                return @intCast(result);
            }
            var result: u64 = 0;
            if (api.napi_get_value_bigint_uint64(env, value, &result, &lossless) != napi_ok or !lossless)
                return throwRange(env, where ++ " is out of range for " ++ @typeName(T));
            return @intCast(result);
        },
        .number => {
            var number: f64 = 0;
            _ = host.api.napi_get_value_double(env, value, &number);
            const max_safe: f64 = 9007199254740991.0;
            if (!(number >= -max_safe and number <= max_safe) or @trunc(number) != number)
                return throwRange(env, where ++ " takes a safe integer or a bigint");
            const whole: i64 = @intFromFloat(number);
            return std.math.cast(T, whole) orelse throwRange(env, where ++ " is out of range for " ++ @typeName(T));
        },
        else => return throwType(env, where ++ " takes a number or a bigint"),
    }
}

/// The memory of a TypedArray, DataView or ArrayBuffer (a SharedArrayBuffer's
/// views included, not the bare SharedArrayBuffer, as in Deno); null and
/// undefined give no memory, and so does an empty or detached buffer (a view
/// of a detached buffer has length 0, and some hosts report its old offset as
/// its address). Each `get_*_info` refuses another kind of value without
/// throwing, so asking is also the test.
pub fn memory(comptime where: []const u8, env: Env, value: Value) Thrown!Memory {
    var length: usize = 0;
    var data: ?*anyopaque = null;
    var kind: c_int = 0;
    if (host.api.napi_get_typedarray_info(env, value, &kind, &length, &data, null, null) == napi_ok) {
        // A kind this build does not know could have smaller elements than any guess: refused, never overstated.
        const size = elementSize(kind) orelse return throwType(env, where ++ " takes a TypedArray of a kind this library knows");
        return if (length == 0) .{} else .{ .ptr = data, .len = length * size };
    }
    var type_of: host.ValueType = .undefined;
    _ = api.napi_typeof(env, value, &type_of);
    if (type_of == .null or type_of == .undefined) return .{};
    // Some hosts' `get_arraybuffer_info` and `get_dataview_info` take a bare SharedArrayBuffer, which Deno refuses.
    var is_arraybuffer = false;
    if (api.napi_is_arraybuffer(env, value, &is_arraybuffer) == napi_ok and is_arraybuffer and
        host.api.napi_get_arraybuffer_info(env, value, &data, &length) == napi_ok)
        return if (length == 0) .{} else .{ .ptr = data, .len = length };
    var is_dataview = false;
    if (api.napi_is_dataview(env, value, &is_dataview) == napi_ok and is_dataview and
        api.napi_get_dataview_info(env, value, &length, &data, null, null) == napi_ok)
        return if (length == 0) .{} else .{ .ptr = data, .len = length };
    return throwType(env, where ++ " takes a TypedArray, DataView, ArrayBuffer or null");
}

/// Bytes per element of a `napi_typedarray_type`; null for a kind added after this list.
fn elementSize(kind: c_int) ?usize {
    return switch (kind) {
        0, 1, 2 => 1, // int8, uint8, uint8_clamped
        3, 4, 11 => 2, // int16, uint16, float16
        5, 6, 7 => 4, // int32, uint32, float32
        8, 9, 10 => 8, // float64, bigint64, biguint64
        else => null,
    };
}

/// A buffer argument as the Zig pointer type `T`: refused when null where `T`
/// is not optional, shorter than what a single-item `T` points at, or
/// misaligned for `T`.
pub fn bufferArgument(comptime T: type, comptime where: []const u8, env: Env, value: Value, out_len: *usize) Thrown!T {
    const given = try memory(where, env, value);
    out_len.* = given.len;
    return pointerArgument(T, where, env, given.ptr, given.len);
}

fn pointerArgument(comptime T: type, comptime where: []const u8, env: Env, ptr: ?*anyopaque, len: usize) Thrown!T {
    const target = comptime pointerOf(T);
    const address = ptr orelse {
        if (target.nullable) return null;
        return throwType(env, where ++ " takes memory, not null or a detached buffer");
    };
    if (@intFromPtr(address) % (comptime alignmentOf(T)) != 0)
        return throwRange(env, where ++ std.fmt.comptimePrint(" takes memory aligned to {d} bytes", .{alignmentOf(T)}));
    if (len < (comptime minimumBytes(T)))
        return throwRange(env, where ++ std.fmt.comptimePrint(" takes at least {d} bytes", .{minimumBytes(T)}));
    return @ptrCast(@alignCast(address));
}

/// A `"pointer"` argument: null, or an object `pointerValue` made.
pub fn opaqueArgument(comptime T: type, comptime where: []const u8, env: Env, value: Value) Thrown!T {
    var kind: host.ValueType = .undefined;
    _ = api.napi_typeof(env, value, &kind);
    if (kind == .null) return pointerArgument(T, where, env, null, 0);
    var tagged = false;
    const tag = pointerTag();
    if (kind != .external or api.napi_check_object_type_tag(env, value, &tag, &tagged) != napi_ok or !tagged)
        return throwType(env, where ++ " takes null or a pointer this library returned");
    var address: ?*anyopaque = null;
    _ = api.napi_get_value_external(env, value, &address);
    return pointerArgument(T, where, env, address, std.math.maxInt(usize));
}

/// The JavaScript value of an address: null, or a tagged external without a
/// finalizer (it owns nothing), which `opaqueArgument` alone accepts.
pub fn pointerValue(env: Env, address: ?*anyopaque) Value {
    var result: Value = null;
    if (address == null) {
        _ = api.napi_get_null(env, &result);
        return result;
    }
    const tag = pointerTag();
    if (api.napi_create_external(env, address, null, null, &result) != napi_ok or
        api.napi_type_tag_object(env, result, &tag) != napi_ok) return null;
    return result;
}

/// The JavaScript value of an export's result: undefined, a boolean, a number,
/// a bigint for 64-bit and pointer-sized integers (as Deno), or a pointer object.
pub fn resultValue(comptime T: type, env: Env, value: T) Value {
    var result: Value = null;
    switch (@typeInfo(T)) {
        .void => return null,
        .bool => _ = host.api.napi_get_boolean(env, value, &result),
        .float => _ = api.napi_create_double(env, value, &result),
        .@"enum" => |info| return resultValue(info.tag_type, env, @backingInt(value)),
        .int => |int| {
            if (int.bits > 32) {
                if (int.signedness == .signed) _ = api.napi_create_bigint_int64(env, value, &result) else _ = api.napi_create_bigint_uint64(env, value, &result);
            } else if (int.signedness == .signed) {
                _ = api.napi_create_int32(env, value, &result);
            } else {
                _ = host.api.napi_create_uint32(env, value, &result);
            }
        },
        .pointer => return pointerValue(env, @ptrCast(@constCast(value))),
        .optional => return pointerValue(env, if (value) |address| @ptrCast(@constCast(address)) else null),
        else => @compileError("zerocopy Node-API: a result of type `" ++ @typeName(T) ++ "` cannot cross"),
    }
    return result;
}

test "alignment and minimum bytes follow the Zig pointer type" {
    const Pair = extern struct { low: u32, high: u64 };
    try std.testing.expectEqual(@as(usize, 8), alignmentOf(?*Pair));
    try std.testing.expectEqual(@as(usize, 16), minimumBytes(?*Pair));
    try std.testing.expectEqual(@as(usize, 16), alignmentOf(*align(16) [32]u8));
    try std.testing.expectEqual(@as(usize, 32), minimumBytes(*align(16) [32]u8));
    try std.testing.expectEqual(@as(usize, 8), alignmentOf(?[*]const f64));
    try std.testing.expectEqual(@as(usize, 0), minimumBytes(?[*]const f64));
    try std.testing.expectEqual(@as(usize, 1), alignmentOf(?*anyopaque));
    try std.testing.expectEqual(@as(usize, 0), minimumBytes(?*anyopaque));
    try std.testing.expect(pointerOf(?[*:0]const u8).nullable);
    try std.testing.expect(pointerOf([*c]const u8).nullable);
    try std.testing.expect(!pointerOf(*u32).nullable);
}

test "typed array element sizes" {
    for ([_]c_int{ 0, 1, 2 }) |kind| try std.testing.expectEqual(@as(usize, 1), elementSize(kind));
    for ([_]c_int{ 5, 6, 7 }) |kind| try std.testing.expectEqual(@as(usize, 4), elementSize(kind));
    for ([_]c_int{ 8, 9, 10 }) |kind| try std.testing.expectEqual(@as(usize, 8), elementSize(kind));
    for ([_]c_int{ 3, 4, 11 }) |kind| try std.testing.expectEqual(@as(usize, 2), elementSize(kind));
    // An unknown kind is no guess of 8 bytes, which would let Zig reach past a smaller element's array.
    for ([_]c_int{ -1, 12, 99 }) |kind| try std.testing.expectEqual(@as(?usize, null), elementSize(kind));
}
