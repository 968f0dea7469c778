//! `reclaim` where detaching does not finalize. Deno and Bun run an external
//! ArrayBuffer's finalizer inside `napi_detach_arraybuffer`, where `reclaim`
//! catches the descriptor (napi.zig). Node runs it later, so there `reclaim`
//! finds the buffer's owner itself: each ArrayBuffer `wrap` makes carries a
//! type tag naming its `Owned`, which is also kept here by the buffer's
//! address. `reclaim` takes the `Owned` whose tag the ArrayBuffer proves it
//! carries and marks it reclaimed; the finalizer that runs later then frees
//! the `Owned` and releases nothing. A forged or foreign ArrayBuffer carries no
//! such tag, and two buffers at one address (a region's bytes reused) cannot
//! be mistaken for each other.
//!
//! Which hosts need it is measured, not assumed: registration detaches a
//! probe ArrayBuffer and sees whether its finalizer ran meanwhile.

const std = @import("std");
const host = @import("napi_host.zig");
const Owned = @import("napi.zig").Owned;
const Env = host.Env;
const Value = host.Value;
const napi_ok = host.napi_ok;

/// Whether some JavaScript thread of this process detaches without
/// finalizing; set once by a registration's probe, read by `wrap`.
var needed = std.atomic.Value(bool).init(false);

var owners: std.AutoHashMapUnmanaged(usize, *Owned) = .empty;
var lock: std.atomic.Mutex = .unlocked;

fn acquire() void {
    while (!lock.tryLock()) std.atomic.spinLoopHint();
}

/// The tag of the ArrayBuffer over `owned`'s memory: `owned`'s address, and a
/// half no other library shares (the address of `anchor`, in this library).
var anchor: u8 = 0;
fn tagOf(owned: *const Owned) host.TypeTag {
    return .{ .lower = @intFromPtr(owned), .upper = @intFromPtr(&anchor) ^ 0x7265636c61696d00 };
}

var probing = std.atomic.Value(bool).init(false);
var probe_finalized = std.atomic.Value(bool).init(false);

fn probeFinalize(env: Env, data: ?*anyopaque, hint: ?*anyopaque) callconv(.c) void {
    _ = .{ env, data, hint };
    if (probing.load(.acquire)) probe_finalized.store(true, .release);
}

/// Detaches a probe ArrayBuffer on the registering thread: a host whose
/// finalizer did not run meanwhile makes `wrap` register what it wraps.
pub fn probe(env: Env) void {
    if (needed.load(.acquire) or !host.resolveCallApi()) return;
    var result: Value = null;
    if (host.api.napi_create_external_arraybuffer(env, @ptrCast(&anchor), 0, probeFinalize, null, &result) != napi_ok) return;
    probe_finalized.store(false, .release);
    probing.store(true, .release);
    _ = host.api.napi_detach_arraybuffer(env, result);
    probing.store(false, .release);
    if (!probe_finalized.load(.acquire)) needed.store(true, .release);
}

/// Whether `wrap` must register what it wraps here.
pub fn enabled() bool {
    return needed.load(.monotonic);
}

/// Tags `memory` with `owned` and keeps `owned` by `address`, unless another
/// buffer there is registered already (that one alone stays reclaimable).
pub fn register(env: Env, memory: Value, address: usize, owned: *Owned) void {
    const tag = tagOf(owned);
    if (host.call_api.napi_type_tag_object(env, memory, &tag) != napi_ok) return;
    acquire();
    defer lock.unlock();
    const entry = owners.getOrPut(std.heap.c_allocator, address) catch return;
    if (entry.found_existing) return;
    entry.value_ptr.* = owned;
    owned.registered = true;
}

/// The `Owned` of `memory` (an ArrayBuffer at `address`), taken out of the
/// registry and marked reclaimed; null when `memory` carries no tag of the
/// `Owned` registered there, or when its finalizer has run.
pub fn take(env: Env, memory: Value, address: usize) ?*Owned {
    const candidate = blk: {
        acquire();
        defer lock.unlock();
        break :blk owners.get(address) orelse return null;
    };
    const tag = tagOf(candidate);
    var tagged = false;
    if (host.call_api.napi_check_object_type_tag(env, memory, &tag, &tagged) != napi_ok or !tagged) return null;
    acquire();
    defer lock.unlock();
    // The finalizer may have run since on another thread: then it, not this, owns the release.
    const still = owners.get(address) orelse return null;
    if (still != candidate) return null;
    _ = owners.remove(address);
    candidate.registered = false;
    candidate.reclaimed = true;
    return candidate;
}

/// For the finalizer of a registered `owned`: forgets it, and says whether
/// `reclaim` took it (the finalizer then frees `owned` and releases nothing).
pub fn finalized(address: usize, owned: *Owned) bool {
    acquire();
    defer lock.unlock();
    if (owned.registered) {
        if (owners.get(address) == owned) _ = owners.remove(address);
        owned.registered = false;
    }
    return owned.reclaimed;
}

const testing = std.testing;

test "a finalized owner is forgotten; a reclaimed one says so" {
    var owned: Owned = .{ .descriptor = .released };
    {
        acquire();
        defer lock.unlock();
        try owners.put(std.heap.c_allocator, 0x1000, &owned);
        owned.registered = true;
    }
    try testing.expect(!finalized(0x1000, &owned));
    try testing.expect(owners.get(0x1000) == null);
    owned.reclaimed = true;
    try testing.expect(finalized(0x1000, &owned));
}

test "tags differ per owner" {
    var a: Owned = .{ .descriptor = .released };
    var b: Owned = .{ .descriptor = .released };
    try testing.expect(!std.meta.eql(tagOf(&a), tagOf(&b)));
}
