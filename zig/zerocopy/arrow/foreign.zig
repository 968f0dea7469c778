//! Arrow arrays another library produced (a SQL engine's result, pyarrow's
//! `_export_to_c`), read by the host in place: the array is checked, moved
//! into a holder Zig owns, and each of its buffers is handed over as a `u8`
//! buffer whose release drops one reference to the holder. The last release,
//! whichever buffer it is and whenever the host lets it go, calls the
//! producer's own `release` once.
//!
//! Foreign memory was not allocated here, so no buffer can be checked against
//! an allocation: what the producer claims is checked instead, under the
//! reader's budget (`reader.Limits`: arrays, depth, children, lengths), with
//! every utf8 offset read once per attempt (monotone, from zero or more) because the last
//! offset is what sizes the character buffer. Whether the buffers really are
//! as long as the lengths say is the producer's word.
//!
//! The host learns the tree from a directory Zig writes into memory the host
//! lends for the call (`ForeignHeader`, then a `ForeignNode` per array, then
//! the strings; their layouts are in the ABI manifest), never from the
//! foreign structs.

const std = @import("std");
const c = @import("c_data.zig");
const reader = @import("reader.zig");
const abi = @import("../abi.zig");
const handover = @import("../handover.zig");
const zerocopy = @import("../zerocopy.zig");
const ArrowArray = c.ArrowArray;
const ArrowSchema = c.ArrowSchema;
const Descriptor = abi.Descriptor;
const Status = abi.Status;

/// The start of the directory: counts, where the strings are, why an adoption
/// failed. Little-endian, at any alignment (the host lends the memory).
pub const ForeignHeader = extern struct {
    /// Nodes, one per array, in preorder: the root struct, then each child followed by its own.
    node_count: u32,
    /// Buffers handed over into the host's descriptor slots.
    buffer_count: u32,
    /// Byte offset and length of the strings (formats and names; after a
    /// refused format, that format alone).
    strings_at: u32,
    strings_len: u32,
    /// A `Failure`.
    failure: u32,
    reserved: u32,
    /// After `full`: the bytes and descriptor slots an adoption needs.
    directory_needed: u32,
    buffers_needed: u32,
};

/// One array of the tree, after the header.
pub const ForeignNode = extern struct {
    length: u64,
    /// Where row 0 is in the buffers: the array's offset plus its parents'.
    start: u64,
    null_count: i64,
    n_children: u32,
    /// The C Data Interface's field flags (`ARROW_FLAG_NULLABLE`, ...).
    flags: u32,
    /// For each buffer in C Data order (validity first), its descriptor slot + 1; 0 for none.
    buffer_slots: [3]u32,
    /// Byte offsets into the strings, and lengths.
    format_at: u32,
    format_len: u32,
    name_at: u32,
    name_len: u32,
    /// 1 when the array is dictionary-encoded: its dictionary is the node
    /// after its children (and theirs).
    dictionary: u32,
};

pub const header_bytes = @sizeOf(ForeignHeader);
pub const node_bytes = @sizeOf(ForeignNode);

comptime {
    std.debug.assert(header_bytes == 32 and node_bytes == 64);
}

/// Why `adopt` refused, as the header's `failure` word says.
pub const Failure = enum(u32) {
    none = 0,
    unsupported_format = 1,
    invalid_layout = 2,
    over_budget = 3,
    /// The directory or the descriptor slots the host lent are too small:
    /// `directory_needed` and `buffers_needed` say how many it takes.
    too_small = 4,
    /// A stream's producer failed (`get_schema` or `get_next` returned an
    /// errno): the stream's message says what it reported.
    producer_failed = 5,
    /// An offset of a string, bytes or list column below zero or below the
    /// one before it, or a list's past its items.
    invalid_offsets = 6,
};

/// Owns a moved foreign array until the last buffer handed over from it is released.
const Holder = struct {
    array: ArrowArray,
    refs: std.atomic.Value(usize),

    fn unref(holder: *Holder) void {
        if (holder.refs.fetchSub(1, .acq_rel) != 1) return;
        if (holder.array.release) |release_fn| release_fn(&holder.array);
        zerocopy.default_allocator.destroy(holder);
    }
};

fn releaseBuffer(descriptor: *Descriptor) callconv(.c) void {
    const holder: *Holder = @ptrCast(@alignCast(descriptor.private orelse return));
    holder.unref();
}

/// What one walk over the tree found; writes stop at the lent memory's end but counting goes on.
const Walk = struct {
    directory: []u8,
    slots: []Descriptor,
    nodes: u32 = 0,
    buffers: u32 = 0,
    strings: usize = 0,
    strings_at: usize,
    fits: bool = true,
    /// The first pass, which only counts the nodes: it reads no offset.
    counting: bool = false,
    /// The layout failed at an offset, not at a count or a length.
    bad_offsets: bool = false,

    fn put(walk: *Walk, at: usize, comptime T: type, value: T) void {
        if (at + @sizeOf(T) > walk.directory.len) return;
        std.mem.writeInt(T, walk.directory[at..][0..@sizeOf(T)], value, .little);
    }

    /// Notes a buffer to hand over; returns its slot + 1, or 0 for none.
    fn buffer(walk: *Walk, ptr: ?[*]const u8, bytes: usize) u32 {
        const start = ptr orelse return 0;
        if (bytes == 0) return 0; // nothing to view, and an empty view holds nothing to release
        const slot = walk.buffers;
        walk.buffers += 1;
        if (slot < walk.slots.len) {
            walk.slots[slot] = .released;
            walk.slots[slot].ptr = @constCast(start);
            walk.slots[slot].len = bytes;
        } else walk.fits = false;
        return slot + 1;
    }

    fn string(walk: *Walk, text: []const u8) [2]u32 {
        const at = walk.strings;
        walk.strings += text.len;
        if (walk.strings_at + walk.strings <= walk.directory.len) {
            @memcpy(walk.directory[walk.strings_at + at ..][0..text.len], text);
        } else walk.fits = false;
        return .{ @intCast(at), @intCast(text.len) };
    }

    fn node(walk: *Walk, column: reader.Column) reader.Error!void {
        const index = walk.nodes;
        walk.nodes += 1;
        const at = header_bytes + @as(usize, index) * node_bytes;
        if (at + node_bytes > walk.strings_at) walk.fits = false;
        const array = column.array;
        const start = column.shift + @as(usize, @intCast(array.offset));
        const rows = start + column.len();
        var slots = [3]u32{ 0, 0, 0 };
        if (array.null_count != 0) slots[0] = walk.buffer(array.buffer(0), (rows + 7) / 8);
        if (column.kind.width()) |width| {
            slots[1] = walk.buffer(array.buffer(1), rows * width);
        } else if (column.kind.offsetWidth()) |width| {
            if (rows > 0 and !walk.counting) {
                const last = lastOffset(column, start, rows) catch |err| {
                    walk.bad_offsets = true;
                    return err;
                };
                slots[1] = walk.buffer(array.buffer(1), (rows + 1) * width);
                if (column.kind.isBinary()) {
                    slots[2] = walk.buffer(array.buffer(2), last);
                    if (last > 0 and slots[2] == 0) return error.InvalidLayout;
                } else if (last > (try column.child(0)).len()) {
                    walk.bad_offsets = true;
                    return error.InvalidLayout;
                }
            }
        } else if (column.kind == .bool) slots[1] = walk.buffer(array.buffer(1), (rows + 7) / 8);
        const format = walk.string(column.schema.formatString());
        const name = walk.string(column.schema.nameString());
        if (walk.fits) {
            const field = struct {
                fn offset(comptime field_name: []const u8) usize {
                    return @offsetOf(ForeignNode, field_name);
                }
            }.offset;
            walk.put(at + field("length"), u64, @intCast(array.length));
            walk.put(at + field("start"), u64, start);
            walk.put(at + field("null_count"), i64, array.null_count);
            walk.put(at + field("n_children"), u32, @intCast(column.childCount()));
            walk.put(at + field("flags"), u32, @truncate(@as(u64, @bitCast(column.schema.flags))));
            for (slots, 0..) |slot, i| walk.put(at + field("buffer_slots") + 4 * i, u32, slot);
            walk.put(at + field("dictionary"), u32, @intFromBool(column.schema.dictionary != null));
            walk.put(at + field("format_at"), u32, format[0]);
            walk.put(at + field("format_len"), u32, format[1]);
            walk.put(at + field("name_at"), u32, name[0]);
            walk.put(at + field("name_len"), u32, name[1]);
        }
        for (0..column.childCount()) |i| try walk.node(try column.child(i));
        if (try column.dictionary()) |values| try walk.node(values);
    }
};

/// The last offset of a string, bytes or list column, its offsets read once,
/// each from zero or more and none below the one before (nanoarrow's "full"
/// level for offsets: a foreign buffer's length is known only from them).
fn lastOffset(column: reader.Column, start: usize, rows: usize) reader.Error!usize {
    const offsets = column.array.buffer(1).?;
    const read = struct {
        fn at(bytes: [*]const u8, wide: bool, i: usize) i64 {
            return if (wide) std.mem.readInt(i64, bytes[i * 8 ..][0..8], .little) else std.mem.readInt(i32, bytes[i * 4 ..][0..4], .little);
        }
    }.at;
    const wide = column.kind.offsetWidth().? == 8;
    var previous = read(offsets, wide, start);
    if (previous < 0) return error.InvalidLayout;
    for (start + 1..rows + 1) |i| {
        const next = read(offsets, wide, i);
        if (next < previous) return error.InvalidLayout;
        previous = next;
    }
    if (previous > 1 << 48) return error.InvalidLayout;
    return @intCast(previous);
}

/// Checks the foreign `array` against `schema` and, when the directory and the
/// slots are large enough, moves it into a holder and hands each of its
/// buffers over into `slots`. On any refusal the array is left where it was,
/// still the caller's to release.
pub fn adopt(schema: *const ArrowSchema, array: *ArrowArray, directory: []u8, slots: []Descriptor) Status {
    if (directory.len < header_bytes) return .invalid_argument;
    @memset(directory[0..header_bytes], 0);
    var walk: Walk = .{ .directory = directory, .slots = slots, .strings_at = directory.len };
    const failure: Failure = check: {
        const root = reader.Column.init(schema, array, 0) catch |err| break :check failureOf(err);
        if (root.kind != .@"struct") break :check .invalid_layout;
        // Strings follow the nodes; the node count is known only after a first count.
        var count: Walk = .{ .directory = &.{}, .slots = &.{}, .strings_at = 0, .counting = true };
        count.node(root) catch |err| break :check failureOf(err);
        walk.strings_at = header_bytes + @as(usize, count.nodes) * node_bytes;
        walk.node(root) catch |err| break :check if (walk.bad_offsets) .invalid_offsets else failureOf(err);
        if (!walk.fits or walk.strings_at + walk.strings > directory.len) {
            writeHeader(directory, &walk, .too_small);
            return .full;
        }
        break :check .none;
    };
    if (failure != .none) {
        writeHeader(directory, &walk, failure);
        if (failure == .unsupported_format) nameUnsupported(schema, directory);
        return .invalid_argument;
    }
    const holder = zerocopy.default_allocator.create(Holder) catch return .out_of_memory;
    holder.* = .{ .array = array.*, .refs = .init(walk.buffers) };
    array.release = null; // moved: the caller's copy is released, the holder's is live
    writeHeader(directory, &walk, .none);
    for (slots[0..walk.buffers]) |*slot| {
        handover.handOverDescriptor(.{
            .ptr = slot.ptr,
            .len = slot.len,
            .cap = slot.len,
            .release = releaseBuffer,
            .private = holder,
            .element_type = .u8,
            .flags = 0,
        }, slot);
    }
    // No buffer to view (every column empty): nothing will ever release one.
    if (walk.buffers == 0) {
        holder.refs.store(1, .monotonic);
        holder.unref();
    }
    return .ok;
}

fn writeHeader(directory: []u8, walk: *const Walk, failure: Failure) void {
    std.mem.writeInt(u32, directory[0..4], walk.nodes, .little);
    std.mem.writeInt(u32, directory[4..8], walk.buffers, .little);
    std.mem.writeInt(u32, directory[8..12], @intCast(@min(walk.strings_at, std.math.maxInt(u32))), .little);
    std.mem.writeInt(u32, directory[12..16], @intCast(@min(walk.strings, std.math.maxInt(u32))), .little);
    std.mem.writeInt(u32, directory[16..20], @backingInt(failure), .little);
    const needed = header_bytes + @as(usize, walk.nodes) * node_bytes + walk.strings;
    std.mem.writeInt(u32, directory[24..28], @intCast(@min(needed, std.math.maxInt(u32))), .little);
    std.mem.writeInt(u32, directory[28..32], walk.buffers, .little);
}

/// Writes the first format the reader does not know (preorder, within the
/// reader's budget) after the header, for the host's message: the strings'
/// place and length in the header say where.
fn nameUnsupported(schema: *const ArrowSchema, directory: []u8) void {
    var budget: usize = (reader.Limits{}).max_nodes;
    const format = unsupportedFormat(schema, 0, &budget) orelse return;
    const len = @min(format.len, directory.len - header_bytes, 256);
    @memcpy(directory[header_bytes..][0..len], format[0..len]);
    std.mem.writeInt(u32, directory[@offsetOf(ForeignHeader, "strings_at")..][0..4], header_bytes, .little);
    std.mem.writeInt(u32, directory[@offsetOf(ForeignHeader, "strings_len")..][0..4], @intCast(len), .little);
}

fn unsupportedFormat(schema: *const ArrowSchema, depth: usize, budget: *usize) ?[]const u8 {
    if (budget.* == 0 or depth > (reader.Limits{}).max_depth) return null;
    budget.* -= 1;
    const format = schema.formatString();
    // The reader reads maps only for the registered scan.
    if ((reader.Kind.parse(format) orelse return format) == .map) return format;
    if (schema.n_children <= 0 or schema.n_children > (reader.Limits{}).max_children) return null;
    const children = schema.children orelse return null;
    for (children[0..@intCast(schema.n_children)]) |child| {
        if (unsupportedFormat(child, depth + 1, budget)) |found| return found;
    }
    return null;
}

fn failureOf(err: reader.Error) Failure {
    return switch (err) {
        error.UnsupportedFormat => .unsupported_format,
        error.InvalidLayout => .invalid_layout,
        error.OverBudget => .over_budget,
    };
}

/// Calls a foreign struct's own `release` if it still has one: a schema once
/// its arrays are adopted, an array `adopt` refused.
pub fn release(schema: ?*ArrowSchema, array: ?*ArrowArray) void {
    if (schema) |s| if (s.release) |r| r(s);
    if (array) |a| if (a.release) |r| r(a);
}

pub const exports = struct {
    /// Adopts the foreign `array` (described by `schema`) for the host: the
    /// tree is written to `directory` (`directory_len` bytes the host lends)
    /// and each buffer handed over into `buffers` (room for `buffers_len`
    /// descriptors, 8-aligned);
    /// the array's `release` runs once every buffer is released. `full` when
    /// the lent memory is too small (the header says how much is needed),
    /// `invalid_argument` for a refused array (the header says why); the array
    /// is then untouched.
    pub fn zc_arrow_foreign_adopt(
        schema: ?*const ArrowSchema,
        array: ?*ArrowArray,
        directory: ?[*]u8,
        directory_len: u64,
        buffers: ?[*]u8,
        buffers_len: u64,
    ) callconv(.c) Status {
        const s = schema orelse return .invalid_argument;
        const a = array orelse return .invalid_argument;
        const d = directory orelse return .invalid_argument;
        const slots: []Descriptor = if (buffers) |b| slots: {
            if (!std.mem.isAligned(@intFromPtr(b), @alignOf(Descriptor))) return .invalid_argument;
            const typed: [*]Descriptor = @ptrCast(@alignCast(b));
            break :slots typed[0..@intCast(buffers_len)];
        } else &.{};
        return adopt(s, a, d[0..@intCast(directory_len)], slots);
    }

    /// Releases a foreign schema and array the host holds (either may be null,
    /// or already released): what `zc_arrow_foreign_adopt` left to the caller.
    pub fn zc_arrow_foreign_release(schema: ?*ArrowSchema, array: ?*ArrowArray) callconv(.c) void {
        release(schema, array);
    }
};

test {
    _ = @import("foreign_test.zig");
}
