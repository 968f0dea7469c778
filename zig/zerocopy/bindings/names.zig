//! Parameter names and doc comments of exports, as the sources give them, and
//! the lengths a Spec names.

const std = @import("std");
const bindings = @import("../bindings.zig");
const Length = bindings.Length;
const Param = @import("signature.zig").Param;

pub fn namesLengths(comptime lengths: []const Length, comptime function: []const u8) bool {
    for (lengths) |length| if (std.mem.eql(u8, length.function, function)) return true;
    return false;
}

pub fn paramIndex(params: []const Param, comptime name: []const u8) ?usize {
    for (params, 0..) |param, i| if (std.mem.eql(u8, param.name, name)) return i;
    return null;
}

/// A parameter's name from the sources, or `argN`.
pub fn paramName(comptime source: ?type, comptime function: []const u8, comptime index: usize) []const u8 {
    const fallback = std.fmt.comptimePrint("arg{d}", .{index});
    const info = source orelse return fallback;
    if (!@hasDecl(info.functions, function)) return fallback;
    const params = @field(info.functions, function).params;
    if (index >= params.len or params[index].len == 0) return fallback;
    return params[index];
}

/// A function's doc comment, safe inside a `/** */` comment.
pub fn docOf(comptime source: ?type, comptime function: []const u8) []const u8 {
    const info = source orelse return "";
    if (!@hasDecl(info.functions, function)) return "";
    const doc: []const u8 = @field(info.functions, function).doc;
    var safe: []const u8 = "";
    for (doc, 0..) |c, i| safe = safe ++ (if (c == '/' and i > 0 and doc[i - 1] == '*') "\\/" else &[_]u8{c});
    return safe;
}
