//! The library the benchmarks open (`zig build bench-lib`): a Zig author's
//! library built on the `zerocopy` module, exporting what each measured
//! approach needs and nothing else.
//!
//! Sizes cross the boundary as KiB in a `u32`, never as `usize`: a `u64`
//! parameter takes Deno's slow FFI path and would hide the cost being measured.

const std = @import("std");
pub const zerocopy = @import("zerocopy");
const Descriptor = zerocopy.Descriptor;
const Status = zerocopy.Status;
const arrow_ipc = @import("arrow_ipc.zig");

comptime {
    zerocopy.exportAbi();
    zerocopy.exportAll(exports);
}

/// What `zig build bindings` writes to bench/_bench_symbols.ts.
pub const bindings: zerocopy.bindings.Spec = .{
    .source = "bench/zig/bench_lib.zig",
    .groups = &.{.{ .name = "benchSymbols", .exports = exports }},
    .import_from = "../mod.ts",
    .wrappers = false,
};

/// One size class of pre-filled f64 buffers: handing one over lends an
/// existing buffer, so neither allocation nor fill is part of the handover.
const Pool = struct {
    slots: []Slot = &.{},

    const Slot = struct {
        memory: []f64,
        in_use: bool = false,
    };
};

/// Size classes the benchmarks prepare, by the index Deno passes.
const max_pools = 16;
var pools: [max_pools]Pool = @splat(.{});

/// Fills each buffer the way zig/demo/demo.zig's generators do (element `i` is `i / 2`),
/// so the serializer has realistic numbers to print.
fn fillPattern(memory: []f64) void {
    for (memory, 0..) |*item, i| item.* = @as(f64, @floatFromInt(i)) * 0.5;
}

/// Allocates and fills `count` buffers of `kib` KiB for size class `pool`,
/// replacing what it held. Out of memory leaves the class empty, so the
/// benchmarks can skip a size this machine cannot hold.
fn bench_pool_prepare(pool: u32, kib: u32, count: u32) callconv(.c) Status {
    if (pool >= max_pools or count == 0) return .invalid_argument;
    freePool(pool);
    const gpa = std.heap.page_allocator;
    const slots = gpa.alloc(Pool.Slot, count) catch return .out_of_memory;
    const len = @as(usize, kib) * 1024 / @sizeOf(f64);
    for (slots, 0..) |*slot, i| {
        const memory = gpa.alloc(f64, len) catch {
            for (slots[0..i]) |prepared| gpa.free(prepared.memory);
            gpa.free(slots);
            return .out_of_memory;
        };
        fillPattern(memory);
        slot.* = .{ .memory = memory };
    }
    pools[pool] = .{ .slots = slots };
    return .ok;
}

/// Gives size class `pool`'s memory back to the system; buffers still handed
/// over must be released first, so this refuses while any is in use.
fn bench_pool_free(pool: u32) callconv(.c) Status {
    if (pool >= max_pools) return .invalid_argument;
    for (pools[pool].slots) |slot| if (slot.in_use) return .invalid_argument;
    freePool(pool);
    return .ok;
}

fn freePool(pool: u32) void {
    const gpa = std.heap.page_allocator;
    for (pools[pool].slots) |slot| gpa.free(slot.memory);
    if (pools[pool].slots.len > 0) gpa.free(pools[pool].slots);
    pools[pool] = .{};
}

/// The measured handover: hands over a free pre-filled buffer of size class
/// `pool`; its release puts it back in the pool, so nothing is allocated,
/// filled or freed per handover.
fn bench_hand_over(pool: u32, out: ?*Descriptor) callconv(.c) Status {
    const descriptor = out orelse return .invalid_argument;
    descriptor.* = .released;
    if (pool >= max_pools) return .invalid_argument;
    for (pools[pool].slots) |*slot| {
        if (slot.in_use) continue;
        slot.in_use = true;
        const memory = slot.memory;
        zerocopy.handOver(f64, memory.ptr, memory.len, memory.len, returnToPool, slot, descriptor);
        return .ok;
    }
    return .out_of_memory;
}

fn returnToPool(descriptor: *Descriptor) callconv(.c) void {
    const slot: *Pool.Slot = @ptrCast(@alignCast(descriptor.private orelse return));
    slot.in_use = false;
}

/// The first buffer of size class `pool`, for the approaches that map or copy
/// an existing pointer without a handover (the raw Deno path, copies, Bun's
/// `toArrayBuffer`); null for an empty class.
fn bench_pool_address(pool: u32) callconv(.c) ?[*]f64 {
    if (pool >= max_pools or pools[pool].slots.len == 0) return null;
    return pools[pool].slots[0].memory.ptr;
}

/// The floor: an FFI call with `bench_hand_over`'s argument types that does nothing.
fn bench_floor(pool: u32, out: ?*Descriptor) callconv(.c) Status {
    _ = pool;
    _ = out;
    return .ok;
}

/// The whole path end to end: allocates `kib` KiB of f64 with the
/// C allocator, fills them and hands them over; dispose frees them.
fn bench_fill_and_hand_over(kib: u32, out: ?*Descriptor) callconv(.c) Status {
    const descriptor = out orelse return .invalid_argument;
    descriptor.* = .released;
    const allocator = zerocopy.default_allocator;
    const len = @as(usize, kib) * 1024 / @sizeOf(f64);
    const memory = zerocopy.allocate(f64, allocator, len) catch |err| return zerocopy.statusOf(err);
    fillPattern(memory);
    zerocopy.handOverSlice(f64, allocator, memory, descriptor);
    return .ok;
}

/// The serialization approach: prints the f64 of pool `pool`'s first buffer
/// as a JSON array and hands the text over as u8, for Deno to decode and parse.
fn bench_to_json(pool: u32, out: ?*Descriptor) callconv(.c) Status {
    const descriptor = out orelse return .invalid_argument;
    descriptor.* = .released;
    if (pool >= max_pools or pools[pool].slots.len == 0) return .invalid_argument;
    const values = pools[pool].slots[0].memory;
    const allocator = zerocopy.default_allocator;
    // 24 bytes hold any shortest round-trip f64 and its comma: one allocation.
    var text = std.Io.Writer.Allocating.initCapacity(allocator.*, values.len * 24 + 2) catch return .out_of_memory;
    writeJsonArray(&text.writer, values) catch {
        text.deinit();
        return .out_of_memory;
    };
    var list = text.toArrayList();
    zerocopy.handOverArrayList(u8, allocator, &list, descriptor);
    return .ok;
}

fn writeJsonArray(writer: *std.Io.Writer, values: []const f64) std.Io.Writer.Error!void {
    try writer.writeByte('[');
    for (values, 0..) |value, i| {
        if (i > 0) try writer.writeByte(',');
        try writer.print("{d}", .{value});
    }
    try writer.writeByte(']');
}

/// The lending approach: sums a Float64Array Deno lends for the call, with
/// SIMD and independent accumulators so the loop runs at memory speed.
fn bench_sum_f64(values: ?[*]const f64, len: u32) callconv(.c) f64 {
    const items = (values orelse return 0)[0..len];
    return sumF64(items);
}

const lanes = std.simd.suggestVectorLength(f64) orelse 4;
const F64s = @Vector(lanes, f64);
const U64s = @Vector(lanes, u64);
/// Independent accumulators hide the latency of a floating-point add.
const accumulators = 4;

fn sumF64(items: []const f64) f64 {
    const block = lanes * accumulators;
    var sums: [accumulators]F64s = @splat(@splat(0));
    var i: usize = 0;
    while (i + block <= items.len) : (i += block) {
        inline for (&sums, 0..) |*sum, a| {
            sum.* += @as(F64s, items[i + a * lanes ..][0..lanes].*);
        }
    }
    var total: f64 = 0;
    inline for (sums) |sum| total += @reduce(.Add, sum);
    for (items[i..]) |x| total += x;
    return total;
}

/// The memory-read floor for lending: adds the same bytes as u64 words, which
/// costs no more than loading them; returns the low 32 bits so the loads stay.
fn bench_read_floor(values: ?[*]const u64, len: u32) callconv(.c) u32 {
    const words = (values orelse return 0)[0..len];
    return @truncate(sumWords(words));
}

fn sumWords(words: []const u64) u64 {
    const block = lanes * accumulators;
    var sums: [accumulators]U64s = @splat(@splat(0));
    var i: usize = 0;
    while (i + block <= words.len) : (i += block) {
        inline for (&sums, 0..) |*sum, a| {
            sum.* +%= @as(U64s, words[i + a * lanes ..][0..lanes].*);
        }
    }
    var total: u64 = 0;
    inline for (sums) |sum| total +%= @reduce(.Add, sum);
    for (words[i..]) |x| total +%= x;
    return total;
}

/// The pooled path: per size class, one region of equal slots, handed over
/// (and mapped by Deno) once; a handover is then a fast call that claims a
/// slot and returns its element offset, and a release is a fast call that puts
/// it back. Views of released slots stay readable until the region itself is
/// disposed: that is the price of revoking per region instead of per buffer.
const Region = struct {
    memory: []f64 = &.{},
    slot_len: usize = 0,
    free_slots: []u32 = &.{},
    free_count: usize = 0,
};
var regions: [max_pools]Region = @splat(.{});

/// Allocates and fills size class `pool`'s region of `count` slots of `kib` KiB.
fn bench_region_prepare(pool: u32, kib: u32, count: u32) callconv(.c) Status {
    if (pool >= max_pools or count == 0) return .invalid_argument;
    freeRegion(pool);
    const gpa = std.heap.page_allocator;
    const slot_len = @as(usize, kib) * 1024 / @sizeOf(f64);
    const memory = gpa.alloc(f64, slot_len * count) catch return .out_of_memory;
    const free_slots = gpa.alloc(u32, count) catch {
        gpa.free(memory);
        return .out_of_memory;
    };
    fillPattern(memory);
    for (free_slots, 0..) |*slot, i| slot.* = @intCast(count - 1 - i);
    regions[pool] = .{ .memory = memory, .slot_len = slot_len, .free_slots = free_slots, .free_count = count };
    return .ok;
}

fn freeRegion(pool: u32) void {
    const gpa = std.heap.page_allocator;
    const region = &regions[pool];
    if (region.memory.len > 0) gpa.free(region.memory);
    if (region.free_slots.len > 0) gpa.free(region.free_slots);
    region.* = .{};
}

/// Hands size class `pool`'s whole region over once; its release does nothing,
/// because `bench_region_free` owns the memory.
fn bench_region_hand_over(pool: u32, out: ?*Descriptor) callconv(.c) Status {
    const descriptor = out orelse return .invalid_argument;
    if (pool >= max_pools) return .invalid_argument;
    const memory = regions[pool].memory;
    zerocopy.handOver(f64, memory.ptr, memory.len, memory.len, keepRegion, null, descriptor);
    return .ok;
}

fn keepRegion(_: *Descriptor) callconv(.c) void {}

/// Claims a free slot of `pool`'s region: its first element's offset, or -1 when all are taken.
fn bench_region_take(pool: u32) callconv(.c) f64 {
    const region = &regions[pool % max_pools];
    if (region.free_count == 0) return -1;
    region.free_count -= 1;
    return @floatFromInt(@as(usize, region.free_slots[region.free_count]) * region.slot_len);
}

/// Puts back the slot of `pool`'s region that starts at element `offset`.
fn bench_region_put(pool: u32, offset: f64) callconv(.c) void {
    const region = &regions[pool % max_pools];
    if (region.slot_len == 0 or region.free_count == region.free_slots.len) return;
    region.free_slots[region.free_count] = @intFromFloat(offset / @as(f64, @floatFromInt(region.slot_len)));
    region.free_count += 1;
}

/// Frees size class `pool`'s region; dispose the buffer that maps it first.
fn bench_region_free(pool: u32) callconv(.c) void {
    if (pool < max_pools) freeRegion(pool);
}

/// The public region API, as a Zig author uses it: hands over `kib` KiB of
/// f64 carved from the region `out` names, without writing them; when the
/// region is full it starts again from its start, so any number of calls fit.
fn bench_region_slice(kib: u32, out: ?*zerocopy.RegionOut(f64)) callconv(.c) Status {
    const target = out orelse return .invalid_argument;
    const len = @as(usize, kib) * 1024 / @sizeOf(f64);
    _ = target.allocCycling(len) catch |err| return zerocopy.region.statusOf(err);
    return .ok;
}

/// A batch: `count` slices of `kib` KiB of f64 from the start of the region
/// `out` names, handed over in one call, unwritten.
fn bench_region_batch(count: u32, kib: u32, out: ?*zerocopy.BatchOut(f64)) callconv(.c) Status {
    const target = out orelse return .invalid_argument;
    (target.owningRegion() catch return .invalid_argument).reset();
    const len = @as(usize, kib) * 1024 / @sizeOf(f64);
    for (0..count) |_| _ = target.alloc(len) catch |err| return zerocopy.region.statusOf(err);
    return .ok;
}

/// The public ring API: acquires the next free slot of the ring `out` names,
/// writes `sequence` into its first four bytes (what a producer stamps on a
/// packet or frame) and hands the whole slot over.
fn bench_ring_next(sequence: u32, out: ?*zerocopy.RingOut(u8)) callconv(.c) Status {
    const target = out orelse return .invalid_argument;
    const slot = target.acquire() catch |err| return zerocopy.region.statusOf(err);
    if (slot.len >= 4) std.mem.writeInt(u32, slot[0..4], sequence, .little);
    target.handOver(slot.len);
    return .ok;
}

/// Every export, by its C name: what `exportAll` exports and `zig build bindings`
/// writes to bench/_bench_symbols.ts.
pub const exports = struct {
    pub const bench_region_prepare = root.bench_region_prepare;
    pub const bench_region_hand_over = root.bench_region_hand_over;
    pub const bench_region_take = root.bench_region_take;
    pub const bench_region_put = root.bench_region_put;
    pub const bench_region_free = root.bench_region_free;
    pub const bench_pool_prepare = root.bench_pool_prepare;
    pub const bench_pool_free = root.bench_pool_free;
    pub const bench_hand_over = root.bench_hand_over;
    pub const bench_pool_address = root.bench_pool_address;
    pub const bench_floor = root.bench_floor;
    pub const bench_fill_and_hand_over = root.bench_fill_and_hand_over;
    pub const bench_to_json = root.bench_to_json;
    pub const bench_sum_f64 = root.bench_sum_f64;
    pub const bench_read_floor = root.bench_read_floor;
    pub const bench_region_slice = root.bench_region_slice;
    pub const bench_region_batch = root.bench_region_batch;
    pub const bench_ring_next = root.bench_ring_next;
    pub const bench_arrow_prepare = root.bench_arrow_prepare;
    pub const bench_arrow_lend = root.bench_arrow_lend;
    pub const bench_arrow_ipc = root.bench_arrow_ipc;
    pub const bench_arrow_free = root.bench_arrow_free;
};

/// Produces, in place, the 10-column batch of `rows` rows (five f64, five
/// i32 columns; row `i` of column pair `k` holds `i + k`, halved for f64) that
/// `bench_arrow_lend` and `bench_arrow_ipc` hand over, replacing the last.
fn bench_arrow_prepare(rows: u64) callconv(.c) Status {
    return arrow_ipc.prepare(rows);
}

/// Hands over the prepared batch itself (no copy); its release only marks it
/// free, so one handover is lent at a time.
fn bench_arrow_lend(out: ?*Descriptor) callconv(.c) Status {
    return arrow_ipc.lend(out orelse return .invalid_argument);
}

/// Writes the prepared batch's columns as an Arrow IPC stream (schema, one
/// record batch, end of stream) into a new allocation and hands it over.
fn bench_arrow_ipc(out: ?*zerocopy.Out(u8)) callconv(.c) Status {
    return arrow_ipc.handOverIpc(out orelse return .invalid_argument);
}

/// Frees the prepared batch (refused while it is lent).
fn bench_arrow_free() callconv(.c) Status {
    return arrow_ipc.free();
}

const root = @This();

const testing = std.testing;

test {
    _ = arrow_ipc;
}

test "a pooled buffer goes back to its pool on release, neither freed nor refilled" {
    try testing.expectEqual(Status.ok, bench_pool_prepare(0, 8, 1));
    defer _ = bench_pool_free(0);
    var first: Descriptor = undefined;
    try testing.expectEqual(Status.ok, bench_hand_over(0, &first));
    var second: Descriptor = undefined;
    try testing.expectEqual(Status.out_of_memory, bench_hand_over(0, &second));
    try testing.expectEqual(Status.invalid_argument, bench_pool_free(0));
    const ptr = first.ptr;
    try testing.expectEqual(@as(?[*]f64, @ptrCast(@alignCast(ptr))), bench_pool_address(0));
    zerocopy.release(&first);
    try testing.expectEqual(Status.ok, bench_hand_over(0, &second));
    try testing.expectEqual(ptr, second.ptr);
    try testing.expectEqual(@as(usize, 1024), second.len);
    zerocopy.release(&second);
}

test "the SIMD sums agree with a plain loop, tail included" {
    var values: [1001]f64 = undefined;
    fillPattern(&values);
    var expected: f64 = 0;
    for (values) |x| expected += x;
    try testing.expectEqual(expected, bench_sum_f64(&values, values.len));
    const words = [_]u64{ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 };
    try testing.expectEqual(@as(u32, 153), bench_read_floor(&words, words.len));
}

test "the JSON text parses back to the pool's numbers" {
    try testing.expectEqual(Status.ok, bench_pool_prepare(1, 1, 1));
    defer _ = bench_pool_free(1);
    var text: Descriptor = undefined;
    try testing.expectEqual(Status.ok, bench_to_json(1, &text));
    defer zerocopy.release(&text);
    const json = zerocopy.elements(u8, &text).?;
    try testing.expect(std.mem.startsWith(u8, json, "[0,0.5,1,1.5,2,"));
    try testing.expect(std.mem.endsWith(u8, json, ",63.5]"));
}

test "a region hands out each slot once until it is put back" {
    try std.testing.expectEqual(Status.ok, bench_region_prepare(0, 8, 2));
    defer bench_region_free(0);
    const first = bench_region_take(0);
    const second = bench_region_take(0);
    try std.testing.expect(first != second);
    try std.testing.expectEqual(@as(f64, -1), bench_region_take(0));
    bench_region_put(0, first);
    try std.testing.expectEqual(first, bench_region_take(0));
}

test "the region producer starts again from the region's start when it is full" {
    var descriptor: Descriptor = undefined;
    try testing.expectEqual(Status.ok, zerocopy.region.exports.zc_region_create(16 * 1024, &descriptor));
    defer zerocopy.release(&descriptor);
    var out: zerocopy.RegionOut(f64) = .{ .slice = std.mem.zeroes(zerocopy.abi.SliceOut) };
    out.slice.owner = zerocopy.region.handleOf(&descriptor);
    for ([_]u64{ 0, 8192, 0, 8192 }) |offset| {
        try testing.expectEqual(Status.ok, bench_region_slice(8, &out));
        try testing.expectEqual(offset, out.slice.offset);
    }
}

test "the ring producer stamps each slot with its sequence number" {
    var descriptor: Descriptor = undefined;
    try testing.expectEqual(Status.ok, zerocopy.ring.exports.zc_ring_create(2, 8192, &descriptor));
    defer zerocopy.release(&descriptor);
    var out: zerocopy.RingOut(u8) = .{ .slice = std.mem.zeroes(zerocopy.abi.SliceOut) };
    out.slice.owner = zerocopy.region.handleOf(&descriptor);
    try testing.expectEqual(Status.ok, bench_ring_next(7, &out));
    const slot = descriptor.ptr.?[out.slice.offset..][0..4];
    try testing.expectEqual(@as(u32, 7), std.mem.readInt(u32, slot, .little));
}
