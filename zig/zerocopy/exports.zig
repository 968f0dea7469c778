//! The C functions every zerocopy library exports, and the helpers that
//! export a namespace of functions under their own names.

const abi = @import("abi.zig");
const arrow = @import("arrow/arrow.zig");
const bindings = @import("bindings.zig");
const checked = @import("checked.zig");
const background_release = @import("background_release.zig");
const handover = @import("handover.zig");
const handed_over = @import("handed_over.zig");
const napi = @import("napi.zig");
const records = @import("records.zig");
const region = @import("region.zig");
const ring = @import("ring.zig");
const transfer = @import("transfer.zig");
const counters = @import("stats.zig");
const Descriptor = abi.Descriptor;
const Stats = abi.Stats;
const Status = abi.Status;

/// Exports every public function of `namespace` under its own name. Keeping
/// exports in a namespace lets `bindings.zig` reflect over them. An export
/// Deno cannot call (no `callconv(.c)`, a slice, a struct by value, an error
/// union) is a compile error here that names it and the fix.
pub fn exportAll(comptime namespace: type) void {
    // Analysing each export's signature at compile time costs branches in proportion to the namespace.
    @setEvalBranchQuota(1_000_000);
    inline for (@typeInfo(namespace).@"struct".decl_names) |name| {
        const decl = @field(namespace, name);
        if (@typeInfo(@TypeOf(decl)) == .@"fn") {
            _ = comptime bindings.analyse(namespace, name, .{}, null);
            @export(&decl, .{ .name = name });
        }
    }
    // The layouts of the records its exports hand over, for the host to check at load.
    if (comptime records.recordTypes(namespace).len > 0)
        @export(&records.LayoutsExport(namespace).zc_record_layouts, .{ .name = "zc_record_layouts" });
}

/// The exports every zerocopy library needs; the TypeScript side refuses a
/// library without them. Call it from a `comptime` block in your root file.
pub fn exportAbi() void {
    exportAll(abi_exports);
    napi.exportEntry();
}

/// The exports every ABI version has: the host reads them first, to check the rest.
pub const probe_exports = struct {
    /// The ABI version this library was built for.
    pub fn zc_abi_version() callconv(.c) u32 {
        return abi.abi_version;
    }

    /// JSON manifest of every shared layout, checked by the host at load time.
    pub fn zc_layout() callconv(.c) [*:0]const u8 {
        return abi.layout_json.ptr;
    }
};

/// The C functions behind `exportAbi`, by their exported names.
pub const abi_exports = struct {
    pub const zc_abi_version = probe_exports.zc_abi_version;
    pub const zc_layout = probe_exports.zc_layout;

    /// 1 when Zig handed over exactly these words and nobody took them back since: they are recorded anew, under the slot now in the descriptor's `flags`, so that no copy made before names them; else 0. What the pointer-view mapping asks before it maps a descriptor.
    pub fn zc_handover_renew(descriptor: ?*Descriptor) callconv(.c) u32 {
        const given = descriptor orelse return 0;
        // Recorded anew before the old record goes, so that the new slot differs from the old.
        var renewed = given.*;
        handed_over.add(&renewed);
        if (renewed.flags == 0) return 0;
        if (!handed_over.take(given)) {
            _ = handed_over.take(&renewed);
            return 0;
        }
        given.* = renewed;
        return 1;
    }

    /// Frees a descriptor's memory once, then zeroes it; null and released descriptors are no-ops, and so is one Zig did not hand over (the checked build aborts on it).
    pub fn zc_release(descriptor: ?*Descriptor) callconv(.c) void {
        const given = descriptor orelse return;
        if (given.release == null) return;
        // Words the host holds: freed only if Zig handed over exactly these and they were not taken since.
        if (!handed_over.take(given)) {
            if (checked.enabled) checked.failWith("release of a descriptor Zig did not hand over or that was released already: a double free, or a descriptor copied or written by the host");
            return;
        }
        handover.releaseTaken(given);
    }

    /// Counters of descriptors handed over and not yet released.
    pub fn zc_stats(out: ?*Stats) callconv(.c) Status {
        (out orelse return .invalid_argument).* = counters.stats();
        return .ok;
    }

    /// Waits up to `timeout_ms` for the release thread to free the big buffers
    /// released before (their release returns before their pages are freed);
    /// returns how many are still queued, 0 once all are freed.
    pub fn zc_release_flush(timeout_ms: u32) callconv(.c) u32 {
        return @intCast(@min(background_release.flush(timeout_ms), std.math.maxInt(u32)));
    }

    /// Zeroed memory from the default allocator, for the host to fill.
    pub fn zc_allocate(element_type: u32, len: u64, out: ?*Descriptor) callconv(.c) Status {
        return handover.allocateAndHandOver(checked.default_allocator, @fromBackingInt(@intCast(element_type)), len, out orelse return .invalid_argument);
    }

    pub const zc_region_create = region.exports.zc_region_create;
    pub const zc_region_reset = region.exports.zc_region_reset;
    pub const zc_ring_create = ring.exports.zc_ring_create;
    pub const zc_ring_acquire = ring.exports.zc_ring_acquire;
    pub const zc_ring_release = ring.exports.zc_ring_release;
    pub const zc_transfer_send = transfer.exports.zc_transfer_send;
    pub const zc_transfer_receive = transfer.exports.zc_transfer_receive;
    pub const zc_arrow_move = arrow.exports.zc_arrow_move;
    pub const zc_address_of = arrow.exports.zc_address_of;
    pub const zc_arrow_lent_release = arrow.exports.zc_arrow_lent_release;
};

const std = @import("std");
const testing = std.testing;

test "zc_stats refuses a null out-parameter" {
    try testing.expectEqual(Status.invalid_argument, abi_exports.zc_stats(null));
    var s: Stats = undefined;
    try testing.expectEqual(Status.ok, abi_exports.zc_stats(&s));
}

test "zc_release ignores null and released descriptors" {
    abi_exports.zc_release(null);
    var descriptor: Descriptor = .released;
    abi_exports.zc_release(&descriptor);
    try testing.expectEqual(Descriptor.released, descriptor);
}

test "zc_allocate hands over zeroed memory and rejects a null out-parameter" {
    try testing.expectEqual(Status.invalid_argument, abi_exports.zc_allocate(@backingInt(abi.ElementType.u8), 4, null));
    var descriptor: Descriptor = undefined;
    try testing.expectEqual(Status.ok, abi_exports.zc_allocate(@backingInt(abi.ElementType.u8), 4, &descriptor));
    try testing.expectEqual(@as(usize, 4), descriptor.len);
    abi_exports.zc_release(&descriptor);
}
