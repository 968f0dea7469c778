//! The benchmark's Arrow batch and "the usual way" to hand it to Deno: an
//! Arrow IPC stream (a Schema message, one RecordBatch message, end of
//! stream) written from the columns Zig has, which Deno reads with
//! `tableFromIPC`. Bench-only: it writes int32 and float64 columns without
//! nulls, enough for bench/arrow_bench.ts, with the flatbuffers encoded here
//! by hand (Message.fbs, Schema.fbs of the Arrow format, metadata version 5).

const std = @import("std");
const zerocopy = @import("zerocopy");
const arrow = zerocopy.arrow;

/// Five f64 columns, then five i32 columns.
pub const bench_columns = blk: {
    var specs: [10]arrow.builder.Spec = undefined;
    for (&specs, 0..) |*spec, k| {
        spec.* = .{ .name = std.fmt.comptimePrint("c{d}", .{k}), .type = if (k < 5) .f64 else .i32 };
    }
    break :blk specs;
};

/// Row `i` of column pair `k`: `i + k`, halved for the f64 column.
pub fn fillColumns(k: usize, floats: []f64, ints: []i32) void {
    for (floats, ints, 0..) |*x, *y, i| {
        x.* = @as(f64, @floatFromInt(i + k)) * 0.5;
        y.* = @intCast((i + k) % (1 << 30));
    }
}

/// A flatbuffer written front to back into a fixed buffer: every object is
/// written before the objects it points to, whose offsets are patched in
/// once they are written (flatbuffer offsets only point forward).
const Flatbuffer = struct {
    bytes: [8192]u8 = undefined,
    len: usize = 0,

    /// A table field: a scalar of `size` bytes, or (`size` 4, `offset`) a
    /// reference patched later. Size 0 leaves the field out.
    const Slot = struct { size: u8 = 0, value: u64 = 0, offset: bool = false };

    fn pad(fb: *Flatbuffer, alignment: usize) void {
        while (fb.len % alignment != 0) fb.put(u8, 0);
    }

    fn put(fb: *Flatbuffer, comptime T: type, value: T) void {
        std.mem.writeInt(T, fb.bytes[fb.len..][0..@sizeOf(T)], value, .little);
        fb.len += @sizeOf(T);
    }

    /// Points the offset at `at` to `target`.
    fn patch(fb: *Flatbuffer, at: usize, target: usize) void {
        std.mem.writeInt(u32, fb.bytes[at..][0..4], @intCast(target - at), .little);
    }

    fn Table(comptime n: usize) type {
        return struct { start: usize, at: [n]usize };
    }

    /// Writes a vtable and its table; returns where the table starts and each field is.
    fn table(fb: *Flatbuffer, comptime n: usize, slots: [n]Slot) Table(n) {
        var field_at: [n]usize = @splat(0);
        var size: usize = 4;
        for ([_]u8{ 8, 4, 2, 1 }) |width| {
            for (slots, 0..) |slot, i| if (slot.size == width) {
                size = std.mem.alignForward(usize, size, width);
                field_at[i] = size;
                size += width;
            };
        }
        fb.pad(2);
        const vtable = fb.len;
        fb.put(u16, @intCast(4 + 2 * n));
        fb.put(u16, @intCast(size));
        for (field_at) |at| fb.put(u16, @intCast(at));
        fb.pad(8);
        const start = fb.len;
        @memset(fb.bytes[start..][0..size], 0);
        std.mem.writeInt(i32, fb.bytes[start..][0..4], @intCast(start - vtable), .little);
        for (slots, &field_at) |slot, *at| {
            if (slot.size == 0) continue;
            const where = fb.bytes[start + at.* ..];
            switch (slot.size) {
                1 => where[0] = @intCast(slot.value),
                2 => std.mem.writeInt(u16, where[0..2], @intCast(slot.value), .little),
                4 => std.mem.writeInt(u32, where[0..4], @intCast(slot.value), .little),
                8 => std.mem.writeInt(u64, where[0..8], slot.value, .little),
                else => unreachable,
            }
            at.* += start;
        }
        fb.len = start + size;
        return .{ .start = start, .at = field_at };
    }

    fn string(fb: *Flatbuffer, text: []const u8) usize {
        fb.pad(4);
        const at = fb.len;
        fb.put(u32, @intCast(text.len));
        @memcpy(fb.bytes[fb.len..][0..text.len], text);
        fb.len += text.len;
        fb.put(u8, 0);
        return at;
    }

    /// A vector of `count` offsets; returns where it starts (the first offset is 4 bytes in).
    fn offsets(fb: *Flatbuffer, count: usize) usize {
        fb.pad(4);
        const at = fb.len;
        fb.put(u32, @intCast(count));
        for (0..count) |_| fb.put(u32, 0);
        return at;
    }

    /// A vector of structs of two i64 each (FieldNode, Buffer).
    fn pairs(fb: *Flatbuffer, items: []const [2]u64) usize {
        while ((fb.len + 4) % 8 != 0) fb.put(u8, 0);
        const at = fb.len;
        fb.put(u32, @intCast(items.len));
        for (items) |pair| {
            fb.put(u64, pair[0]);
            fb.put(u64, pair[1]);
        }
        return at;
    }
};

const header_schema = 1;
const header_record_batch = 3;
const type_int = 2;
const type_floating_point = 3;

/// One column of the stream: its name, and its values as bytes.
pub const IpcColumn = struct { name: []const u8, float64: bool, values: []const u8 };

/// A Message table as the root, with its header (of union type
/// `header_type`) to patch in; returns where that offset is.
fn messageRoot(fb: *Flatbuffer, header_type: u8, body_length: u64) usize {
    fb.put(u32, 0);
    const message = fb.table(4, .{
        .{ .size = 2, .value = 4 }, // version: V5
        .{ .size = 1, .value = header_type },
        .{ .size = 4, .offset = true },
        .{ .size = 8, .value = body_length },
    });
    fb.patch(0, message.start);
    return message.at[2];
}

fn schemaMessage(fb: *Flatbuffer, columns: []const IpcColumn) void {
    const header = messageRoot(fb, header_schema, 0);
    const schema = fb.table(2, .{ .{ .size = 2, .value = 0 }, .{ .size = 4, .offset = true } }); // little-endian, fields
    fb.patch(header, schema.start);
    const fields = fb.offsets(columns.len);
    fb.patch(schema.at[1], fields);
    for (columns, 0..) |column, i| {
        const field = fb.table(6, .{
            .{ .size = 4, .offset = true }, // name
            .{ .size = 1, .value = 0 }, // nullable
            .{ .size = 1, .value = if (column.float64) type_floating_point else type_int },
            .{ .size = 4, .offset = true }, // type
            .{}, // dictionary
            .{ .size = 4, .offset = true }, // children
        });
        fb.patch(fields + 4 + 4 * i, field.start);
        fb.patch(field.at[0], fb.string(column.name));
        const type_start = if (column.float64)
            fb.table(1, .{.{ .size = 2, .value = 2 }}).start // precision: DOUBLE
        else
            fb.table(2, .{ .{ .size = 4, .value = 32 }, .{ .size = 1, .value = 1 } }).start; // 32 bits, signed
        fb.patch(field.at[3], type_start);
        fb.patch(field.at[5], fb.offsets(0));
    }
}

/// Bytes of a body buffer, padded to 8 as the format asks.
fn padded(len: usize) usize {
    return std.mem.alignForward(usize, len, 8);
}

fn recordBatchMessage(fb: *Flatbuffer, rows: usize, columns: []const IpcColumn) usize {
    var nodes: [16][2]u64 = undefined;
    var buffers: [32][2]u64 = undefined;
    var body: usize = 0;
    for (columns, 0..) |column, i| {
        nodes[i] = .{ rows, 0 };
        buffers[2 * i] = .{ body, 0 }; // no validity bitmap: no nulls
        buffers[2 * i + 1] = .{ body, column.values.len };
        body += padded(column.values.len);
    }
    const header = messageRoot(fb, header_record_batch, body);
    const batch = fb.table(3, .{
        .{ .size = 8, .value = rows },
        .{ .size = 4, .offset = true },
        .{ .size = 4, .offset = true },
    });
    fb.patch(header, batch.start);
    fb.patch(batch.at[1], fb.pairs(nodes[0..columns.len]));
    fb.patch(batch.at[2], fb.pairs(buffers[0 .. 2 * columns.len]));
    return body;
}

/// Writes an Arrow IPC stream of `columns` (at most 16, int32 or float64,
/// `rows` each, no nulls) into one allocation of `allocator`: the column
/// values are copied into the RecordBatch message's body.
pub fn writeStream(allocator: std.mem.Allocator, rows: usize, columns: []const IpcColumn) ![]u8 {
    std.debug.assert(columns.len <= 16);
    var schema: Flatbuffer = .{};
    schemaMessage(&schema, columns);
    schema.pad(8);
    var batch: Flatbuffer = .{};
    const body = recordBatchMessage(&batch, rows, columns);
    batch.pad(8);
    const total = 8 + schema.len + 8 + batch.len + body + 8;
    const stream = try allocator.alloc(u8, total);
    var at: usize = 0;
    for ([_]*const Flatbuffer{ &schema, &batch }) |message| {
        std.mem.writeInt(u32, stream[at..][0..4], 0xffff_ffff, .little); // continuation
        std.mem.writeInt(i32, stream[at + 4 ..][0..4], @intCast(message.len), .little);
        @memcpy(stream[at + 8 ..][0..message.len], message.bytes[0..message.len]);
        at += 8 + message.len;
    }
    for (columns) |column| {
        @memcpy(stream[at..][0..column.values.len], column.values);
        @memset(stream[at + column.values.len .. at + padded(column.values.len)], 0);
        at += padded(column.values.len);
    }
    std.mem.writeInt(u32, stream[at..][0..4], 0xffff_ffff, .little); // end of stream
    std.mem.writeInt(u32, stream[at + 4 ..][0..4], 0, .little);
    std.debug.assert(at + 8 == total);
    return stream;
}

/// The batch both ways hand over, produced once so that neither way's
/// timing counts producing it.
var prepared: zerocopy.Descriptor = .released;
var lent = false;

/// Produces the prepared batch of `rows` rows in place, replacing the last.
pub fn prepare(rows: usize) zerocopy.Status {
    if (lent) return .invalid_argument;
    zerocopy.release(&prepared);
    var batch = arrow.BatchBuilder.init(zerocopy.default_allocator, rows, &bench_columns) catch return .out_of_memory;
    defer batch.deinit();
    for (0..5) |k| fillColumns(k, batch.column(k).values(f64) catch unreachable, batch.column(5 + k).values(i32) catch unreachable);
    batch.finish(&prepared);
    return .ok;
}

/// Hands the prepared batch over; its release only marks it free again.
pub fn lend(out: *zerocopy.Descriptor) zerocopy.Status {
    out.* = .released;
    if (lent or prepared.ptr == null) return .invalid_argument;
    lent = true;
    const bytes: [*]u8 = @ptrCast(prepared.ptr.?);
    zerocopy.handOver(u8, bytes, prepared.len, prepared.cap, returnLent, null, out);
    return .ok;
}

fn returnLent(_: *zerocopy.Descriptor) callconv(.c) void {
    lent = false;
}

/// Writes the prepared batch's columns as an IPC stream and hands it over.
pub fn handOverIpc(out: *zerocopy.Out(u8)) zerocopy.Status {
    out.clear();
    const block = arrow.pin(&prepared) orelse return .invalid_argument;
    defer block.unpin();
    const count: usize = @intCast(block.array().n_children);
    if (count > 16) return .invalid_argument;
    var columns: [16]IpcColumn = undefined;
    const rows: usize = @intCast(block.array().length);
    for (columns[0..count], 0..) |*column, k| {
        const float64 = std.mem.eql(u8, block.schema().child(k).formatString(), "g");
        const width: usize = if (float64) 8 else 4;
        column.* = .{
            .name = block.schema().child(k).nameString(),
            .float64 = float64,
            .values = (block.array().child(k).buffer(1) orelse return .invalid_argument)[0 .. rows * width],
        };
    }
    const stream = writeStream(zerocopy.default_allocator.*, rows, columns[0..count]) catch return .out_of_memory;
    out.handOverSlice(zerocopy.default_allocator, stream);
    return .ok;
}

/// Frees the prepared batch; refused while it is lent.
pub fn free() zerocopy.Status {
    if (lent) return .invalid_argument;
    zerocopy.release(&prepared);
    return .ok;
}

test "the IPC stream frames two messages, the body holds the values, and it ends with end-of-stream" {
    const values = [_]f64{ 1.5, 2.5, 3.5 };
    const ints = [_]i32{ 1, 2, 3 };
    const stream = try writeStream(std.testing.allocator, 3, &.{
        .{ .name = "a", .float64 = true, .values = std.mem.sliceAsBytes(&values) },
        .{ .name = "b", .float64 = false, .values = std.mem.sliceAsBytes(&ints) },
    });
    defer std.testing.allocator.free(stream);
    try std.testing.expectEqual(@as(u32, 0xffff_ffff), std.mem.readInt(u32, stream[0..4], .little));
    const schema_len: usize = @intCast(std.mem.readInt(i32, stream[4..8], .little));
    try std.testing.expect(schema_len % 8 == 0);
    const batch_at = 8 + schema_len;
    const batch_len: usize = @intCast(std.mem.readInt(i32, stream[batch_at + 4 ..][0..4], .little));
    const body = stream[batch_at + 8 + batch_len ..];
    try std.testing.expectEqualSlices(u8, std.mem.sliceAsBytes(&values), body[0..24]);
    try std.testing.expectEqualSlices(u8, std.mem.sliceAsBytes(&ints), body[24..36]);
    try std.testing.expectEqualSlices(u8, &.{ 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 }, stream[stream.len - 8 ..]);
}

test "the prepared batch is lent once at a time and freed only when back" {
    try std.testing.expectEqual(zerocopy.Status.ok, prepare(10));
    var first: zerocopy.Descriptor = undefined;
    try std.testing.expectEqual(zerocopy.Status.ok, lend(&first));
    var second: zerocopy.Descriptor = undefined;
    try std.testing.expectEqual(zerocopy.Status.invalid_argument, lend(&second));
    try std.testing.expectEqual(zerocopy.Status.invalid_argument, free());
    zerocopy.release(&first);
    var ipc: zerocopy.Out(u8) = undefined;
    try std.testing.expectEqual(zerocopy.Status.ok, handOverIpc(&ipc));
    zerocopy.release(&ipc.descriptor);
    try std.testing.expectEqual(zerocopy.Status.ok, free());
}
