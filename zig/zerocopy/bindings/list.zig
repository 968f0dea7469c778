//! Lists of items laid out as `deno fmt` would: on one line when they fit,
//! else one item per line.

const std = @import("std");

/// The widest line the generated code has, apart from comments and string
/// literals: `deno fmt`'s default width. Everything that could be longer is
/// written one item per line, a form `deno fmt` keeps at any width, so the
/// output is what `deno fmt` would write whatever a project's `lineWidth`.
const line_width = 80;

/// Items of a list being laid out, rendered into a fixed buffer so their
/// total width is known before one of them is written.
pub const List = struct {
    text: [8192]u8 = undefined,
    used: usize = 0,
    ends: [64]usize = undefined,
    count: usize = 0,

    pub fn add(list: *List, comptime format: []const u8, args: anytype) !void {
        const written = try std.fmt.bufPrint(list.text[list.used..], format, args);
        list.used += written.len;
        list.ends[list.count] = list.used;
        list.count += 1;
    }

    pub fn item(list: *const List, i: usize) []const u8 {
        return list.text[if (i == 0) 0 else list.ends[i - 1]..list.ends[i]];
    }

    /// Writes `head`, the items separated by ", ", then `tail`: on one line when
    /// it fits at `indent`, else one item per line with a trailing comma.
    pub fn write(list: *const List, w: *std.Io.Writer, indent: usize, head: []const u8, tail: []const u8) !void {
        var width = indent + head.len + tail.len;
        for (0..list.count) |i| width += list.item(i).len + @as(usize, if (i > 0) 2 else 0);
        try w.splatByteAll(' ', indent);
        try w.writeAll(head);
        if (width <= line_width or list.count == 0) {
            for (0..list.count) |i| {
                if (i > 0) try w.writeAll(", ");
                try w.writeAll(list.item(i));
            }
        } else {
            try w.writeByte('\n');
            for (0..list.count) |i| {
                try w.splatByteAll(' ', indent + 2);
                try w.print("{s},\n", .{list.item(i)});
            }
            try w.splatByteAll(' ', indent);
        }
        try w.print("{s}\n", .{tail});
    }
};

test "List writes one line when it fits, else one item per line" {
    var buffer: [256]u8 = undefined;
    var w: std.Io.Writer = .fixed(&buffer);
    var short: List = .{};
    try short.add("a", .{});
    try short.add("b", .{});
    try short.write(&w, 2, "f(", ");");
    var long: List = .{};
    const x40 = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    const y40 = "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy";
    try long.add("{s}", .{x40});
    try long.add("{s}", .{y40});
    try long.write(&w, 0, "g(", ");");
    try std.testing.expectEqualStrings("  f(a, b);\ng(\n  " ++ x40 ++ ",\n  " ++ y40 ++ ",\n);\n", w.buffered());
}
