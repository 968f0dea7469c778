//! C Data structs built by hand, as a foreign producer (or an attacker) could
//! lay them out: shared children, cycles, counts and lengths that lie. For
//! the reader's tests and the importer fuzzer; never part of a library.

const std = @import("std");
const arrow = @import("zerocopy").arrow;
const ArrowArray = arrow.ArrowArray;
const ArrowSchema = arrow.ArrowSchema;

/// One schema and array, their child lists and their buffer list.
pub const Node = struct {
    schema: ArrowSchema,
    array: ArrowArray,
    schema_children: [max_children]*ArrowSchema = undefined,
    array_children: [max_children]*ArrowArray = undefined,
    buffers: [3]?*const anyopaque = .{ null, null, null },

    pub const max_children = 16;

    /// A node of `format` with `length` rows and the buffer count its format needs.
    pub fn init(node: *Node, format: [*:0]const u8, length: i64, n_buffers: i64) void {
        node.* = .{
            .schema = .{
                .format = format,
                .name = null,
                .metadata = null,
                .flags = 0,
                .n_children = 0,
                .children = null,
                .dictionary = null,
                .release = releaseSchema,
                .private_data = null,
            },
            .array = .{
                .length = length,
                .null_count = 0,
                .offset = 0,
                .n_buffers = n_buffers,
                .n_children = 0,
                .buffers = &node.buffers,
                .children = null,
                .dictionary = null,
                .release = releaseArray,
                .private_data = null,
            },
        };
    }

    /// Makes `kids` the node's children (the same node may come twice, or be the node itself).
    pub fn adopt(node: *Node, kids: []const *Node) void {
        std.debug.assert(kids.len <= max_children);
        for (kids, 0..) |kid, i| {
            node.schema_children[i] = &kid.schema;
            node.array_children[i] = &kid.array;
        }
        node.schema.n_children = @intCast(kids.len);
        node.array.n_children = @intCast(kids.len);
        node.schema.children = &node.schema_children;
        node.array.children = &node.array_children;
    }
};

// Lent structs: their release only marks them, as the specification asks.
fn releaseSchema(schema: *ArrowSchema) callconv(.c) void {
    schema.release = null;
}

fn releaseArray(array: *ArrowArray) callconv(.c) void {
    array.release = null;
}
