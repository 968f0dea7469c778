//! A producer of its own (structs and buffers on the stack, a release that
//! counts) adopted through `foreign.adopt`: the release runs once, after the
//! last buffer, and every refusal leaves the array to its producer.

const std = @import("std");
const testing = std.testing;
const c = @import("c_data.zig");
const foreign = @import("foreign.zig");
const handover = @import("../handover.zig");
const Descriptor = @import("../abi.zig").Descriptor;

var released_arrays: usize = 0;

fn releaseArray(array: *c.ArrowArray) callconv(.c) void {
    released_arrays += 1;
    array.release = null;
}

fn releaseSchema(schema: *c.ArrowSchema) callconv(.c) void {
    schema.release = null;
}

/// A batch of an int32 column with one null and a utf8 column.
const Producer = struct {
    values: [4]i32 = .{ 1, 2, 3, 4 },
    validity: [1]u8 = .{0b1011},
    offsets: [5]i32 = .{ 0, 1, 3, 3, 6 },
    characters: [6]u8 = "abbccc".*,
    int_buffers: [2]?*const anyopaque = undefined,
    utf8_buffers: [3]?*const anyopaque = undefined,
    root_buffers: [1]?*const anyopaque = .{null},
    int_schema: c.ArrowSchema = undefined,
    utf8_schema: c.ArrowSchema = undefined,
    schema_children: [2]*c.ArrowSchema = undefined,
    schema: c.ArrowSchema = undefined,
    int_array: c.ArrowArray = undefined,
    utf8_array: c.ArrowArray = undefined,
    array_children: [2]*c.ArrowArray = undefined,
    array: c.ArrowArray = undefined,

    fn init(p: *Producer) void {
        p.int_buffers = .{ &p.validity, &p.values };
        p.utf8_buffers = .{ null, &p.offsets, &p.characters };
        p.int_schema = field("i", "n");
        p.utf8_schema = field("u", "s");
        p.schema_children = .{ &p.int_schema, &p.utf8_schema };
        p.schema = field("+s", "");
        p.schema.n_children = 2;
        p.schema.children = &p.schema_children;
        p.int_array = column(1, &p.int_buffers);
        p.utf8_array = column(0, &p.utf8_buffers);
        p.array_children = .{ &p.int_array, &p.utf8_array };
        p.array = column(0, &p.root_buffers);
        p.array.n_children = 2;
        p.array.children = &p.array_children;
    }

    fn field(format: [*:0]const u8, name: [*:0]const u8) c.ArrowSchema {
        return .{ .format = format, .name = name, .metadata = null, .flags = c.flag_nullable, .n_children = 0, .children = null, .dictionary = null, .release = releaseSchema, .private_data = null };
    }

    fn column(nulls: i64, buffers: []?*const anyopaque) c.ArrowArray {
        return .{ .length = 4, .null_count = nulls, .offset = 0, .n_buffers = @intCast(buffers.len), .n_children = 0, .buffers = buffers.ptr, .children = null, .dictionary = null, .release = releaseArray, .private_data = null };
    }
};

test "an adopted array is released once, after its last buffer" {
    var p: Producer = .{};
    p.init();
    var directory: [1024]u8 = undefined;
    var slots: [8]Descriptor = undefined;
    released_arrays = 0;
    try testing.expectEqual(.ok, foreign.adopt(&p.schema, &p.array, &directory, &slots));
    try testing.expectEqual(null, p.array.release); // moved
    const buffers = std.mem.readInt(u32, directory[4..8], .little);
    try testing.expectEqual(@as(u32, 4), buffers); // validity + values, offsets + characters
    try testing.expectEqual(@as(usize, 6), slots[3].len); // the characters, sized by the last offset
    for (slots[0 .. buffers - 1]) |*slot| handover.release(slot);
    try testing.expectEqual(@as(usize, 0), released_arrays);
    handover.release(&slots[buffers - 1]);
    handover.release(&slots[buffers - 1]);
    try testing.expectEqual(@as(usize, 1), released_arrays);
}

test "offsets that go back, or too little lent memory, leave the array to its producer" {
    var p: Producer = .{};
    p.init();
    p.offsets[2] = 0;
    var directory: [1024]u8 = undefined;
    var slots: [8]Descriptor = undefined;
    try testing.expectEqual(.invalid_argument, foreign.adopt(&p.schema, &p.array, &directory, &slots));
    try testing.expectEqual(@backingInt(foreign.Failure.invalid_offsets), std.mem.readInt(u32, directory[16..20], .little));
    try testing.expect(p.array.release != null);
    p.offsets[2] = 3;
    try testing.expectEqual(.full, foreign.adopt(&p.schema, &p.array, &directory, slots[0..2]));
    try testing.expectEqual(@as(u32, 4), std.mem.readInt(u32, directory[28..32], .little));
    try testing.expectEqual(.full, foreign.adopt(&p.schema, &p.array, directory[0..100], &slots));
    try testing.expect(std.mem.readInt(u32, directory[24..28], .little) > 100);
    try testing.expect(p.array.release != null);
    released_arrays = 0;
    foreign.release(&p.schema, &p.array);
    try testing.expectEqual(@as(usize, 1), released_arrays);
}

test "a format the reader does not know is refused by name" {
    var p: Producer = .{};
    p.init();
    p.int_schema.format = "+m";
    var directory: [1024]u8 = undefined;
    var slots: [8]Descriptor = undefined;
    try testing.expectEqual(.invalid_argument, foreign.adopt(&p.schema, &p.array, &directory, &slots));
    try testing.expectEqual(@backingInt(foreign.Failure.unsupported_format), std.mem.readInt(u32, directory[16..20], .little));
}
