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

/// The header of a captured packet, as a capture parser hands it over: an
/// `extern struct`, so Deno views it through its generated layout.
pub const PacketHeader = extern struct {
    timestamp_ns: u64,
    src_ip: u32,
    dst_ip: u32,
    src_port: u16,
    dst_port: u16,
    length: u16,
    protocol: u8,
    ttl: u8,
};

/// Deterministic headers: packet `i` goes from 10.0.0.i to 10.0.1.i, port 1000 + i to 443.
pub fn fillHeaders(headers: []PacketHeader) void {
    for (headers, 0..) |*header, i| header.* = .{
        .timestamp_ns = 1_700_000_000_000_000_000 + i * 1000,
        .src_ip = 0x0A000000 | @as(u32, @truncate(i & 0xff)),
        .dst_ip = 0x0A000100 | @as(u32, @truncate(i & 0xff)),
        .src_port = @truncate(1000 + i),
        .dst_port = 443,
        .length = @truncate(64 + i % 1400),
        .protocol = 6,
        .ttl = 64,
    };
}

test "sumValues adds complete records and skips the rest" {
    var count: u32 = 0;
    try std.testing.expectEqual(@as(u64, 42), sumValues("a=40\nbad\nb=2\nc=9", &count));
    try std.testing.expectEqual(@as(u32, 2), count);
}
