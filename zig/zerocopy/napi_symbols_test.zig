//! The Node-API registration's comptime half, for every kind of parameter and
//! result the signature analysis yields: how each crosses, what a buffer must
//! hold for it, which exports a root registers. The conversions themselves run
//! in Node and Bun (tests/napi/); unsupported types fail `bindings.analyse`
//! first, with its messages (tools/check_bindings_errors.sh).

const std = @import("std");
const abi = @import("abi.zig");
const Spec = @import("bindings.zig").Spec;
const signature = @import("bindings/signature.zig");
const arrow = @import("arrow/arrow.zig");
const region = @import("region.zig");
const ring = @import("ring.zig");
const out = @import("out.zig");
const records = @import("records.zig");
const convert = @import("napi_convert.zig");
const symbols = @import("napi_symbols.zig");
const calls_async = @import("napi_symbols_async.zig");

const Pair = extern struct { low: u32, high: u64 };

/// One export per family of kinds, and every result kind.
const every_kind = struct {
    pub const nonblocking = .{ "handed", "scalars" };

    pub fn scalars(a: u8, b: i8, c: u16, d: i16, e: u32, f: i32, g: u64, h: i64, i: usize, j: isize, k: f32, l: f64, m: bool, n: abi.ElementType) callconv(.c) u64 {
        _ = .{ a, b, c, d, e, f, h, i, j, k, l, m, n };
        return g;
    }
    pub fn handed(descriptor: ?*const abi.Descriptor, lent: ?[*]const f32, len: u32, pair: *const Pair, job: ?*abi.Job, target: ?*out.Out(u8)) callconv(.c) abi.Status {
        _ = .{ descriptor, lent, len, pair, job, target };
        return .ok;
    }
    pub fn in_region(target: ?*region.RegionOut(u8)) callconv(.c) void {
        _ = target;
    }
    pub fn in_batch(target: ?*region.BatchOut(f64)) callconv(.c) void {
        _ = target;
    }
    pub fn in_ring(target: ?*ring.RingOut(f32)) callconv(.c) abi.Status {
        _ = target;
        return .ok;
    }
    pub fn batches(schema: ?*const arrow.ArrowSchema, array: ?*const arrow.ArrowArray, batch: ?*arrow.RecordBatchOut) callconv(.c) abi.Status {
        _ = .{ schema, array, batch };
        return .ok;
    }
    pub fn pairs(target: ?*records.RecordOut(extern struct { x: f32, id: u32 })) callconv(.c) abi.Status {
        _ = target;
        return .ok;
    }
    pub fn raw(text: ?[*:0]const u8, block: *align(16) [32]u8) callconv(.c) ?*const anyopaque {
        _ = block;
        return text;
    }
    pub fn signed_length(values: ?[*]const f64, len: i64) callconv(.c) f64 {
        _ = values;
        return @floatFromInt(len);
    }
    pub fn flag(value: i32) callconv(.c) bool {
        return value != 0;
    }
    pub fn ratio(value: f32) callconv(.c) f32 {
        return value;
    }
};

fn crossings(comptime name: []const u8) []const convert.Crossing {
    const sig = comptime signature.analyse(every_kind, name, .{}, null);
    comptime var list: []const convert.Crossing = &.{};
    inline for (sig.params) |param| list = list ++ .{comptime symbols.crossing(param.kind)};
    return list;
}

test "every scalar kind crosses by value, every buffer kind as memory, a raw pointer as a pointer object" {
    const by_value: [14]convert.Crossing = @splat(.scalar);
    try std.testing.expectEqualSlices(convert.Crossing, &by_value, crossings("scalars"));
    try std.testing.expectEqualSlices(convert.Crossing, &.{ .buffer, .buffer, .scalar, .buffer, .buffer, .buffer }, crossings("handed"));
    inline for (.{ "in_region", "in_batch", "in_ring" }) |name| try std.testing.expectEqualSlices(convert.Crossing, &.{.buffer}, crossings(name));
    try std.testing.expectEqualSlices(convert.Crossing, &.{ .buffer, .buffer, .buffer }, crossings("batches"));
    try std.testing.expectEqualSlices(convert.Crossing, &.{.buffer}, crossings("pairs"));
    try std.testing.expectEqualSlices(convert.Crossing, &.{ .pointer, .buffer }, crossings("raw"));
}

test "a buffer must hold what a single-item pointer points at, at its alignment; a lent array only its alignment" {
    try std.testing.expectEqual(@sizeOf(abi.Descriptor), convert.minimumBytes(?*const abi.Descriptor));
    try std.testing.expectEqual(@sizeOf(out.Out(u8)), convert.minimumBytes(?*out.Out(u8)));
    try std.testing.expectEqual(@sizeOf(abi.Job), convert.minimumBytes(?*abi.Job));
    try std.testing.expectEqual(@sizeOf(region.RegionOut(u8)), convert.minimumBytes(?*region.RegionOut(u8)));
    try std.testing.expectEqual(@sizeOf(arrow.ArrowSchema), convert.minimumBytes(?*const arrow.ArrowSchema));
    try std.testing.expectEqual(@as(usize, 0), convert.minimumBytes(?[*]const f32));
    try std.testing.expectEqual(@as(usize, 4), convert.alignmentOf(?[*]const f32));
    try std.testing.expectEqual(@as(usize, 16), convert.alignmentOf(*align(16) [32]u8));
    try std.testing.expectEqual(@as(usize, 1), convert.alignmentOf(?[*:0]const u8));
}

test "the hidden length after a lent array is known, so a raw call cannot claim more" {
    const sig = comptime signature.analyse(every_kind, "handed", .{}, null);
    try std.testing.expectEqual(@as(?usize, 1), sig.params[2].length_of);
    const signed = comptime signature.analyse(every_kind, "signed_length", .{}, null);
    try std.testing.expectEqual(@as(?usize, 0), signed.params[1].length_of);
    const none = comptime signature.analyse(every_kind, "handed", .{ .hidden_lengths = .none }, null);
    try std.testing.expectEqual(@as(?usize, null), none.params[2].length_of);
}

const more = struct {
    pub fn extra() callconv(.c) u32 {
        return 7;
    }
    // The same function under the same name twice is one export, not a clash.
    pub const scalars = every_kind.scalars;
};

const Root = struct {
    pub const bindings: Spec = .{ .source = "test", .groups = &.{.{ .name = "symbols", .exports = every_kind }}, .reexports = &.{more} };
};

fn names(comptime entries: []const symbols.Entry) []const u8 {
    comptime var list: []const u8 = "";
    inline for (entries) |entry| list = list ++ entry.name ++ " ";
    return list;
}

test "a root registers zerocopy's ABI exports, its groups, its reexports and its record layouts, each name once" {
    const registered = comptime names(symbols.entriesOf(Root));
    for ([_][]const u8{ "zc_abi_version ", "zc_release ", "scalars ", "handed ", "raw ", "extra ", "zc_record_layouts " }) |name| {
        try std.testing.expectEqual(@as(usize, 1), std.mem.count(u8, registered, name));
    }
    try std.testing.expect(std.mem.indexOf(u8, registered, "nonblocking ") == null);
}

test "every kind's synchronous and nonblocking functions compile" {
    inline for (comptime symbols.entriesOf(Root)) |entry| {
        const Symbol = symbols.Call(entry);
        _ = &Symbol.call;
        if (Symbol.sig.nonblocking) _ = &calls_async.Async(Symbol).call;
    }
}
