//! Demo exports: a generator per element type, like the seed's
//! `generate_i32_data(size)`, and a checksum that reads memory Deno wrote to.

const std = @import("std");
const zerocopy = @import("zerocopy.zig");
const Buffer = zerocopy.Buffer;
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
pub fn generate(comptime T: type, allocator: *const std.mem.Allocator, len: u64, out: ?*Buffer) Status {
    const buffer = out orelse return .invalid_argument;
    buffer.* = .released;
    const items = zerocopy.allocate(T, allocator, len) catch |err| return zerocopy.statusOf(err);
    for (items, 0..) |*item, i| item.* = pattern(T, i);
    zerocopy.handOverSlice(T, allocator, items, buffer);
    return .ok;
}

fn Generator(comptime tag: zerocopy.ElementType) type {
    return struct {
        fn generateExport(len: u64, out: ?*Buffer) callconv(.c) Status {
            return generate(tag.Type(), zerocopy.default_allocator, len, out);
        }
    };
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

fn zc_checksum(buffer: ?*const Buffer) callconv(.c) u32 {
    return checksum(buffer);
}

/// The allocators a demo buffer can come from, by the number Deno passes.
pub const AllocatorKind = enum(u32) { c = 0, page = 1, debug = 2, smp = 3, arena = 4, _ };

var debug_allocator_state: std.heap.DebugAllocator(.{}) = .init;
const debug_allocator: std.mem.Allocator = debug_allocator_state.allocator();
const page_allocator: std.mem.Allocator = std.heap.page_allocator;
const smp_allocator: std.mem.Allocator = std.heap.smp_allocator;

/// `len` f64 of the pattern from the allocator `kind` names: each buffer
/// carries its own release, so Deno's dispose returns it to the right one.
fn zc_generate_f64_with(kind: u32, len: u64, out: ?*Buffer) callconv(.c) Status {
    return switch (@as(AllocatorKind, @fromBackingInt(@intCast(kind)))) {
        .c => generate(f64, zerocopy.default_allocator, len, out),
        .page => generate(f64, &page_allocator, len, out),
        .debug => generate(f64, &debug_allocator, len, out),
        .smp => generate(f64, &smp_allocator, len, out),
        .arena => generateInArena(len, out),
        _ => .invalid_argument,
    };
}

fn generateInArena(len: u64, out: ?*Buffer) Status {
    const buffer = out orelse return .invalid_argument;
    buffer.* = .released;
    const shared = zerocopy.SharedArena.create(std.heap.c_allocator) catch return .out_of_memory;
    defer shared.done();
    const arena = shared.allocator();
    const items = zerocopy.allocate(f64, &arena, len) catch |err| return zerocopy.statusOf(err);
    for (items, 0..) |*item, i| item.* = pattern(f64, i);
    shared.handOverSlice(f64, items, buffer);
    return .ok;
}

/// `len` f64 appended one by one to an `ArrayList`, handed over with its
/// spare capacity: the view covers `len`, the release frees the capacity.
fn zc_generate_f64_list(len: u64, out: ?*Buffer) callconv(.c) Status {
    const buffer = out orelse return .invalid_argument;
    buffer.* = .released;
    const gpa = zerocopy.default_allocator;
    var list: std.ArrayList(f64) = .empty;
    errdefer list.deinit(gpa.*);
    for (0..len) |i| list.append(gpa.*, pattern(f64, i)) catch {
        list.deinit(gpa.*);
        return .out_of_memory;
    };
    zerocopy.handOverArrayList(f64, gpa, &list, buffer);
    return .ok;
}

/// Sums a Float64Array that Deno lends for the duration of the call.
fn zc_sum_f64(values: ?[*]const f64, len: u32) callconv(.c) f64 {
    const items = (values orelse return 0)[0..len];
    var sum: f64 = 0;
    for (items) |x| sum += x;
    return sum;
}

/// Sleeps `ms`, then sums a buffer's f64: the slow native call behind the
/// nonblocking tests, which must keep the buffer alive until it returns.
fn zc_sum_f64_after(buffer: ?*const Buffer, ms: u32) callconv(.c) f64 {
    const delay: std.c.timespec = .{ .sec = @intCast(ms / 1000), .nsec = @intCast(@as(u64, ms % 1000) * std.time.ns_per_ms) };
    _ = std.c.nanosleep(&delay, null);
    const items = zerocopy.elements(f64, buffer orelse return std.math.nan(f64)) orelse return std.math.nan(f64);
    var sum: f64 = 0;
    for (items) |x| sum += x;
    return sum;
}

/// Takes a buffer Deno gives back, hashes it and frees it: ownership ends here.
fn zc_consume(buffer: ?*Buffer) callconv(.c) u32 {
    var owned = zerocopy.take(buffer orelse return 0);
    defer zerocopy.release(&owned);
    return checksum(&owned);
}

var kept: Buffer = .released;
var kept_lock: std.atomic.Mutex = .unlocked;

/// Takes a buffer Deno gives back and keeps it, releasing whatever it kept before.
fn zc_keep(buffer: ?*Buffer) callconv(.c) Status {
    const given = buffer orelse return .invalid_argument;
    while (!kept_lock.tryLock()) std.atomic.spinLoopHint();
    defer kept_lock.unlock();
    zerocopy.release(&kept);
    kept = zerocopy.take(given);
    return .ok;
}

/// Releases the buffer `zc_keep` holds; returns its length, 0 if none.
fn zc_release_kept() callconv(.c) u32 {
    while (!kept_lock.tryLock()) std.atomic.spinLoopHint();
    defer kept_lock.unlock();
    const len: u32 = @intCast(@min(kept.len, std.math.maxInt(u32)));
    zerocopy.release(&kept);
    return len;
}

/// What a buggy Zig function might put in a descriptor, for the tests that
/// check the host refuses it. The memory behind each is real, allocated here
/// and freed by `releaseBad`, so refusing a bad descriptor leaks nothing.
const BadPointer = enum { null_ptr, misaligned };

/// Hands over `len` f64 whose `ptr` is null or one byte past an aligned
/// allocation; `private` keeps the allocation's real address for the release.
fn handOverBad(comptime bad: BadPointer, len: u64, out: ?*Buffer) Status {
    const buffer = out orelse return .invalid_argument;
    buffer.* = .released;
    const bytes = zerocopy.allocate(f64, zerocopy.default_allocator, len + 1) catch |err| return zerocopy.statusOf(err);
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
    zerocopy.default_allocator.free(base[0 .. buffer.cap + 1]);
}

fn zc_hand_over_null(len: u64, out: ?*Buffer) callconv(.c) Status {
    return handOverBad(.null_ptr, len, out);
}

fn zc_hand_over_misaligned(len: u64, out: ?*Buffer) callconv(.c) Status {
    return handOverBad(.misaligned, len, out);
}

/// Exports the demo functions Deno's tests and examples call.
pub fn exportDemo() void {
    inline for (zerocopy.ElementType.known) |tag| {
        @export(&Generator(tag).generateExport, .{ .name = "zc_generate_" ++ @tagName(tag) });
    }
    @export(&zc_checksum, .{ .name = "zc_checksum" });
    @export(&zc_generate_f64_with, .{ .name = "zc_generate_f64_with" });
    @export(&zc_generate_f64_list, .{ .name = "zc_generate_f64_list" });
    @export(&zc_sum_f64, .{ .name = "zc_sum_f64" });
    @export(&zc_sum_f64_after, .{ .name = "zc_sum_f64_after" });
    @export(&zc_consume, .{ .name = "zc_consume" });
    @export(&zc_keep, .{ .name = "zc_keep" });
    @export(&zc_release_kept, .{ .name = "zc_release_kept" });
    @export(&zc_hand_over_null, .{ .name = "zc_hand_over_null" });
    @export(&zc_hand_over_misaligned, .{ .name = "zc_hand_over_misaligned" });
}

const testing = std.testing;

test "a bad descriptor is counted and released like a good one" {
    const before = zerocopy.stats();
    inline for (.{ zc_hand_over_null, zc_hand_over_misaligned }) |handOverFn| {
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
        var buffer: Buffer = undefined;
        try testing.expectEqual(Status.ok, generate(T, &gpa, 1000, &buffer));
        const items: [*]T = @ptrCast(@alignCast(buffer.ptr.?));
        for (items[0..buffer.len], 0..) |item, i| try testing.expectEqual(pattern(T, i), item);
        try testing.expectEqual(tag, buffer.element_type);
        zerocopy.release(&buffer);
    }
    try testing.expectEqual(@as(u64, 0), zerocopy.stats().live_buffers);
    try testing.expectEqual(@as(u64, 0), zerocopy.stats().live_bytes);
}

test "generate reports overflow and allocation failure as statuses" {
    const gpa = testing.allocator;
    var buffer: Buffer = undefined;
    try testing.expectEqual(Status.size_overflow, generate(u64, &gpa, std.math.maxInt(u64) / 2, &buffer));
    try testing.expectEqual(Buffer.released, buffer);
    const failing = testing.failing_allocator;
    try testing.expectEqual(Status.out_of_memory, generate(u8, &failing, 16, &buffer));
    // Escapes `buffer` so that optimized builds cannot elide the malloc and assume it succeeded.
    const huge = generate(u8, zerocopy.default_allocator, 1 << 62, &buffer);
    std.mem.doNotOptimizeAway(&buffer);
    try testing.expectEqual(Status.out_of_memory, huge);
    try testing.expectEqual(Status.invalid_argument, generate(u8, &gpa, 1, null));
}

test "every allocator kind hands over a buffer that release returns to it" {
    inline for (.{ AllocatorKind.c, AllocatorKind.page, AllocatorKind.debug, AllocatorKind.smp, AllocatorKind.arena }) |kind| {
        var buffer: Buffer = undefined;
        try testing.expectEqual(Status.ok, zc_generate_f64_with(@backingInt(kind), 1000, &buffer));
        try testing.expectEqual(@as(f64, 499.5), zerocopy.elements(f64, &buffer).?[999]);
        zerocopy.release(&buffer);
    }
    try testing.expectEqual(std.heap.Check.ok, debug_allocator_state.deinit());
    debug_allocator_state = .init;
}

test "an ArrayList is handed over with its capacity" {
    var buffer: Buffer = undefined;
    try testing.expectEqual(Status.ok, zc_generate_f64_list(1000, &buffer));
    defer zerocopy.release(&buffer);
    try testing.expectEqual(@as(usize, 1000), buffer.len);
    try testing.expect(buffer.cap > buffer.len);
}

test "consume and keep take ownership of a given-back buffer" {
    var given: Buffer = undefined;
    try testing.expectEqual(Status.ok, generate(u8, zerocopy.default_allocator, 10, &given));
    _ = zc_consume(&given);
    try testing.expectEqual(Buffer.released, given);
    try testing.expectEqual(Status.ok, generate(u8, zerocopy.default_allocator, 10, &given));
    try testing.expectEqual(Status.ok, zc_keep(&given));
    try testing.expectEqual(Buffer.released, given);
    try testing.expectEqual(@as(u32, 10), zc_release_kept());
    try testing.expectEqual(@as(u32, 0), zc_release_kept());
}

test "checksum sees a write into the buffer" {
    const gpa = testing.allocator;
    var buffer: Buffer = undefined;
    try testing.expectEqual(Status.ok, generate(u8, &gpa, 64, &buffer));
    defer zerocopy.release(&buffer);
    const before = checksum(&buffer);
    buffer.ptr.?[10] +%= 1;
    try testing.expect(before != checksum(&buffer));
}
