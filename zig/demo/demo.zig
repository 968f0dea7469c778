//! Demo exports of libzerocopy: a generator per element type, a checksum that
//! reads memory Deno wrote to, and the functions the examples and tests use to
//! lend, give back and pin buffers. Hooks that only tests need (bad
//! descriptors, a kept descriptor) live in zig/fixtures/test_hooks.zig.

const std = @import("std");
const zerocopy = @import("../zerocopy/zerocopy.zig");
const demo_arrow = @import("demo_arrow.zig");
const demo_sensors = @import("demo_sensors.zig");
const Descriptor = zerocopy.Descriptor;
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
pub fn checksum(descriptor: ?*const Descriptor) u32 {
    const b = descriptor orelse return 0;
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
    shared.handOverSlice(f64, items, &target.descriptor);
    return .ok;
}

/// Bytes `histogram` counts between two looks at its job.
const histogram_chunk = 1 << 16;

/// Counts each byte value of `bytes` into `bins`, a chunk at a time, pausing
/// `pause_us` per chunk; reports each chunk to `job` and stops when it is cancelled.
fn histogram(bytes: []const u8, pause_us: u32, job: ?*zerocopy.Job, bins: *[256]u64) Status {
    @memset(bins, 0);
    zerocopy.Job.begin(job, bytes.len);
    const io = std.Io.Threaded.global_single_threaded.io();
    var start: usize = 0;
    while (start < bytes.len) : (start += histogram_chunk) {
        if (zerocopy.Job.cancelled(job)) return .cancelled;
        const chunk = bytes[start..@min(start + histogram_chunk, bytes.len)];
        for (chunk) |byte| bins[byte] += 1;
        if (pause_us > 0) io.sleep(.fromMicroseconds(pause_us), .awake) catch {};
        zerocopy.Job.advance(job, chunk.len);
    }
    zerocopy.Job.finish(job);
    return .ok;
}

fn sum(items: []const f64) f64 {
    var total: f64 = 0;
    for (items) |x| total += x;
    return total;
}

const default_allocator = zerocopy.default_allocator;

/// The C functions libzerocopy exports beside the ABI ones, by their exported names.
pub const exports = struct {
    /// Exports Deno calls with `nonblocking: true`, on a worker thread.
    pub const nonblocking = .{ "zc_sum_f64_after", "zc_histogram" };

    pub const zc_arrow_demo_batch = demo_arrow.exports.zc_arrow_demo_batch;
    pub const zc_arrow_demo_scale_f64 = demo_arrow.exports.zc_arrow_demo_scale_f64;
    pub const zc_arrow_demo_sensors = demo_sensors.exports.zc_arrow_demo_sensors;

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
    pub fn zc_checksum(descriptor: ?*const Descriptor) callconv(.c) u32 {
        return checksum(descriptor);
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

    /// Sleeps `ms`, then sums a descriptor's f64: the slow call behind the nonblocking tests.
    pub fn zc_sum_f64_after(descriptor: ?*const Descriptor, ms: u32) callconv(.c) f64 {
        // A C export has no caller to pass an `Io`; the process-wide one sleeps on every OS.
        const io = std.Io.Threaded.global_single_threaded.io();
        io.sleep(.fromMilliseconds(ms), .awake) catch {};
        const items = zerocopy.elements(f64, descriptor orelse return std.math.nan(f64)) orelse return std.math.nan(f64);
        return sum(items);
    }

    /// Counts each byte value of a u8 buffer into 256 u64 bins, reporting progress to
    /// `job` per 64 KiB and stopping when cancelled; `pause_us` slows each chunk down.
    pub fn zc_histogram(descriptor: ?*const Descriptor, pause_us: u32, job: ?*zerocopy.Job, out: ?*Out(u64)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        const bytes = zerocopy.elements(u8, descriptor orelse return .invalid_argument) orelse return .invalid_element_type;
        const bins = zerocopy.allocate(u64, default_allocator, 256) catch |err| return zerocopy.statusOf(err);
        const status = histogram(bytes, pause_us, job, bins[0..256]);
        if (status != .ok) {
            default_allocator.free(bins);
            return status;
        }
        target.handOverSlice(default_allocator, bins);
        return .ok;
    }

    /// Claims a descriptor Deno gives back, hashes its memory and frees it: ownership ends here.
    pub fn zc_consume(descriptor: ?*Descriptor) callconv(.c) u32 {
        var owned = zerocopy.claim(descriptor orelse return 0);
        defer zerocopy.release(&owned);
        return checksum(&owned);
    }
};

comptime {
    // Deno's `demo.generate(type, n)` reaches every element type through these exports.
    for (zerocopy.ElementType.known) |tag| if (!@hasDecl(exports, "zc_generate_" ++ @tagName(tag)))
        @compileError("demo.exports has no zc_generate_" ++ @tagName(tag) ++ "; add one beside the others");
}

const testing = std.testing;

test {
    _ = demo_arrow;
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
        for (zerocopy.elements(T, &out.descriptor).?, 0..) |item, i| try testing.expectEqual(pattern(T, i), item);
        try testing.expectEqual(tag, out.descriptor.element_type);
        zerocopy.release(&out.descriptor);
    }
    try testing.expectEqual(@as(u64, 0), zerocopy.stats().live_buffers);
    try testing.expectEqual(@as(u64, 0), zerocopy.stats().live_bytes);
}

test "generate reports overflow and allocation failure as statuses" {
    const gpa = testing.allocator;
    var out: Out(u64) = undefined;
    try testing.expectEqual(Status.size_overflow, generate(u64, &gpa, std.math.maxInt(u64) / 2, &out));
    try testing.expectEqual(Descriptor.released, out.descriptor);
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
        try testing.expectEqual(@as(f64, 499.5), zerocopy.elements(f64, &out.descriptor).?[999]);
        zerocopy.release(&out.descriptor);
    }
    try testing.expectEqual(std.heap.Check.ok, debug_allocator_state.deinit());
    debug_allocator_state = .init;
}

test "an ArrayList is handed over with its capacity" {
    var out: Out(f64) = undefined;
    try testing.expectEqual(Status.ok, exports.zc_generate_f64_list(1000, &out));
    defer zerocopy.release(&out.descriptor);
    try testing.expectEqual(@as(usize, 1000), out.descriptor.len);
    try testing.expect(out.descriptor.cap > out.descriptor.len);
}

test "consume claims a given-back descriptor and frees it" {
    var given: Out(u8) = undefined;
    try testing.expectEqual(Status.ok, generate(u8, default_allocator, 10, &given));
    const before = zerocopy.stats();
    _ = exports.zc_consume(&given.descriptor);
    try testing.expectEqual(Descriptor.released, given.descriptor);
    try testing.expectEqual(before.live_buffers - 1, zerocopy.stats().live_buffers);
}

test "zc_sum_f64_after sleeps, then sums" {
    var given: Out(f64) = undefined;
    try testing.expectEqual(Status.ok, generate(f64, default_allocator, 4, &given));
    defer zerocopy.release(&given.descriptor);
    try testing.expectEqual(@as(f64, 3), exports.zc_sum_f64_after(&given.descriptor, 1));
}

test "histogram counts every byte, reports its job to the total, and stops when cancelled" {
    var out: Out(u8) = undefined;
    try testing.expectEqual(Status.ok, generate(u8, default_allocator, 300_000, &out));
    defer zerocopy.release(&out.descriptor);
    var job: zerocopy.Job = .{ .done = 0, .total = 0, .cancel = 0, .flags = 0 };
    var bins: Out(u64) = undefined;
    try testing.expectEqual(Status.ok, exports.zc_histogram(&out.descriptor, 0, &job, &bins));
    const counts = zerocopy.elements(u64, &bins.descriptor).?;
    try testing.expectEqual(@as(u64, 1172), counts[0]); // 300000 / 256 rounded up for the first 48 values
    try testing.expectEqual(@as(u64, 1171), counts[255]);
    try testing.expectEqual(@as(u64, 300_000), job.done);
    zerocopy.release(&bins.descriptor);
    job.cancel = 1;
    try testing.expectEqual(Status.cancelled, exports.zc_histogram(&out.descriptor, 0, &job, &bins));
    try testing.expectEqual(Descriptor.released, bins.descriptor);
}

test "checksum sees a write into the buffer" {
    const gpa = testing.allocator;
    var out: Out(u8) = undefined;
    try testing.expectEqual(Status.ok, generate(u8, &gpa, 64, &out));
    defer zerocopy.release(&out.descriptor);
    const before = checksum(&out.descriptor);
    out.descriptor.ptr.?[10] +%= 1;
    try testing.expect(before != checksum(&out.descriptor));
}
