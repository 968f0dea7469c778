//! Parsing `key=value\n` records straight out of a network buffer that Deno
//! read into Zig-owned memory.

const std = @import("std");

/// Sums the values of all complete `key=value\n` records in `bytes`; counts
/// them into `count`. Malformed lines are skipped.
pub fn sumValues(bytes: []const u8, count: *u32) u64 {
    var total: u64 = 0;
    count.* = 0;
    var lines = std.mem.splitScalar(u8, bytes, '\n');
    while (lines.next()) |line| {
        if (lines.index == null) break; // the last piece has no newline: an incomplete record
        const equals = std.mem.indexOfScalar(u8, line, '=') orelse continue;
        total += std.fmt.parseInt(u64, line[equals + 1 ..], 10) catch continue;
        count.* += 1;
    }
    return total;
}

test "sumValues adds complete records and skips the rest" {
    var count: u32 = 0;
    try std.testing.expectEqual(@as(u64, 42), sumValues("a=40\nbad\nb=2\nc=9", &count));
    try std.testing.expectEqual(@as(u32, 2), count);
}
