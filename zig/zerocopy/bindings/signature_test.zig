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
