//! A flat grid mesh: (n+1)² vertices of xyz f32 and 2n² triangles of u32 indices.

const std = @import("std");

/// The smallest `n` whose (n+1)² vertices a u32 index cannot number: 65536² = 2³².
pub const max_indexed_side = 65536;

/// Vertex (i, j) of an n×n grid over the unit square, with a gentle height bump.
pub fn fillVertices(vertices: []f32, n: u32) void {
    const side = @as(usize, n) + 1;
    for (0..side) |j| for (0..side) |i| {
        const x = @as(f32, @floatFromInt(i)) / @as(f32, @floatFromInt(n));
        const y = @as(f32, @floatFromInt(j)) / @as(f32, @floatFromInt(n));
        vertices[(j * side + i) * 3 ..][0..3].* = .{ x, y, x * (1 - x) * y * (1 - y) };
    };
}

/// A vertex as a record: its position and a number that names it.
pub const Vertex = extern struct { x: f32, y: f32, z: f32, id: u32 };

/// The vertices of `fillVertices` as records, numbered in order.
pub fn fillVertexRecords(vertices: []Vertex, n: u32) void {
    const side = @as(usize, n) + 1;
    for (0..side) |j| for (0..side) |i| {
        const x = @as(f32, @floatFromInt(i)) / @as(f32, @floatFromInt(@max(n, 1)));
        const y = @as(f32, @floatFromInt(j)) / @as(f32, @floatFromInt(@max(n, 1)));
        const id = j * side + i;
        vertices[id] = .{ .x = x, .y = y, .z = x * (1 - x) * y * (1 - y), .id = @intCast(id) };
    };
}

/// Two counter-clockwise triangles per grid cell; `n` is below `max_indexed_side`.
pub fn fillIndices(indices: []u32, n: u32) void {
    std.debug.assert(n < max_indexed_side);
    const side = n + 1;
    var at: usize = 0;
    for (0..n) |j| for (0..n) |i| {
        const corner: u32 = @intCast(j * side + i);
        indices[at..][0..6].* = .{ corner, corner + 1, corner + side, corner + 1, corner + side + 1, corner + side };
        at += 6;
    };
}

test "every index points at a vertex" {
    const n = 3;
    var indices: [6 * n * n]u32 = undefined;
    fillIndices(&indices, n);
    for (indices) |index| try std.testing.expect(index < (n + 1) * (n + 1));
}
