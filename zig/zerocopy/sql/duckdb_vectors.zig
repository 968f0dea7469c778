//! How a registered Arrow batch's columns become DuckDB's: the type each
//! column has in DuckDB, and the scan's copy of a range of rows into DuckDB's
//! vectors, reading only what duckdb_scan.zig copied and checked.

const std = @import("std");
const duckdb = @import("duckdb_api.zig");
const reader = @import("../arrow/reader.zig");

/// One array of a batch, as the scan reads it.
pub const Node = struct {
    kind: reader.Kind,
    /// A timestamp with a time zone.
    zoned: bool,
    name: [:0]const u8,
    /// The physical index of row 0 in the buffers.
    start: usize,
    length: usize,
    validity: ?[*]const u8,
    values: ?[*]const u8,
    characters: ?[*]const u8,
    characters_len: usize,
    children: []Node,

    pub fn sameShape(a: Node, b: Node) bool {
        if (!std.meta.eql(a.kind, b.kind) or a.zoned != b.zoned or !std.mem.eql(u8, a.name, b.name)) return false;
        if (a.children.len != b.children.len) return false;
        for (a.children, b.children) |x, y| if (!sameShape(x, y)) return false;
        return true;
    }
};

/// Fields of one struct a source may have (DuckDB's type is built on the stack).
pub const max_fields = 256;

/// DuckDB's type for a node; the caller destroys it.
pub fn logicalType(api: *const duckdb.Api, node: Node) duckdb.LogicalType {
    const t: duckdb.Type = switch (node.kind) {
        .int => |int| switch (int.bytes) {
            1 => if (int.signed) .tinyint else .utinyint,
            2 => if (int.signed) .smallint else .usmallint,
            4 => if (int.signed) .integer else .uinteger,
            else => if (int.signed) .bigint else .ubigint,
        },
        .float => |bytes| if (bytes == 4) .float else .double,
        .bool => .boolean,
        .utf8 => .varchar,
        .timestamp => |unit| switch (unit) {
            's' => .timestamp_s,
            'm' => .timestamp_ms,
            'n' => .timestamp_ns,
            else => if (node.zoned) .timestamp_tz else .timestamp,
        },
        .fixed_size_list => |size| {
            var child = logicalType(api, node.children[0]);
            defer api.duckdb_destroy_logical_type(&child);
            return api.duckdb_create_array_type(child, size);
        },
        .@"struct" => {
            var types: [max_fields]duckdb.LogicalType = undefined;
            var names: [max_fields][*:0]const u8 = undefined;
            const n = @min(node.children.len, types.len);
            for (node.children[0..n], 0..) |child, i| {
                types[i] = logicalType(api, child);
                names[i] = child.name.ptr;
            }
            defer for (types[0..n]) |*t| api.duckdb_destroy_logical_type(t);
            return api.duckdb_create_struct_type(&types, &names, n);
        },
        else => unreachable, // duckdb_scan.zig `copy` refuses the other kinds
    };
    return api.duckdb_create_logical_type(t);
}

fn bit(bytes: [*]const u8, at: usize) bool {
    return bytes[at / 8] & (@as(u8, 1) << @intCast(at % 8)) != 0;
}

pub const ScanError = error{ChangedUnderScan};

/// Writes rows `from .. from + count` of `node` into `vector`.
pub fn fill(api: *const duckdb.Api, node: Node, vector: duckdb.Vector, from: usize, count: usize) ScanError!void {
    const at = node.start + from;
    const data = api.duckdb_vector_get_data(vector);
    switch (node.kind) {
        .int, .float, .timestamp => {
            const width = node.kind.width().?;
            if (count > 0) @memcpy(data.?[0 .. count * width], node.values.?[at * width ..][0 .. count * width]);
        },
        .bool => for (0..count) |i| {
            data.?[i] = @intFromBool(bit(node.values.?, at + i));
        },
        .utf8 => {
            const offsets: [*]align(1) const i32 = @ptrCast(node.values orelse return);
            const strings: [*]duckdb.String = @ptrCast(@alignCast(data.?));
            for (0..count) |i| {
                if (node.validity) |v| if (!bit(v, at + i)) continue;
                // Each offset read once, then checked: the host may rewrite them meanwhile.
                const low = offsets[at + i];
                const high = offsets[at + i + 1];
                if (low < 0 or high < low or high > node.characters_len) return error.ChangedUnderScan;
                const len: usize = @intCast(high - low);
                const text: [*]const u8 = if (len == 0) "" else node.characters.? + @as(usize, @intCast(low));
                if (len <= duckdb.String.inline_bytes) {
                    // Short strings live in the vector itself (duckdb.h `duckdb_string_t`): no call, no heap.
                    strings[i] = .{ .length = @intCast(len) };
                    @memcpy(strings[i].inlined[0..len], text[0..len]);
                } else api.duckdb_vector_assign_string_element_len(vector, i, text, len);
            }
        },
        .@"struct" => for (node.children, 0..) |child, k| {
            try fill(api, child, api.duckdb_struct_vector_get_child(vector, k), from, count);
        },
        .fixed_size_list => |size| try fill(api, node.children[0], api.duckdb_array_vector_get_child(vector), from * size, count * size),
        else => unreachable, // duckdb_scan.zig `copy` refuses the other kinds
    }
    const validity = node.validity orelse return;
    // Whole bytes of Arrow's bitmap are DuckDB's mask bytes (bit set: valid), when they line up.
    const aligned = at % 8 == 0 and node.kind != .@"struct";
    const whole = if (aligned) count / 8 else 0;
    const bytes = validity[at / 8 ..][0..whole];
    var nulls = std.mem.indexOfNone(u8, bytes, &.{0xff}) != null;
    for (whole * 8..count) |i| nulls = nulls or !bit(validity, at + i);
    if (!nulls) return;
    api.duckdb_vector_ensure_validity_writable(vector);
    const mask = api.duckdb_vector_get_validity(vector) orelse return;
    @memcpy(@as([*]u8, @ptrCast(mask))[0..whole], bytes);
    for (whole * 8..count) |i| {
        if (bit(validity, at + i)) continue;
        mask[i / 64] &= ~(@as(u64, 1) << @intCast(i % 64));
        // A null struct's fields are null too, as DuckDB's own Arrow scan makes them.
        if (node.kind == .@"struct") for (0..node.children.len) |k| {
            const child = api.duckdb_struct_vector_get_child(vector, k);
            api.duckdb_vector_ensure_validity_writable(child);
            const child_mask = api.duckdb_vector_get_validity(child) orelse continue;
            child_mask[i / 64] &= ~(@as(u64, 1) << @intCast(i % 64));
        };
    }
}
