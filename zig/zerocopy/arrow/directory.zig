//! The directory at the start of a handed-over batch's memory: what the host
//! needs to view the batch in place, as byte offsets and lengths into that
//! same memory, never addresses. Zig writes it once, when it lays the batch
//! out, and never reads it back: the host can write to this memory, so the C
//! Data structs Zig follows live in memory of their own (see `layout.zig`).
//! The host checks every offset and length against the memory it maps before
//! it builds a view (src/arrow/import.ts).
//!
//! Nodes are in preorder: the root struct first, then each child followed by
//! its own children, so a node's children are found by counting, and a walk
//! over them visits each node once whatever the memory holds.

const std = @import("std");

/// The first bytes of a handed-over batch's memory.
pub const BatchHeader = extern struct {
    /// Nodes in the directory: the root struct, every column and every child.
    node_count: u64,
    /// Byte offset of the first `BatchNode` (8-byte aligned).
    nodes_at: u64,
};

/// One array of the batch and its field. `buffer_at`/`buffer_len` are byte
/// offsets and lengths into the memory, in the C Data Interface's buffer
/// order (validity first); an absent buffer has both zero.
pub const BatchNode = extern struct {
    length: u64,
    offset: u64,
    null_count: u64,
    buffer_at: [3]u64,
    buffer_len: [3]u64,
    /// Byte offsets of the format and the name, each followed by a zero byte.
    format_at: u64,
    name_at: u64,
    format_len: u32,
    name_len: u32,
    n_children: u32,
    n_buffers: u32,
    /// The C Data Interface's field flags (`ARROW_FLAG_NULLABLE`, ...).
    flags: u32,
    /// 1 when the array is dictionary-encoded: its dictionary is the node
    /// after its children (and theirs).
    dictionary: u32,
};

comptime {
    std.debug.assert(@sizeOf(BatchHeader) == 16 and @alignOf(BatchHeader) == 8);
    std.debug.assert(@sizeOf(BatchNode) == 112 and @alignOf(BatchNode) == 8);
}

/// Node `i` of the directory of `memory`, which Zig laid out.
pub fn node(memory: []align(64) u8, i: usize) *BatchNode {
    const header: *const BatchHeader = @ptrCast(memory.ptr);
    std.debug.assert(i < header.node_count);
    const nodes: [*]BatchNode = @ptrCast(@alignCast(memory.ptr + header.nodes_at));
    return &nodes[i];
}

/// The byte offset of `ptr` in `memory`, for a directory entry.
pub fn offsetIn(memory: []const u8, ptr: ?*const anyopaque) u64 {
    const address = @intFromPtr(ptr orelse return 0);
    std.debug.assert(address >= @intFromPtr(memory.ptr) and address <= @intFromPtr(memory.ptr) + memory.len);
    return address - @intFromPtr(memory.ptr);
}
