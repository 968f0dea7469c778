//! Counters of the descriptors a library handed over and has not had released,
//! read by the host through `zc_stats` to find leaks.

const std = @import("std");
const Stats = @import("abi.zig").Stats;

var live_buffers = std.atomic.Value(u64).init(0);
var live_bytes = std.atomic.Value(u64).init(0);
var total_handed_over = std.atomic.Value(u64).init(0);
var total_released = std.atomic.Value(u64).init(0);

/// Counts one handover of `bytes` bytes.
pub fn handedOver(bytes: usize) void {
    _ = live_buffers.fetchAdd(1, .monotonic);
    _ = live_bytes.fetchAdd(bytes, .monotonic);
    _ = total_handed_over.fetchAdd(1, .monotonic);
}

/// Counts the release of one handover of `bytes` bytes.
pub fn released(bytes: usize) void {
    _ = live_buffers.fetchSub(1, .monotonic);
    _ = live_bytes.fetchSub(bytes, .monotonic);
    _ = total_released.fetchAdd(1, .monotonic);
}

/// Descriptors and bytes handed over by this library and not yet released.
pub fn stats() Stats {
    const releasing = @import("background_release.zig").releasing();
    return .{
        .releasing_buffers = releasing.buffers,
        .releasing_bytes = releasing.bytes,
        .background_released = releasing.freed,
        .live_buffers = live_buffers.load(.monotonic),
        .live_bytes = live_bytes.load(.monotonic),
        .total_handed_over = total_handed_over.load(.monotonic),
        .total_released = total_released.load(.monotonic),
    };
}

test "a handover and its release leave the live counters where they were" {
    const before = stats();
    handedOver(64);
    try std.testing.expectEqual(before.live_bytes + 64, stats().live_bytes);
    released(64);
    const after = stats();
    try std.testing.expectEqual(before.live_buffers, after.live_buffers);
    try std.testing.expectEqual(before.live_bytes, after.live_bytes);
    try std.testing.expectEqual(before.total_released + 1, after.total_released);
}
