//! `Job`: progress and cancellation for a long export, with no callback. The
//! host owns a small `extern struct` that both sides map; the export bumps
//! `done` and reads `cancel` with atomics while it works on another thread,
//! and the host polls `done` and sets `cancel` from its own thread. Nothing
//! crosses the FFI boundary per step: one call in, one status out.
//!
//! An export takes `job: ?*zerocopy.Job` (null when the caller wants neither
//! progress nor cancellation; every method accepts null) and returns
//! `.cancelled` when `cancelled()` says so:
//!
//!     pub fn histogram(bytes: ?[*]const u8, len: u64, job: ?*zerocopy.Job) callconv(.c) zerocopy.Status {
//!         zerocopy.Job.begin(job, len);
//!         var i: u64 = 0;
//!         while (i < len) : (i += chunk) {
//!             if (zerocopy.Job.cancelled(job)) return .cancelled;
//!             ...work on one chunk...
//!             zerocopy.Job.advance(job, chunk_len);
//!         }
//!         return .ok;
//!     }

const std = @import("std");

/// Shared by the export and the host; the layout is in the ABI manifest, so
/// the TypeScript side reads every offset from it.
pub const Job = extern struct {
    /// Units of work done so far; only grows (`advance`).
    done: u64,
    /// Units of work in all, set by the export when it starts (`begin`); 0 until then.
    total: u64,
    /// Non-zero once the host asks the export to stop.
    cancel: u32,
    /// Reserved for future use; always zero in this ABI version.
    flags: u32,

    /// Says how much work there is; `done` starts from zero.
    pub fn begin(job: ?*Job, total: u64) void {
        const j = job orelse return;
        @atomicStore(u64, &j.done, 0, .release);
        @atomicStore(u64, &j.total, total, .release);
    }

    /// Counts `units` more done. Call it once per chunk (thousands of
    /// elements), not per element: it is an atomic add on a shared cache line.
    pub fn advance(job: ?*Job, units: u64) void {
        const j = job orelse return;
        _ = @atomicRmw(u64, &j.done, .Add, units, .release);
    }

    /// Marks the work complete: `done` becomes `total`, so the host's last
    /// reading ends at the total even when chunks were counted coarsely.
    pub fn finish(job: ?*Job) void {
        const j = job orelse return;
        @atomicStore(u64, &j.done, @atomicLoad(u64, &j.total, .acquire), .release);
    }

    /// Whether the host asked to stop: return `.cancelled` then, with
    /// everything allocated so far freed.
    pub fn cancelled(job: ?*const Job) bool {
        const j = job orelse return false;
        return @atomicLoad(u32, &j.cancel, .acquire) != 0;
    }
};

comptime {
    // The host maps it from an ArrayBuffer and reads `done` and `total` as
    // 64-bit words: fixed size and alignment, no padding.
    std.debug.assert(@sizeOf(Job) == 24 and @alignOf(Job) == 8);
    std.debug.assert(@offsetOf(Job, "done") == 0 and @offsetOf(Job, "total") == 8 and @offsetOf(Job, "cancel") == 16);
}

test "a job counts up to its total and sees the cancel flag" {
    var job: Job = .{ .done = 7, .total = 0, .cancel = 0, .flags = 0 };
    Job.begin(&job, 10);
    try std.testing.expectEqual(@as(u64, 0), job.done);
    Job.advance(&job, 4);
    try std.testing.expect(!Job.cancelled(&job));
    job.cancel = 1;
    try std.testing.expect(Job.cancelled(&job));
    Job.finish(&job);
    try std.testing.expectEqual(@as(u64, 10), job.done);
    // A null job is a caller that wants neither progress nor cancellation.
    Job.begin(null, 1);
    Job.advance(null, 1);
    try std.testing.expect(!Job.cancelled(null));
}
