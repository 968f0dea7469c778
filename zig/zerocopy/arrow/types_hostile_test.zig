//! Hand-built structs of the newer types that lie, read by the reader and
//! adopted as foreign arrays: each lie ends in an error, never a read past a
//! buffer, and a refused adoption leaves the array its producer's.

const std = @import("std");
const testing = std.testing;
const c = @import("c_data.zig");
const reader = @import("reader.zig");
const foreign = @import("foreign.zig");
const Descriptor = @import("../abi.zig").Descriptor;

fn releaseSchema(schema: *c.ArrowSchema) callconv(.c) void {
    schema.release = null;
}

fn releaseArray(lent: *c.ArrowArray) callconv(.c) void {
    lent.release = null;
}

fn field(format: [*:0]const u8) c.ArrowSchema {
    return .{ .format = format, .name = "x", .metadata = null, .flags = 0, .n_children = 0, .children = null, .dictionary = null, .release = releaseSchema, .private_data = null };
}

fn array(length: i64, buffers: []?*const anyopaque) c.ArrowArray {
    return .{ .length = length, .null_count = 0, .offset = 0, .n_buffers = @intCast(buffers.len), .n_children = 0, .buffers = buffers.ptr, .children = null, .dictionary = null, .release = releaseArray, .private_data = null };
}

/// A batch of one column, `schema` and `array`, which the test makes lie.
const Batch = struct {
    root_buffers: [1]?*const anyopaque = .{null},
    schema_children: [1]*c.ArrowSchema = undefined,
    array_children: [1]*c.ArrowArray = undefined,
    schema: c.ArrowSchema = undefined,
    array: c.ArrowArray = undefined,

    fn init(b: *Batch, column_schema: *c.ArrowSchema, column: *c.ArrowArray) void {
        b.schema_children = .{column_schema};
        b.array_children = .{column};
        b.schema = field("+s");
        b.schema.n_children = 1;
        b.schema.children = &b.schema_children;
        b.array = array(column.length, &b.root_buffers);
        b.array.n_children = 1;
        b.array.children = &b.array_children;
    }

    fn checksum(b: *Batch) reader.Error!u64 {
        return reader.checksum(&b.schema, &b.array);
    }

    /// Whether `foreign.adopt` refuses it and leaves it unreleased.
    fn adoptRefused(b: *Batch) !void {
        var directory: [2048]u8 = undefined;
        var slots: [16]Descriptor = undefined;
        try testing.expectEqual(.invalid_argument, foreign.adopt(&b.schema, &b.array, &directory, &slots));
        try testing.expect(b.array.release != null);
    }
};

test "a dictionary whose indices are not integers, or that one struct lacks, or whose index passes its values" {
    const words = [_]i32{ 0, 1, 3 };
    const characters = "abc";
    var values_buffers = [_]?*const anyopaque{ null, &words, characters };
    var values_schema = field("u");
    var values = array(2, &values_buffers);
    var indices = [_]i8{ 0, 1, 2 };
    var buffers = [_]?*const anyopaque{ null, &indices };
    var schema = field("c");
    schema.dictionary = &values_schema;
    var column = array(2, &buffers);
    column.dictionary = &values;
    var b: Batch = .{};
    b.init(&schema, &column);
    _ = try b.checksum();
    column.length = 3; // row 2's index is 2, past the dictionary's 2 values
    b.array.length = 3;
    try testing.expectError(error.InvalidLayout, b.checksum());
    indices[2] = -1;
    try testing.expectError(error.InvalidLayout, b.checksum());
    column.length = 2;
    b.array.length = 2;
    schema.format = "g"; // float indices
    try testing.expectError(error.InvalidLayout, b.checksum());
    try b.adoptRefused();
    schema.format = "c";
    column.dictionary = null;
    try testing.expectError(error.InvalidLayout, b.checksum());
    try b.adoptRefused();
}

test "list offsets past the items, negative or decreasing, and a list that contains itself" {
    var items_data = [_]i32{ 1, 2, 3 };
    var items_buffers = [_]?*const anyopaque{ null, &items_data };
    var items_schema = field("i");
    var items = array(3, &items_buffers);
    var offsets = [_]i32{ 0, 2, 3 };
    var buffers = [_]?*const anyopaque{ null, &offsets };
    var item_schemas = [_]*c.ArrowSchema{&items_schema};
    var item_arrays = [_]*c.ArrowArray{&items};
    var schema = field("+l");
    schema.n_children = 1;
    schema.children = &item_schemas;
    var column = array(2, &buffers);
    column.n_children = 1;
    column.children = &item_arrays;
    var b: Batch = .{};
    b.init(&schema, &column);
    _ = try b.checksum();
    offsets[2] = 4;
    try testing.expectError(error.InvalidLayout, b.checksum());
    try b.adoptRefused();
    offsets = .{ -1, 2, 3 };
    try testing.expectError(error.InvalidLayout, b.checksum());
    try b.adoptRefused();
    offsets = .{ 0, 3, 2 };
    try testing.expectError(error.InvalidLayout, b.checksum());
    try b.adoptRefused();
    // Its items are itself: the walk ends at the depth bound.
    offsets = .{ 0, 1, 2 };
    var self_schemas = [_]*c.ArrowSchema{&schema};
    var self_arrays = [_]*c.ArrowArray{&column};
    schema.children = &self_schemas;
    column.children = &self_arrays;
    try testing.expectError(error.OverBudget, b.checksum());
    try b.adoptRefused();
}

test "large offsets that decrease, a buffer count that does not match, a format that does not parse" {
    var offsets = [_]i64{ 0, 5, 2 };
    const characters = "hello";
    var buffers = [_]?*const anyopaque{ null, &offsets, characters };
    var schema = field("U");
    var column = array(2, &buffers);
    var b: Batch = .{};
    b.init(&schema, &column);
    try testing.expectError(error.InvalidLayout, b.checksum());
    try b.adoptRefused();
    offsets = .{ 0, 2, 5 };
    _ = try b.checksum();
    var decimals = [_]i128{ 1, 2 };
    var decimal_buffers = [_]?*const anyopaque{ null, &decimals, null };
    schema.format = "d:10,2";
    column = array(2, &decimal_buffers); // three buffers where a decimal has two
    try testing.expectError(error.InvalidLayout, b.checksum());
    column.n_buffers = 2;
    _ = try b.checksum();
    schema.format = "d:0,2";
    try testing.expectError(error.UnsupportedFormat, b.checksum());
    schema.format = "d:10,2,64";
    try testing.expectError(error.UnsupportedFormat, b.checksum());
}

test "a map is read only where maps are asked for, its entries a struct of two never null, its offsets within them" {
    const keys = [_]i32{ 1, 2, 3 };
    const items = [_]i32{ 10, 20, 30 };
    var key_buffers = [_]?*const anyopaque{ null, &keys };
    var value_buffers = [_]?*const anyopaque{ null, &items };
    var key_schema = field("i");
    var value_schema = field("i");
    var key_array = array(3, &key_buffers);
    var value_array = array(3, &value_buffers);
    var entry_schemas = [_]*c.ArrowSchema{ &key_schema, &value_schema };
    var entry_arrays = [_]*c.ArrowArray{ &key_array, &value_array };
    var entries_schema = field("+s");
    entries_schema.n_children = 2;
    entries_schema.children = &entry_schemas;
    var entries_buffers = [_]?*const anyopaque{null};
    var entries = array(3, &entries_buffers);
    entries.n_children = 2;
    entries.children = &entry_arrays;
    var offsets = [_]i32{ 0, 2, 3 };
    var buffers = [_]?*const anyopaque{ null, &offsets };
    var schema = field("+m");
    var schema_children = [_]*c.ArrowSchema{&entries_schema};
    schema.n_children = 1;
    schema.children = &schema_children;
    var column = array(2, &buffers);
    var column_children = [_]*c.ArrowArray{&entries};
    column.n_children = 1;
    column.children = &column_children;
    var b: Batch = .{};
    b.init(&schema, &column);
    // Everywhere but the registered scan, a map is an unsupported format, as before the reader knew it.
    try testing.expectError(error.UnsupportedFormat, b.checksum());
    try b.adoptRefused();
    const maps: reader.Limits = .{ .maps = true };
    _ = try reader.checksumWithin(&b.schema, &b.array, maps);
    offsets[2] = 4; // past the three entries
    try testing.expectError(error.InvalidLayout, reader.checksumWithin(&b.schema, &b.array, maps));
    offsets[2] = 3;
    entries.null_count = 1; // entries are never null
    try testing.expectError(error.InvalidLayout, reader.checksumWithin(&b.schema, &b.array, maps));
    entries.null_count = 0;
    entries_schema.n_children = 1; // a key without a value
    entries.n_children = 1;
    try testing.expectError(error.InvalidLayout, reader.checksumWithin(&b.schema, &b.array, maps));
}

test "with the memory known, decimals, intervals and fixed-size binaries past their buffer are refused" {
    // 64 bytes: each format's width (from the format string alone) says how many rows they hold.
    const memory: [16]u32 align(16) = @splat(0);
    const bytes = std.mem.sliceAsBytes(&memory);
    const cases = [_]struct { format: [*:0]const u8, rows: i64 }{
        .{ .format = "d:10,2", .rows = 4 },
        .{ .format = "d:40,2,256", .rows = 2 },
        .{ .format = "tin", .rows = 4 },
        .{ .format = "tiD", .rows = 8 },
        .{ .format = "w:16", .rows = 4 },
        .{ .format = "w:3", .rows = 21 },
    };
    for (cases) |case| {
        var buffers = [_]?*const anyopaque{ null, &memory };
        var column_schema = field(case.format);
        var column = array(case.rows, &buffers);
        var b: Batch = .{};
        b.init(&column_schema, &column);
        const limits: reader.Limits = .{ .memory = bytes };
        _ = try reader.checksumWithin(&b.schema, &b.array, limits);
        column.length += 1;
        b.array.length += 1;
        try testing.expectError(error.InvalidLayout, reader.checksumWithin(&b.schema, &b.array, limits));
        column.length -= 1;
        b.array.length -= 1;
        column.offset = 1;
        try testing.expectError(error.InvalidLayout, reader.checksumWithin(&b.schema, &b.array, limits));
    }
}
