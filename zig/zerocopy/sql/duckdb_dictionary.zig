//! The scan's dictionary-encoded columns, of any value the scan fills: each
//! index read once and checked against the dictionary's length before it is
//! followed, since the host may rewrite indices under a scan.
//!
//! A column of a batch whose dictionary is no longer than its rows is emitted
//! as DuckDB dictionary vectors, as DuckDB's own Arrow scan does: the values
//! written once per scanning thread into a vector of their own, each chunk a
//! selection of it, so a string is written once per thread rather than once
//! per row (and DuckDB's operators see a dictionary). Any other (inside a list
//! or a struct, or longer than its rows) is expanded row by row.

const std = @import("std");
const duckdb = @import("duckdb_api.zig");
const vectors = @import("duckdb_vectors.zig");
const strings = @import("duckdb_strings.zig");
const Node = vectors.Node;
const ScanError = strings.ScanError;
const bit = strings.bit;

/// Index `row` (physical) of a dictionary's indices, whatever their integer
/// width, checked against the `length` of its dictionary.
pub fn indexAt(node: Node, row: usize, length: usize) ScanError!usize {
    const int = node.kind.int;
    const bytes = node.values.?[row * int.bytes ..];
    const index: i128 = switch (int.bytes) {
        1 => if (int.signed) @as(i8, @bitCast(bytes[0])) else bytes[0],
        2 => if (int.signed) std.mem.readInt(i16, bytes[0..2], .little) else std.mem.readInt(u16, bytes[0..2], .little),
        4 => if (int.signed) std.mem.readInt(i32, bytes[0..4], .little) else std.mem.readInt(u32, bytes[0..4], .little),
        else => if (int.signed) std.mem.readInt(i64, bytes[0..8], .little) else std.mem.readInt(u64, bytes[0..8], .little),
    };
    if (index < 0 or index >= length) return error.OutOfBounds;
    return @intCast(index);
}

/// Rows `at .. at + count` (physical) of a dictionary-encoded node, each
/// row's value written out; a row whose entry is null made null. The node's
/// own validity is in the vector already.
pub fn fillExpanded(api: *const duckdb.Api, node: Node, vector: duckdb.Vector, at: usize, count: usize) ScanError!void {
    const dictionary = node.dictionary.?.*;
    const data = api.duckdb_vector_get_data(vector).?;
    for (0..count) |i| {
        if (node.validity) |v| if (!bit(v, at + i)) continue;
        const entry = dictionary.start + try indexAt(node, at + i, dictionary.length);
        if (dictionary.validity) |v| if (!bit(v, entry)) {
            strings.setNull(api, vector, i);
            continue;
        };
        try vectors.writeValue(api, dictionary, vector, data, i, entry);
    }
}

/// Whether a column of a batch is emitted as selections of its dictionary.
pub fn selectable(node: Node) bool {
    const dictionary = node.dictionary orelse return false;
    // The entry past the values is the null one, and a selection's entries are u32.
    return dictionary.length <= node.length and dictionary.length < std.math.maxInt(duckdb.sel_t);
}

/// The dictionary vectors one scanning thread made for the batch it scans,
/// by the dictionary they hold. A scan hands out its units in order, so a
/// thread never comes back to a batch it left: those of the batch before go
/// then (DuckDB's chunks that select from them hold their own reference).
pub const Cache = struct {
    vectors: std.AutoHashMapUnmanaged(*const Node, duckdb.Vector) = .empty,
    batch: ?u32 = null,

    pub fn deinit(cache: *Cache, api: *const duckdb.Api, allocator: std.mem.Allocator) void {
        cache.clear(api);
        cache.vectors.deinit(allocator);
    }

    fn clear(cache: *Cache, api: *const duckdb.Api) void {
        var each = cache.vectors.valueIterator();
        while (each.next()) |vector| api.duckdb_destroy_vector(vector);
        cache.vectors.clearRetainingCapacity();
    }

    /// Keeps the vectors of `batch` only: called before each unit is filled.
    pub fn enter(cache: *Cache, api: *const duckdb.Api, batch: u32) void {
        if (cache.batch == batch) return;
        cache.clear(api);
        cache.batch = batch;
    }

    /// The dictionary's values in a vector, with one null entry after them.
    fn get(cache: *Cache, api: *const duckdb.Api, allocator: std.mem.Allocator, dictionary: *const Node) ScanError!duckdb.Vector {
        if (cache.vectors.get(dictionary)) |vector| return vector;
        var t = vectors.logicalType(api, dictionary.*);
        defer api.duckdb_destroy_logical_type(&t);
        var vector = api.duckdb_create_vector(t, dictionary.length + 1);
        if (vector == null) return error.OutOfMemory;
        errdefer api.duckdb_destroy_vector(&vector);
        try vectors.fill(api, dictionary.*, vector, 0, dictionary.length);
        strings.setNull(api, vector, dictionary.length);
        cache.vectors.put(allocator, dictionary, vector) catch return error.OutOfMemory;
        return vector;
    }
};

/// Rows `from .. from + count` of a `selectable` column as a selection of its
/// dictionary's vector (made the first time this thread needs it): a null
/// row picks the null entry past the values.
pub fn fillSelection(api: *const duckdb.Api, cache: *Cache, allocator: std.mem.Allocator, node: Node, vector: duckdb.Vector, from: usize, count: usize) ScanError!void {
    if (count == 0) return;
    const dictionary = node.dictionary.?;
    const values = try cache.get(api, allocator, dictionary);
    const selection = api.duckdb_create_selection_vector(count);
    if (selection == null) return error.OutOfMemory;
    // DuckDB shares the selection's buffer with the vector it slices: ours goes, the vector keeps it.
    defer api.duckdb_destroy_selection_vector(selection);
    const picks = api.duckdb_selection_vector_get_data_ptr(selection) orelse return error.OutOfMemory;
    const at = node.start + from;
    const none: duckdb.sel_t = @intCast(dictionary.length);
    for (0..count) |i| {
        if (node.validity) |v| if (!bit(v, at + i)) {
            picks[i] = none;
            continue;
        };
        picks[i] = @intCast(try indexAt(node, at + i, dictionary.length));
    }
    api.duckdb_vector_reference_vector(vector, values);
    api.duckdb_slice_vector(vector, selection, count);
}
