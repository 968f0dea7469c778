//! The reader against structs built to lie: each refusal is a typed error,
//! reached after a bounded walk, never a hang, a crash or a read outside.

const std = @import("std");
const testing = std.testing;
const reader = @import("zerocopy").arrow.reader;
const Node = @import("hand_built.zig").Node;

/// Fails the test when `run` took more than a second: a walk that is not
/// bounded takes hours on these structs.
fn expectQuickly(expected: reader.Error, limits: reader.Limits, root: *Node) !void {
    const started = std.Io.Timestamp.now(testing.io, .awake);
    try testing.expectError(expected, reader.checksumWithin(&root.schema, &root.array, limits));
    const elapsed = started.durationTo(std.Io.Timestamp.now(testing.io, .awake));
    // Unbounded, these walks run for minutes; the bound tells a bounded walk from an unbounded one on a
    // loaded machine, not speed.
    try testing.expect(elapsed.nanoseconds < 20 * std.time.ns_per_s);
}

test "a DAG of shared children is refused, not walked once per path" {
    // 2^40 paths from the root to the leaf, through 41 nodes.
    var nodes: [41]Node = undefined;
    const values = [_]i32{7};
    nodes[40].init("i", 1, 2);
    nodes[40].buffers[1] = &values;
    var i: usize = 40;
    while (i > 0) {
        i -= 1;
        nodes[i].init("+s", 1, 1);
        nodes[i].adopt(&.{ &nodes[i + 1], &nodes[i + 1] });
    }
    try expectQuickly(error.OverBudget, .{}, &nodes[0]);
    // The same shape, three levels deep, is a tree of 15 arrays and reads.
    var small: [4]Node = undefined;
    small[3].init("i", 1, 2);
    small[3].buffers[1] = &values;
    for (0..3) |k| {
        small[2 - k].init("+s", 1, 1);
        small[2 - k].adopt(&.{ &small[3 - k], &small[3 - k] });
    }
    _ = try reader.checksum(&small[0].schema, &small[0].array);
}

test "a cycle of child pointers is refused" {
    var root: Node = undefined;
    var loop: Node = undefined;
    root.init("+s", 1, 1);
    loop.init("+s", 1, 1);
    root.adopt(&.{&loop});
    loop.adopt(&.{&loop});
    try expectQuickly(error.OverBudget, .{}, &root);
}

test "a struct claiming 2^40 children is refused before one is read" {
    var root: Node = undefined;
    var only: Node = undefined;
    root.init("+s", 1, 1);
    only.init("+s", 1, 1);
    root.adopt(&.{&only});
    root.schema.n_children = 1 << 40;
    root.array.n_children = 1 << 40;
    try expectQuickly(error.OverBudget, .{}, &root);
    root.schema.n_children = -3;
    root.array.n_children = -3;
    try expectQuickly(error.InvalidLayout, .{}, &root);
}

test "lengths no buffer could hold are refused" {
    var root: Node = undefined;
    var column: Node = undefined;
    root.init("+s", 1 << 62, 1);
    column.init("l", 1 << 62, 2);
    const values = [_]i64{ 1, 2 };
    column.buffers[1] = &values;
    root.adopt(&.{&column});
    try expectQuickly(error.InvalidLayout, .{}, &root);
    // A list of 10^9 items per row, 2^40 rows: more items than a usize counts.
    var list: Node = undefined;
    var items: Node = undefined;
    root.init("+s", 1 << 40, 1);
    list.init("+w:1000000000", 1 << 40, 1);
    items.init("l", 1, 2);
    items.buffers[1] = &values;
    list.adopt(&.{&items});
    root.adopt(&.{&list});
    try expectQuickly(error.InvalidLayout, .{}, &root);
}

test "with the memory known, a length past its buffer is refused" {
    const memory = [_]i32{ 1, 2, 3, 4 };
    var root: Node = undefined;
    var column: Node = undefined;
    column.init("i", 4, 2);
    column.buffers[1] = &memory;
    root.init("+s", 4, 1);
    root.adopt(&.{&column});
    const limits: reader.Limits = .{ .memory = std.mem.sliceAsBytes(&memory) };
    _ = try reader.checksumWithin(&root.schema, &root.array, limits);
    column.array.length = 5;
    root.array.length = 5;
    try expectQuickly(error.InvalidLayout, limits, &root);
    column.array.length = 4;
    root.array.length = 4;
    column.array.offset = 1;
    try expectQuickly(error.InvalidLayout, limits, &root);
    // A buffer outside the memory, however long.
    column.array.offset = 0;
    const elsewhere = [_]i32{ 1, 2, 3, 4, 5, 6, 7, 8 };
    column.buffers[1] = &elsewhere;
    try expectQuickly(error.InvalidLayout, limits, &root);
}

test "buffer counts and child pointers that lie are refused" {
    var root: Node = undefined;
    var column: Node = undefined;
    root.init("+s", 1, 1);
    column.init("i", 1, 1 << 40);
    root.adopt(&.{&column});
    try expectQuickly(error.InvalidLayout, .{}, &root);
    column.array.n_buffers = 2;
    column.buffers[1] = &[_]i32{9};
    _ = try reader.checksum(&root.schema, &root.array);
    const nulls: [*]const ?*anyopaque = @ptrCast(&root.array_children);
    @constCast(nulls)[0] = null;
    try expectQuickly(error.InvalidLayout, .{}, &root);
}
