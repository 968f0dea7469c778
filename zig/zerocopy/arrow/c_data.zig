//! The two structs of Apache Arrow's C Data Interface, exactly as its
//! specification declares them (CDataInterface.rst), with their flags.
//!
//! Both are relocatable: a consumer may move them with a plain memory copy
//! and must then call `release` on the moved copy only. `release` being null
//! marks a struct released; a parent's release releases the children whose
//! own `release` is not null yet.

const std = @import("std");

pub const flag_dictionary_ordered: i64 = 1;
pub const flag_nullable: i64 = 2;
pub const flag_map_keys_sorted: i64 = 4;

pub const ArrowSchema = extern struct {
    /// A null-terminated format string ("i", "tsu:UTC", "+w:16", ...).
    format: ?[*:0]const u8,
    name: ?[*:0]const u8,
    metadata: ?[*]const u8,
    flags: i64,
    n_children: i64,
    children: ?[*]*ArrowSchema,
    dictionary: ?*ArrowSchema,
    release: ?*const fn (*ArrowSchema) callconv(.c) void,
    private_data: ?*anyopaque,

    pub fn formatString(self: *const ArrowSchema) []const u8 {
        return std.mem.span(self.format orelse return "");
    }

    pub fn nameString(self: *const ArrowSchema) []const u8 {
        return std.mem.span(self.name orelse return "");
    }

    pub fn child(self: *const ArrowSchema, i: usize) *ArrowSchema {
        return self.children.?[i];
    }
};

pub const ArrowArray = extern struct {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: ?[*]?*const anyopaque,
    children: ?[*]*ArrowArray,
    dictionary: ?*ArrowArray,
    release: ?*const fn (*ArrowArray) callconv(.c) void,
    private_data: ?*anyopaque,

    pub fn child(self: *const ArrowArray, i: usize) *ArrowArray {
        return self.children.?[i];
    }

    /// Buffer `i` as bytes, or null when the producer left it out.
    pub fn buffer(self: *const ArrowArray, i: usize) ?[*]const u8 {
        if (i >= self.n_buffers) return null;
        return @ptrCast(self.buffers.?[i] orelse return null);
    }
};

/// The C Stream Interface's producer of a sequence of arrays of one schema
/// (CStreamInterface.rst). Each callback takes the stream itself; a callback
/// returning non-zero sets an errno, and `get_last_error` then describes it
/// until the next call.
pub const ArrowArrayStream = extern struct {
    get_schema: ?*const fn (*ArrowArrayStream, *ArrowSchema) callconv(.c) c_int,
    get_next: ?*const fn (*ArrowArrayStream, *ArrowArray) callconv(.c) c_int,
    get_last_error: ?*const fn (*ArrowArrayStream) callconv(.c) ?[*:0]const u8,
    release: ?*const fn (*ArrowArrayStream) callconv(.c) void,
    private_data: ?*anyopaque,
};

comptime {
    std.debug.assert(@sizeOf(ArrowArrayStream) == 40 and @offsetOf(ArrowArrayStream, "release") == 24);
    // The specification's layout on every 64-bit target.
    std.debug.assert(@sizeOf(ArrowSchema) == 72 and @alignOf(ArrowSchema) == 8);
    std.debug.assert(@sizeOf(ArrowArray) == 80 and @alignOf(ArrowArray) == 8);
    std.debug.assert(@offsetOf(ArrowSchema, "release") == 56);
    std.debug.assert(@offsetOf(ArrowArray, "release") == 64);
}
