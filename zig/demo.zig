//! Demo exports of libzerocopy: a generator per element type, like the seed's
//! `generate_i32_data(size)`, a checksum that reads memory Deno wrote to, and
//! the functions the tests use to lend, give back and pin buffers.

const std = @import("std");
const zerocopy = @import("zerocopy.zig");
const Buffer = zerocopy.Buffer;
const Out = zerocopy.Out;
const Status = zerocopy.Status;

/// Element `i` of every generated buffer: `i` wrapped to the integer type, or
/// `i / 2` for floats. Deno computes the same values to check integrity.
pub fn pattern(comptime T: type, i: usize) T {
    return switch (@typeInfo(T)) {
        .int => |int| @bitCast(@as(@Int(.unsigned, int.bits), @truncate(i))),
        .float => @as(T, @floatFromInt(i)) * 0.5,
        else => @compileError("no pattern for " ++ @typeName(T)),
    };
}

/// Allocates `len` elements with `allocator`, fills them with `pattern` and
/// hands them over through `out`. A failure leaves `out` released.
pub fn generate(comptime T: type, allocator: *const std.mem.Allocator, len: u64, out: ?*Out(T)) Status {
    const target = out orelse return .invalid_argument;
    target.clear();
    const items = zerocopy.allocate(T, allocator, len) catch |err| return zerocopy.statusOf(err);
    for (items, 0..) |*item, i| item.* = pattern(T, i);
    target.handOverSlice(allocator, items);
    return .ok;
}

/// FNV-1a over the bytes a descriptor covers. Deno computes the same hash over
/// its view, so a write made in Deno must change what Zig reads here.
pub fn checksum(buffer: ?*const Buffer) u32 {
    const b = buffer orelse return 0;
    const ptr = b.ptr orelse return fnv_offset;
    const bytes = ptr[0 .. b.len * (b.element_type.size() orelse 0)];
    var hash: u32 = fnv_offset;
    for (bytes) |byte| hash = (hash ^ byte) *% 16777619;
    return hash;
}
const fnv_offset: u32 = 2166136261;

/// The allocators a demo buffer can come from, by the number Deno passes.
pub const AllocatorKind = enum(u32) { c = 0, page = 1, debug = 2, smp = 3, arena = 4, _ };

var debug_allocator_state: std.heap.DebugAllocator(.{}) = .init;
const debug_allocator: std.mem.Allocator = debug_allocator_state.allocator();
const page_allocator: std.mem.Allocator = std.heap.page_allocator;
const smp_allocator: std.mem.Allocator = std.heap.smp_allocator;

fn generateInArena(len: u64, out: ?*Out(f64)) Status {
    const target = out orelse return .invalid_argument;
    target.clear();
    const shared = zerocopy.SharedArena.create(std.heap.c_allocator) catch return .out_of_memory;
    defer shared.done();
    const arena = shared.allocator();
    const items = zerocopy.allocate(f64, &arena, len) catch |err| return zerocopy.statusOf(err);
    for (items, 0..) |*item, i| item.* = pattern(f64, i);
    shared.handOverSlice(f64, items, &target.buffer);
    return .ok;
}

fn sum(items: []const f64) f64 {
    var total: f64 = 0;
    for (items) |x| total += x;
    return total;
}

var kept: Buffer = .released;
var kept_lock: std.atomic.Mutex = .unlocked;

fn lockKept() void {
    while (!kept_lock.tryLock()) std.atomic.spinLoopHint();
}

const default_allocator = zerocopy.default_allocator;

/// What a buggy Zig function might put in a descriptor, for the tests that
/// check the host refuses it. The memory behind each is real, allocated here
/// and freed by `releaseBad`, so refusing a bad descriptor leaks nothing.
const BadPointer = enum { null_ptr, misaligned };

/// Hands over `len` f64 whose `ptr` is null or one byte past an aligned
/// allocation; `private` keeps the allocation's real address for the release.
fn handOverBad(comptime bad: BadPointer, len: u64, out: ?*Buffer) Status {
    const buffer = out orelse return .invalid_argument;
    buffer.* = .released;
    const bytes = zerocopy.allocate(f64, default_allocator, len + 1) catch |err| return zerocopy.statusOf(err);
    const base: [*]u8 = @ptrCast(bytes.ptr);
    zerocopy.handOverDescriptor(.{
        .ptr = switch (bad) {
            .null_ptr => null,
            .misaligned => base + 1,
        },
        .len = len,
        .cap = len,
        .release = releaseBad,
        .private = base,
        .element_type = .f64,
        .flags = 0,
    }, buffer);
    return .ok;
}

fn releaseBad(buffer: *Buffer) callconv(.c) void {
    const base: [*]f64 = @ptrCast(@alignCast(buffer.private orelse return));
    default_allocator.free(base[0 .. buffer.cap + 1]);
}

/// The C functions libzerocopy exports beside the ABI ones, by their exported names.
pub const exports = struct {
    /// Exports Deno calls with `nonblocking: true`, on a worker thread.
    pub const nonblocking = .{"zc_sum_f64_after"};

    /// `len` i8 of the demo pattern.
    pub fn zc_generate_i8(len: u64, out: ?*Out(i8)) callconv(.c) Status {
        return generate(i8, default_allocator, len, out);
    }
    /// `len` u8 of the demo pattern.
    pub fn zc_generate_u8(len: u64, out: ?*Out(u8)) callconv(.c) Status {
        return generate(u8, default_allocator, len, out);
    }
    /// `len` i16 of the demo pattern.
    pub fn zc_generate_i16(len: u64, out: ?*Out(i16)) callconv(.c) Status {
        return generate(i16, default_allocator, len, out);
    }
    /// `len` u16 of the demo pattern.
    pub fn zc_generate_u16(len: u64, out: ?*Out(u16)) callconv(.c) Status {
        return generate(u16, default_allocator, len, out);
    }
    /// `len` i32 of the demo pattern.
    pub fn zc_generate_i32(len: u64, out: ?*Out(i32)) callconv(.c) Status {
        return generate(i32, default_allocator, len, out);
    }
    /// `len` u32 of the demo pattern.
    pub fn zc_generate_u32(len: u64, out: ?*Out(u32)) callconv(.c) Status {
        return generate(u32, default_allocator, len, out);
    }
    /// `len` i64 of the demo pattern.
    pub fn zc_generate_i64(len: u64, out: ?*Out(i64)) callconv(.c) Status {
        return generate(i64, default_allocator, len, out);
    }
    /// `len` u64 of the demo pattern.
    pub fn zc_generate_u64(len: u64, out: ?*Out(u64)) callconv(.c) Status {
        return generate(u64, default_allocator, len, out);
    }
    /// `len` f32 of the demo pattern.
    pub fn zc_generate_f32(len: u64, out: ?*Out(f32)) callconv(.c) Status {
        return generate(f32, default_allocator, len, out);
    }
    /// `len` f64 of the demo pattern.
    pub fn zc_generate_f64(len: u64, out: ?*Out(f64)) callconv(.c) Status {
        return generate(f64, default_allocator, len, out);
    }

    /// FNV-1a of the bytes the descriptor covers.
    pub fn zc_checksum(buffer: ?*const Buffer) callconv(.c) u32 {
        return checksum(buffer);
    }

    /// `len` f64 of the pattern from allocator `kind` (0 c, 1 page, 2 debug, 3 smp, 4 arena):
    /// each buffer carries its own release, so dispose returns it to the right allocator.
    pub fn zc_generate_f64_with(kind: u32, len: u64, out: ?*Out(f64)) callconv(.c) Status {
        return switch (@as(AllocatorKind, @fromBackingInt(@intCast(kind)))) {
            .c => generate(f64, default_allocator, len, out),
            .page => generate(f64, &page_allocator, len, out),
            .debug => generate(f64, &debug_allocator, len, out),
            .smp => generate(f64, &smp_allocator, len, out),
            .arena => generateInArena(len, out),
            _ => .invalid_argument,
        };
    }

    /// `len` f64 appended one by one to an ArrayList, handed over with its spare capacity.
    pub fn zc_generate_f64_list(len: u64, out: ?*Out(f64)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        var list: std.ArrayList(f64) = .empty;
        for (0..len) |i| list.append(default_allocator.*, pattern(f64, i)) catch {
            list.deinit(default_allocator.*);
            return .out_of_memory;
        };
        target.handOverArrayList(default_allocator, &list);
        return .ok;
    }

    /// Sums a Float64Array that Deno lends for the duration of the call.
    pub fn zc_sum_f64(values: ?[*]const f64, len: u32) callconv(.c) f64 {
        return sum((values orelse return 0)[0..len]);
    }

    /// Sleeps `ms`, then sums a buffer's f64: the slow call behind the nonblocking tests.
    pub fn zc_sum_f64_after(buffer: ?*const Buffer, ms: u32) callconv(.c) f64 {
        const delay: std.c.timespec = .{ .sec = @intCast(ms / 1000), .nsec = @intCast(@as(u64, ms % 1000) * std.time.ns_per_ms) };
        _ = std.c.nanosleep(&delay, null);
        const items = zerocopy.elements(f64, buffer orelse return std.math.nan(f64)) orelse return std.math.nan(f64);
        return sum(items);
    }

    /// Takes a buffer Deno gives back, hashes it and frees it: ownership ends here.
    pub fn zc_consume(buffer: ?*Buffer) callconv(.c) u32 {
        var owned = zerocopy.take(buffer orelse return 0);
        defer zerocopy.release(&owned);
        return checksum(&owned);
    }

    /// Takes a buffer Deno gives back and keeps it, releasing whatever it kept before.
    pub fn zc_keep(buffer: ?*Buffer) callconv(.c) Status {
        const given = buffer orelse return .invalid_argument;
        lockKept();
        defer kept_lock.unlock();
        zerocopy.release(&kept);
        kept = zerocopy.take(given);
        return .ok;
    }

    /// Hands over `len` f64 with a null `ptr`: a bad descriptor the host must refuse.
    pub fn zc_hand_over_null(len: u64, out: ?*Buffer) callconv(.c) Status {
        return handOverBad(.null_ptr, len, out);
    }

    /// Hands over `len` f64 at a misaligned `ptr`: a bad descriptor the host must refuse.
    pub fn zc_hand_over_misaligned(len: u64, out: ?*Buffer) callconv(.c) Status {
        return handOverBad(.misaligned, len, out);
    }

    /// Releases the buffer `zc_keep` holds; returns its length, 0 if none.
    pub fn zc_release_kept() callconv(.c) u32 {
        lockKept();
        defer kept_lock.unlock();
        const len: u32 = @intCast(@min(kept.len, std.math.maxInt(u32)));
        zerocopy.release(&kept);
        return len;
    }
};

const testing = std.testing;

test "a bad descriptor is counted and released like a good one" {
    const before = zerocopy.stats();
    inline for (.{ exports.zc_hand_over_null, exports.zc_hand_over_misaligned }) |handOverFn| {
        var buffer: Buffer = undefined;
        try testing.expectEqual(Status.ok, handOverFn(16, &buffer));
        try testing.expectEqual(before.live_bytes + 16 * 8, zerocopy.stats().live_bytes);
        zerocopy.release(&buffer);
    }
    try testing.expectEqual(before.live_buffers, zerocopy.stats().live_buffers);
    try testing.expectEqual(before.live_bytes, zerocopy.stats().live_bytes);
}

test "pattern wraps integers and halves floats" {
    try testing.expectEqual(@as(i8, -56), pattern(i8, 200));
    try testing.expectEqual(@as(u16, 4), pattern(u16, 65540));
    try testing.expectEqual(@as(f32, 1.5), pattern(f32, 3));
}

test "generate fills every element type and hands it over" {
    const gpa = testing.allocator;
    inline for (zerocopy.ElementType.known) |tag| {
        const T = tag.Type();
        var out: Out(T) = undefined;
        try testing.expectEqual(Status.ok, generate(T, &gpa, 1000, &out));
        for (zerocopy.elements(T, &out.buffer).?, 0..) |item, i| try testing.expectEqual(pattern(T, i), item);
        try testing.expectEqual(tag, out.buffer.element_type);
        zerocopy.release(&out.buffer);
    }
    try testing.expectEqual(@as(u64, 0), zerocopy.stats().live_buffers);
    try testing.expectEqual(@as(u64, 0), zerocopy.stats().live_bytes);
}

test "generate reports overflow and allocation failure as statuses" {
    const gpa = testing.allocator;
    var out: Out(u64) = undefined;
    try testing.expectEqual(Status.size_overflow, generate(u64, &gpa, std.math.maxInt(u64) / 2, &out));
    try testing.expectEqual(Buffer.released, out.buffer);
    const failing = testing.failing_allocator;
    var bytes: Out(u8) = undefined;
    try testing.expectEqual(Status.out_of_memory, generate(u8, &failing, 16, &bytes));
    // Escapes `bytes` so that optimized builds cannot elide the malloc and assume it succeeded.
    const huge = generate(u8, zerocopy.default_allocator, 1 << 62, &bytes);
    std.mem.doNotOptimizeAway(&bytes);
    try testing.expectEqual(Status.out_of_memory, huge);
    try testing.expectEqual(Status.invalid_argument, generate(u8, &gpa, 1, null));
}

test "every allocator kind hands over a buffer that release returns to it" {
    inline for (.{ AllocatorKind.c, AllocatorKind.page, AllocatorKind.debug, AllocatorKind.smp, AllocatorKind.arena }) |kind| {
        var out: Out(f64) = undefined;
        try testing.expectEqual(Status.ok, exports.zc_generate_f64_with(@backingInt(kind), 1000, &out));
        try testing.expectEqual(@as(f64, 499.5), zerocopy.elements(f64, &out.buffer).?[999]);
        zerocopy.release(&out.buffer);
    }
    try testing.expectEqual(std.heap.Check.ok, debug_allocator_state.deinit());
    debug_allocator_state = .init;
}

test "an ArrayList is handed over with its capacity" {
    var out: Out(f64) = undefined;
    try testing.expectEqual(Status.ok, exports.zc_generate_f64_list(1000, &out));
    defer zerocopy.release(&out.buffer);
    try testing.expectEqual(@as(usize, 1000), out.buffer.len);
    try testing.expect(out.buffer.cap > out.buffer.len);
}

test "consume and keep take ownership of a given-back buffer" {
    var given: Out(u8) = undefined;
    try testing.expectEqual(Status.ok, generate(u8, default_allocator, 10, &given));
    _ = exports.zc_consume(&given.buffer);
    try testing.expectEqual(Buffer.released, given.buffer);
    try testing.expectEqual(Status.ok, generate(u8, default_allocator, 10, &given));
    try testing.expectEqual(Status.ok, exports.zc_keep(&given.buffer));
    try testing.expectEqual(Buffer.released, given.buffer);
    try testing.expectEqual(@as(u32, 10), exports.zc_release_kept());
    try testing.expectEqual(@as(u32, 0), exports.zc_release_kept());
}

test "checksum sees a write into the buffer" {
    const gpa = testing.allocator;
    var out: Out(u8) = undefined;
    try testing.expectEqual(Status.ok, generate(u8, &gpa, 64, &out));
    defer zerocopy.release(&out.buffer);
    const before = checksum(&out.buffer);
    out.buffer.ptr.?[10] +%= 1;
    try testing.expect(before != checksum(&out.buffer));
}
