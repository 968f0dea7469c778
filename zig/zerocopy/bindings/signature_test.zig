//! Tests of signature.zig: how `analyse` reads an export.

const std = @import("std");
const analyse = @import("signature.zig").analyse;

test "analyse takes names and docs from the source module and hides a length by the rule or the Spec" {
    const source = struct {
        pub const calls_export_abi = true;
        pub const functions = struct {
            pub const scaled = .{ .params = .{ "values", "factor", "count" }, .doc = "Ends */ early." };
        };
    };
    const namespace = struct {
        pub fn scaled(values: ?[*]const f64, factor: u64, count: u32) callconv(.c) u64 {
            _ = values;
            _ = count;
            return factor;
        }
    };
    const by_rule = comptime analyse(namespace, "scaled", .{}, source);
    try std.testing.expectEqualStrings("values", by_rule.params[0].name);
    try std.testing.expectEqual(@as(?usize, 0), by_rule.params[1].length_of);
    try std.testing.expect(by_rule.params[2].visible());
    try std.testing.expectEqualStrings("Ends *\\/ early.", by_rule.doc);
    try std.testing.expectEqualStrings("bigint", by_rule.returns);
    const explicit = comptime analyse(namespace, "scaled", .{
        .lengths = &.{.{ .function = "scaled", .length = "count", .array = "values" }},
    }, source);
    try std.testing.expect(explicit.params[1].visible() and explicit.params[1].integer64);
    try std.testing.expectEqual(@as(?usize, 0), explicit.params[2].length_of);
    const unnamed = comptime analyse(namespace, "scaled", .{ .hidden_lengths = .none }, null);
    try std.testing.expectEqualStrings("arg1", unnamed.params[1].name);
    try std.testing.expect(unnamed.params[1].visible());
}

test "analyse returns a RecordBatchOut as an ArrowBatch and takes an ArrowSchema + ArrowArray pair as one batch" {
    const arrow = @import("../arrow/arrow.zig");
    const Status = @import("../abi.zig").Status;
    const namespace = struct {
        pub fn table(rows: u32, out: ?*arrow.RecordBatchOut) callconv(.c) Status {
            _ = rows;
            _ = out;
            return .ok;
        }
        pub fn kernel(batch: ?*const arrow.ArrowSchema, batch_array: ?*const arrow.ArrowArray, factor: f64) callconv(.c) Status {
            _ = batch;
            _ = batch_array;
            _ = factor;
            return .ok;
        }
    };
    const table = comptime analyse(namespace, "table", .{}, null);
    try std.testing.expect(table.arrow_out and table.arrow_in == null);
    try std.testing.expectEqualStrings("zerocopyArrow.ArrowBatch", table.returns);
    try std.testing.expect(table.params[1].kind == .arrow_out and !table.params[1].visible());
    try std.testing.expectEqualStrings("buffer", table.params[1].ffi);
    try std.testing.expectEqualStrings("?*zerocopy.arrow.RecordBatchOut", table.params[1].zig);
    const kernel = comptime analyse(namespace, "kernel", .{}, null);
    try std.testing.expectEqual(@as(?usize, 0), kernel.arrow_in);
    try std.testing.expect(!kernel.arrow_out and kernel.params[0].visible() and !kernel.params[1].visible());
    try std.testing.expectEqualStrings("zerocopyArrow.BatchArgument", kernel.params[0].ts);
    try std.testing.expectEqualStrings("buffer", kernel.params[1].ffi);
    try std.testing.expect(kernel.params[2].visible());
    // Without Arrow wrappers (a module that must not import apache-arrow) a batch handed
    // over stays its bytes; a batch taken is a compile error (tools/check_bindings_errors.sh).
    const raw_table = comptime analyse(namespace, "table", .{ .arrow = false }, null);
    try std.testing.expect(!raw_table.arrow_out and raw_table.out.? == .u8);
    try std.testing.expectEqualStrings("ZeroCopyBuffer<\"u8\">", raw_table.returns);
}

test "analyse gives every pointer parameter its type's size and alignment, and a raw pointer none" {
    const Pair = extern struct { low: u32, high: u64 };
    const namespace = struct {
        pub fn take(pair: *const Pair, total: ?*u64, block: *align(64) [3]u8, text: ?[*:0]const u8) callconv(.c) void {
            _ = .{ pair, total, block, text };
        }
    };
    const take = comptime analyse(namespace, "take", .{}, null);
    const expected = [_]@import("signature.zig").Memory{
        .{ .size = 16, .alignment = 8 },
        .{ .size = 8, .alignment = 8, .nullable = true },
        .{ .size = 3, .alignment = 64 },
    };
    for (expected, take.params[0..3]) |memory, param| try std.testing.expectEqual(memory, param.kind.memory);
    try std.testing.expectEqualStrings("BufferSource", take.params[0].ts);
    try std.testing.expectEqualStrings("BufferSource | null", take.params[1].ts);
    try std.testing.expectEqualStrings("*align(64) [3]u8", take.params[2].zig);
    try std.testing.expect(take.params[3].kind == .pointer);
    try std.testing.expectEqualStrings("PointerValue", take.params[3].ts);
}
