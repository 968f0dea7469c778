//! Deep copies of C Data struct trees in one allocation each, whose root's
//! `release` frees it: an `ArrowSchema` (formats, names, flags, children), what
//! a stream hands out on every `get_schema`; and an `ArrowArray`'s structs (not
//! its buffers), so that a consumer given a batch Deno lends (an ADBC driver)
//! follows and calls only what Zig wrote. A dictionary-encoded column's
//! dictionary is copied with it; metadata is not (no supported type has it).

const std = @import("std");
const c = @import("c_data.zig");
const zerocopy = @import("../zerocopy.zig");
const ArrowSchema = c.ArrowSchema;
const ArrowArray = c.ArrowArray;

pub const Error = error{ OutOfMemory, OverBudget };

/// Bounds a walk over a tree someone else built (a cycle ends in `OverBudget`).
const max_nodes = 1 << 16;
const max_depth = 64;

const Header = struct {
    bytes: []align(16) u8,
    /// Called once the copy is released (an array's lender counting what is still out).
    on_release: ?*const fn (context: *anyopaque) void = null,
    context: ?*anyopaque = null,
};

/// Copies `source` into `target`, whose `release` then frees the copy (children included).
pub fn copy(source: *const ArrowSchema, target: *ArrowSchema) Error!void {
    var size: Size = .{};
    try size.count(source, 0);
    const allocator = zerocopy.default_allocator;
    const bytes = try allocator.alignedAlloc(u8, .@"16", size.total());
    var fill: Fill = .{ .bytes = bytes, .schemas = size.schemas, .next_schema = 1 };
    const structs: [*]ArrowSchema = @ptrCast(@alignCast(bytes[@sizeOf(Header)..].ptr));
    fill.pointers_at = @sizeOf(Header) + size.schemas * @sizeOf(ArrowSchema);
    fill.strings_at = fill.pointers_at + size.pointers * @sizeOf(usize);
    const header: *Header = @ptrCast(@alignCast(bytes.ptr));
    header.* = .{ .bytes = bytes };
    fill.node(source, &structs[0]);
    target.* = structs[0];
    target.release = releaseRoot;
    target.private_data = header;
}

const Size = struct {
    schemas: usize = 0,
    pointers: usize = 0,
    strings: usize = 0,

    fn count(size: *Size, schema: *const ArrowSchema, depth: usize) Error!void {
        if (size.schemas >= max_nodes or depth > max_depth) return error.OverBudget;
        if (schema.n_children < 0 or schema.n_children > max_nodes) return error.OverBudget;
        size.schemas += 1;
        size.strings += schema.formatString().len + 1 + schema.nameString().len + 1;
        const n: usize = @intCast(schema.n_children);
        size.pointers += n;
        if (n > 0) {
            const children = schema.children orelse return error.OverBudget;
            for (children[0..n]) |child| try size.count(child, depth + 1);
        }
        if (schema.dictionary) |dictionary| try size.count(dictionary, depth + 1);
    }

    fn total(size: Size) usize {
        return @sizeOf(Header) + size.schemas * @sizeOf(ArrowSchema) + size.pointers * @sizeOf(usize) + size.strings;
    }
};

const Fill = struct {
    bytes: []u8,
    schemas: usize,
    next_schema: usize,
    pointers_at: usize = 0,
    strings_at: usize = 0,

    fn schemaAt(fill: *Fill, i: usize) *ArrowSchema {
        const structs: [*]ArrowSchema = @ptrCast(@alignCast(fill.bytes[@sizeOf(Header)..].ptr));
        return &structs[i];
    }

    fn string(fill: *Fill, text: []const u8) [*:0]const u8 {
        const at = fill.strings_at;
        @memcpy(fill.bytes[at..][0..text.len], text);
        fill.bytes[at + text.len] = 0;
        fill.strings_at += text.len + 1;
        return @ptrCast(fill.bytes[at..].ptr);
    }

    fn node(fill: *Fill, source: *const ArrowSchema, target: *ArrowSchema) void {
        const n: usize = @intCast(source.n_children);
        const children: [*]*ArrowSchema = @ptrCast(@alignCast(fill.bytes[fill.pointers_at..].ptr));
        fill.pointers_at += n * @sizeOf(usize);
        target.* = .{
            .format = fill.string(source.formatString()),
            .name = fill.string(source.nameString()),
            .metadata = null,
            .flags = source.flags,
            .n_children = source.n_children,
            .children = if (n > 0) children else null,
            .dictionary = null,
            .release = releaseChild,
            .private_data = null,
        };
        for (0..n) |i| {
            const child = fill.schemaAt(fill.next_schema);
            fill.next_schema += 1;
            children[i] = child;
            fill.node(source.child(i), child);
        }
        if (source.dictionary) |dictionary| {
            const copied = fill.schemaAt(fill.next_schema);
            fill.next_schema += 1;
            target.dictionary = copied;
            fill.node(dictionary, copied);
        }
    }
};

/// Copies the structs of `source` (checked by the reader first: a lying count
/// is bounded here only by the budget) into `target`, whose buffers are
/// `source`'s own; `target.release` frees the copy.
pub fn copyArray(source: *const ArrowArray, target: *ArrowArray) Error!void {
    return copyArrayNotifying(source, target, null, null);
}

/// `copyArray`, with `on_release(context)` called once the copy is released.
pub fn copyArrayNotifying(source: *const ArrowArray, target: *ArrowArray, context: ?*anyopaque, on_release: ?*const fn (*anyopaque) void) Error!void {
    var size: ArraySize = .{};
    try size.count(source, 0);
    const bytes = try zerocopy.default_allocator.alignedAlloc(u8, .@"16", size.total());
    const header: *Header = @ptrCast(@alignCast(bytes.ptr));
    header.* = .{ .bytes = bytes };
    header.on_release = on_release;
    header.context = context;
    var fill: ArrayFill = .{ .bytes = bytes, .next_array = 1 };
    fill.pointers_at = @sizeOf(Header) + size.arrays * @sizeOf(ArrowArray);
    fill.node(source, fill.arrayAt(0));
    target.* = fill.arrayAt(0).*;
    target.release = releaseArrayRoot;
    target.private_data = header;
}

const ArraySize = struct {
    arrays: usize = 0,
    pointers: usize = 0,

    fn count(size: *ArraySize, array: *const ArrowArray, depth: usize) Error!void {
        if (size.arrays >= max_nodes or depth > max_depth) return error.OverBudget;
        if (array.n_children < 0 or array.n_children > max_nodes or array.n_buffers < 0 or array.n_buffers > 3) return error.OverBudget;
        size.arrays += 1;
        const n: usize = @intCast(array.n_children);
        size.pointers += n + @as(usize, @intCast(array.n_buffers));
        if (n > 0) {
            const children = array.children orelse return error.OverBudget;
            for (children[0..n]) |child| try size.count(child, depth + 1);
        }
        if (array.dictionary) |dictionary| try size.count(dictionary, depth + 1);
    }

    fn total(size: ArraySize) usize {
        return @sizeOf(Header) + size.arrays * @sizeOf(ArrowArray) + size.pointers * @sizeOf(usize);
    }
};

const ArrayFill = struct {
    bytes: []u8,
    next_array: usize,
    pointers_at: usize = 0,

    fn arrayAt(fill: *ArrayFill, i: usize) *ArrowArray {
        const structs: [*]ArrowArray = @ptrCast(@alignCast(fill.bytes[@sizeOf(Header)..].ptr));
        return &structs[i];
    }

    fn words(fill: *ArrayFill, n: usize) [*]usize {
        const at: [*]usize = @ptrCast(@alignCast(fill.bytes[fill.pointers_at..].ptr));
        fill.pointers_at += n * @sizeOf(usize);
        return at;
    }

    fn node(fill: *ArrayFill, source: *const ArrowArray, target: *ArrowArray) void {
        const n: usize = @intCast(source.n_children);
        const n_buffers: usize = @intCast(source.n_buffers);
        const buffers: [*]?*const anyopaque = @ptrCast(fill.words(n_buffers));
        for (0..n_buffers) |i| buffers[i] = if (source.buffers) |b| b[i] else null;
        const children: [*]*ArrowArray = @ptrCast(fill.words(n));
        target.* = .{
            .length = source.length,
            .null_count = source.null_count,
            .offset = source.offset,
            .n_buffers = source.n_buffers,
            .n_children = source.n_children,
            .buffers = if (n_buffers > 0) buffers else null,
            .children = if (n > 0) children else null,
            .dictionary = null,
            .release = releaseArrayChild,
            .private_data = null,
        };
        for (0..n) |i| {
            const child = fill.arrayAt(fill.next_array);
            fill.next_array += 1;
            children[i] = child;
            fill.node(source.child(i), child);
        }
        if (source.dictionary) |dictionary| {
            const copied = fill.arrayAt(fill.next_array);
            fill.next_array += 1;
            target.dictionary = copied;
            fill.node(dictionary, copied);
        }
    }
};

fn releaseArrayChild(array: *ArrowArray) callconv(.c) void {
    array.release = null;
}

fn releaseArrayRoot(array: *ArrowArray) callconv(.c) void {
    const header: *Header = @ptrCast(@alignCast(array.private_data orelse return));
    array.release = null;
    const on_release = header.on_release;
    const context = header.context;
    zerocopy.default_allocator.free(header.bytes);
    if (on_release) |notify| notify(context.?);
}

/// A child lives in its root's allocation: releasing it only marks it.
fn releaseChild(schema: *ArrowSchema) callconv(.c) void {
    schema.release = null;
}

fn releaseRoot(schema: *ArrowSchema) callconv(.c) void {
    const header: *Header = @ptrCast(@alignCast(schema.private_data orelse return));
    schema.release = null;
    zerocopy.default_allocator.free(header.bytes);
}

test "a copied schema keeps formats, names and children, and frees itself once" {
    const testing = std.testing;
    var x: ArrowSchema = .{ .format = "i", .name = "x", .metadata = null, .flags = c.flag_nullable, .n_children = 0, .children = null, .dictionary = null, .release = null, .private_data = null };
    var kids = [_]*ArrowSchema{&x};
    const root: ArrowSchema = .{ .format = "+s", .name = "", .metadata = null, .flags = 0, .n_children = 1, .children = &kids, .dictionary = null, .release = null, .private_data = null };
    var copied: ArrowSchema = undefined;
    try copy(&root, &copied);
    try testing.expectEqualStrings("+s", copied.formatString());
    try testing.expectEqualStrings("x", copied.child(0).nameString());
    try testing.expectEqualStrings("i", copied.child(0).formatString());
    try testing.expectEqual(c.flag_nullable, copied.child(0).flags);
    copied.release.?(&copied);
    try testing.expect(copied.release == null);
}

test "a copied array keeps lengths, offsets, buffers and children, and frees itself once" {
    const testing = std.testing;
    const values = [_]i32{ 1, 2, 3 };
    var child_buffers = [_]?*const anyopaque{ null, &values };
    var x: ArrowArray = .{ .length = 3, .null_count = 0, .offset = 1, .n_buffers = 2, .n_children = 0, .buffers = &child_buffers, .children = null, .dictionary = null, .release = null, .private_data = null };
    var kids = [_]*ArrowArray{&x};
    var root_buffers = [_]?*const anyopaque{null};
    const root: ArrowArray = .{ .length = 2, .null_count = 0, .offset = 0, .n_buffers = 1, .n_children = 1, .buffers = &root_buffers, .children = &kids, .dictionary = null, .release = null, .private_data = null };
    var copied: ArrowArray = undefined;
    try copyArray(&root, &copied);
    try testing.expectEqual(@as(i64, 2), copied.length);
    try testing.expectEqual(@as(i64, 1), copied.child(0).offset);
    try testing.expectEqual(@as(?[*]const u8, @ptrCast(&values)), copied.child(0).buffer(1));
    copied.release.?(&copied);
    try testing.expect(copied.release == null);
}

test "a dictionary-encoded column's dictionary is copied with it, schema and array" {
    const testing = std.testing;
    var values_schema: ArrowSchema = .{ .format = "u", .name = "", .metadata = null, .flags = 0, .n_children = 0, .children = null, .dictionary = null, .release = null, .private_data = null };
    var s: ArrowSchema = .{ .format = "i", .name = "s", .metadata = null, .flags = 0, .n_children = 0, .children = null, .dictionary = &values_schema, .release = null, .private_data = null };
    var schema_kids = [_]*ArrowSchema{&s};
    const root_schema: ArrowSchema = .{ .format = "+s", .name = "", .metadata = null, .flags = 0, .n_children = 1, .children = &schema_kids, .dictionary = null, .release = null, .private_data = null };
    var copied_schema: ArrowSchema = undefined;
    try copy(&root_schema, &copied_schema);
    try testing.expectEqualStrings("i", copied_schema.child(0).formatString());
    try testing.expectEqualStrings("u", copied_schema.child(0).dictionary.?.formatString());
    try testing.expect(copied_schema.child(0).dictionary.? != &values_schema);
    copied_schema.release.?(&copied_schema);

    const offsets = [_]i32{ 0, 1, 2 };
    const text = "ab";
    var values_buffers = [_]?*const anyopaque{ null, &offsets, text };
    var values: ArrowArray = .{ .length = 2, .null_count = 0, .offset = 0, .n_buffers = 3, .n_children = 0, .buffers = &values_buffers, .children = null, .dictionary = null, .release = null, .private_data = null };
    const indices = [_]i32{ 1, 0, 1 };
    var index_buffers = [_]?*const anyopaque{ null, &indices };
    var column: ArrowArray = .{ .length = 3, .null_count = 0, .offset = 0, .n_buffers = 2, .n_children = 0, .buffers = &index_buffers, .children = null, .dictionary = &values, .release = null, .private_data = null };
    var kids = [_]*ArrowArray{&column};
    var root_buffers = [_]?*const anyopaque{null};
    const root: ArrowArray = .{ .length = 3, .null_count = 0, .offset = 0, .n_buffers = 1, .n_children = 1, .buffers = &root_buffers, .children = &kids, .dictionary = null, .release = null, .private_data = null };
    var copied: ArrowArray = undefined;
    try copyArray(&root, &copied);
    const dictionary = copied.child(0).dictionary.?;
    try testing.expect(dictionary != &values);
    try testing.expectEqual(@as(i64, 2), dictionary.length);
    try testing.expectEqual(@as(?[*]const u8, @ptrCast(text)), dictionary.buffer(2));
    copied.release.?(&copied);
    try testing.expect(copied.release == null);
}

test "a cycle through a dictionary is refused" {
    var root: ArrowSchema = .{ .format = "i", .name = "", .metadata = null, .flags = 0, .n_children = 0, .children = null, .dictionary = null, .release = null, .private_data = null };
    root.dictionary = &root;
    var copied: ArrowSchema = undefined;
    try std.testing.expectError(error.OverBudget, copy(&root, &copied));
}

test "a cycle of children is refused" {
    var root: ArrowSchema = .{ .format = "+s", .name = "", .metadata = null, .flags = 0, .n_children = 1, .children = null, .dictionary = null, .release = null, .private_data = null };
    var kids = [_]*ArrowSchema{&root};
    root.children = &kids;
    var copied: ArrowSchema = undefined;
    try std.testing.expectError(error.OverBudget, copy(&root, &copied));
}
