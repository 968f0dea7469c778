//! Text helpers of the generator: compact JSON laid out as `deno fmt` would,
//! and where a committed file differs from a generated one.

const std = @import("std");

/// Writes compact JSON (keys and numbers only, as `layout_json` is) the way
/// `deno fmt` lays out an object literal: one property per line, trailing commas.
pub fn writeJson(w: *std.Io.Writer, json: []const u8) !void {
    var depth: usize = 0;
    var i: usize = 0;
    while (i < json.len) : (i += 1) {
        switch (json[i]) {
            '{' => {
                depth += 1;
                try w.writeAll(" {\n");
                try w.splatByteAll(' ', depth * 2);
            },
            '}' => {
                depth -= 1;
                try w.writeAll(",\n");
                try w.splatByteAll(' ', depth * 2);
                try w.writeByte('}');
            },
            ',' => {
                try w.writeAll(",\n");
                try w.splatByteAll(' ', depth * 2);
            },
            ':' => try w.writeAll(if (json[i + 1] == '{') ":" else ": "),
            else => try w.writeByte(json[i]),
        }
    }
}

/// Where a committed file first differs from the generated one.
pub const Difference = struct { line: usize, committed: []const u8, generated: []const u8 };

/// The first line where `committed` and `generated` differ, "(end of file)" for a missing one.
pub fn firstDifference(committed: []const u8, generated: []const u8) Difference {
    var old_lines = std.mem.splitScalar(u8, committed, '\n');
    var new_lines = std.mem.splitScalar(u8, generated, '\n');
    var line: usize = 1;
    while (true) : (line += 1) {
        const old = old_lines.next();
        const new = new_lines.next();
        if (old == null and new == null) break;
        if (old == null or new == null or !std.mem.eql(u8, old.?, new.?)) return .{
            .line = line,
            .committed = old orelse "(end of file)",
            .generated = new orelse "(end of file)",
        };
    }
    return .{ .line = line, .committed = "(end of file)", .generated = "(end of file)" };
}

test "firstDifference names the first differing line, or the end of the shorter text" {
    const changed = firstDifference("a\nb\nc\n", "a\nx\nc\n");
    try std.testing.expectEqual(@as(usize, 2), changed.line);
    try std.testing.expectEqualStrings("b", changed.committed);
    try std.testing.expectEqualStrings("x", changed.generated);
    const shorter = firstDifference("a", "a\nb");
    try std.testing.expectEqualStrings("(end of file)", shorter.committed);
}

test "writeJson lays out compact JSON one property per line" {
    var buffer: [256]u8 = undefined;
    var w: std.Io.Writer = .fixed(&buffer);
    try writeJson(&w, "{\"a\":1,\"b\":{\"c\":2}}");
    try std.testing.expectEqualStrings(" {\n  \"a\": 1,\n  \"b\": {\n    \"c\": 2,\n  },\n}", w.buffered());
}
