//! The C ABI shared by the Zig library and the TypeScript bindings.
//!
//! Every type here crosses the FFI boundary, so each is an `extern struct` or an
//! enum with an explicit integer tag, and each layout is pinned by comptime
//! assertions. The TypeScript side checks the same numbers at load time through
//! `layout_json`, so a change here that is not mirrored there fails loudly.

const std = @import("std");
const arrow = @import("arrow/arrow.zig");
const foreign = @import("arrow/foreign.zig");

/// Progress and cancellation shared with the host (job.zig); its layout is in the manifest.
pub const Job = @import("job.zig").Job;

comptime {
    // Deno only runs on 64-bit hosts; a 32-bit build would pad `Descriptor` differently.
    if (@sizeOf(usize) != 8) @compileError("zerocopy supports 64-bit targets only");
}

/// Bumped whenever a layout, a status, an element tag or an export signature changes.
pub const abi_version: u32 = 3;

/// How long a growing lent stream's consumer waits for the host without hearing
/// from it (`zc_arrow_lent_stream_alive`) before the stream fails: generous, as
/// only a host whose thread is gone (a terminated worker) or blocked misses it;
/// the host renews far more often and may name a term of its own.
pub const lent_stream_lease_ms: u32 = 30_000;

/// Result of every fallible export. `ok` is zero so C callers can test `if (status)`.
pub const Status = enum(c_int) {
    ok = 0,
    out_of_memory = 1,
    size_overflow = 2,
    invalid_argument = 3,
    invalid_element_type = 4,
    /// A region has no room left, or every slot of a ring is held.
    full = 5,
    /// The host set a `Job`'s cancel flag and the export stopped early; or a
    /// growing lent stream's lease lapsed, so Zig ended it.
    cancelled = 6,
    /// A handle that names nothing live: its region or ring was released, its
    /// transfer received already, or it was never handed out (forged, or of another kind).
    stale_handle = 7,
    /// An out-parameter that already holds what an earlier call handed over
    /// into it: one handover per call, so nothing it holds is lost.
    handed_over_already = 8,
};

/// The element type of a handed-over buffer, one tag per TypedArray kind.
/// Non-exhaustive: a tag read back from foreign memory may be anything.
///
/// This enum is the one list of element types: each tag is named after its
/// Zig type, and `Type`, `of`, `size`, `known`, the layout manifest and every
/// `inline for`/`switch` over element types derive from it. Adding a type is
/// one line here (a new name, the next free number) plus its tests.
pub const ElementType = enum(u32) {
    i8 = 1,
    u8 = 2,
    i16 = 3,
    u16 = 4,
    i32 = 5,
    u32 = 6,
    i64 = 7,
    u64 = 8,
    f32 = 9,
    f64 = 10,
    _,

    /// The Zig type behind a tag, read from the tag's name (`i16` is `i16`).
    pub fn Type(comptime tag: ElementType) type {
        const name = @tagName(tag);
        const bits = std.fmt.parseInt(u16, name[1..], 10) catch
            @compileError("element type " ++ name ++ " is not named <i|u|f><bits>");
        return switch (name[0]) {
            'i' => @Int(.signed, bits),
            'u' => @Int(.unsigned, bits),
            'f' => std.meta.Float(bits),
            else => @compileError("element type " ++ name ++ " is not named <i|u|f><bits>"),
        };
    }

    /// The tag of a Zig type, or a compile error naming the supported types.
    pub fn of(comptime T: type) ElementType {
        if (comptime tagOf(T)) |tag| return tag;
        @compileError("zerocopy cannot hand over []" ++ @typeName(T) ++ "; use one of " ++ names);
    }

    /// The tag of a Zig type, or null when no tag names it.
    pub fn tagOf(comptime T: type) ?ElementType {
        inline for (known) |tag| {
            if (tag.Type() == T) return tag;
        }
        return null;
    }

    /// Bytes per element, or null for an unknown tag.
    pub fn size(tag: ElementType) ?usize {
        return switch (tag) {
            inline else => |t| @sizeOf(t.Type()),
            _ => null,
        };
    }

    /// Every named tag, in declaration order.
    pub const known = std.enums.values(ElementType);

    /// The tags' names, comma-separated, for error messages.
    pub const names: []const u8 = blk: {
        var list: []const u8 = "";
        for (known, 0..) |tag, i| list = list ++ (if (i == 0) "" else ", ") ++ @tagName(tag);
        break :blk list;
    };
};

/// Gives a descriptor's memory back to whoever allocated it. It receives the
/// descriptor itself, like the release callback of Apache Arrow's C Data
/// Interface, so `private` can carry its state. `zerocopy.release` calls it at
/// most once per handover and then resets the descriptor to
/// `Descriptor.released`; the function itself only frees.
pub const ReleaseFn = *const fn (descriptor: *Descriptor) callconv(.c) void;

/// The descriptor of memory handed from Zig to its host: `len` elements in use
/// out of `cap` allocated. Whoever holds a descriptor owns the memory until it calls `release` exactly once.
pub const Descriptor = extern struct {
    /// First element; null only for a released or empty descriptor.
    ptr: ?[*]u8,
    /// Elements in use: what the host's view covers.
    len: usize,
    /// Elements allocated: what `release` frees (an `ArrayList`'s capacity, say).
    cap: usize,
    /// Gives the memory back; null once released.
    release: ?ReleaseFn,
    /// The release function's own state, typically the `*const Allocator` that allocated `ptr`.
    private: ?*anyopaque,
    element_type: ElementType,
    /// Zig's record of the hand-over (`handed_over.zig`): the slot holding
    /// these words and its generation; 0 for none. Set by `handOverDescriptor`.
    flags: u32,

    /// What a descriptor looks like after `release`: nothing left to free.
    pub const released: Descriptor = .{
        .ptr = null,
        .len = 0,
        .cap = 0,
        .release = null,
        .private = null,
        .element_type = @fromBackingInt(@intCast(0)),
        .flags = 0,
    };
};

/// Allocations handed over and not yet released, counted by the library that made them.
pub const Stats = extern struct {
    live_buffers: u64,
    live_bytes: u64,
    total_handed_over: u64,
    total_released: u64,
    /// Buffers released (no longer live) whose memory the release thread has not yet freed.
    releasing_buffers: u64,
    /// Their bytes, still allocated until it has.
    releasing_bytes: u64,
    /// Buffers whose memory the release thread freed since the library was loaded.
    background_released: u64,
};

/// Where a function hands over a slice inside memory the host has mapped
/// already (a region, or a ring's slot): the host sets `owner` once, the
/// function fills the rest, and the host views `len` elements at `offset`.
pub const SliceOut = extern struct {
    /// The handle of the region or ring to carve from (its descriptor's `private`), set by the host.
    owner: u64,
    /// Bytes from the start of the owner's memory to the first element.
    offset: u64,
    /// Elements handed over.
    len: u64,
    /// Zero until the function hands a slice over.
    element_type: ElementType,
    /// The ring slot the slice occupies; zero for a region.
    slot: u32,
};

/// The header of a batch: one call hands over up to `capacity` slices of one
/// region. `capacity` pairs of u32 follow it in the same host memory, each the
/// element offset and the length of one slice.
pub const BatchOut = extern struct {
    /// The handle of the region to carve from (its descriptor's `private`), set by the host.
    owner: u64,
    /// Pairs the host made room for after this header.
    capacity: u32,
    /// Pairs the function wrote.
    count: u32,
    /// Zero until the function hands a slice over.
    element_type: ElementType,
    /// Zig's record of the hand-over (`handed_over.zig`): the slot holding
    /// these words and its generation; 0 for none. Set by `handOverDescriptor`.
    flags: u32,
};

comptime {
    assertLayout(Descriptor, 48, 8);
    assertLayout(Stats, 56, 8);
    assertLayout(SliceOut, 32, 8);
    assertLayout(BatchOut, 24, 8);
    assertLayout(Job, 24, 8);
    assertLayout(arrow.ArrowSchema, 72, 8);
    assertLayout(arrow.ArrowArray, 80, 8);
    assertLayout(arrow.BatchHeader, 16, 8);
    assertLayout(arrow.BatchNode, 112, 8);
    assertLayout(foreign.ForeignHeader, 32, 4);
    assertLayout(foreign.ForeignNode, 64, 8);
    assertLayout(arrow.StreamOut, 8, 8);
    std.debug.assert(@sizeOf(Status) == @sizeOf(c_int));
    std.debug.assert(@sizeOf(ElementType) == 4);
}

/// Fails the build when `T` changes size or alignment or gains padding.
fn assertLayout(comptime T: type, comptime size: usize, comptime alignment: usize) void {
    if (@sizeOf(T) != size) @compileError(std.fmt.comptimePrint(
        "{s} is {d} bytes, the ABI says {d}",
        .{ @typeName(T), @sizeOf(T), size },
    ));
    if (@alignOf(T) != alignment) @compileError(@typeName(T) ++ " changed alignment");
    var fields_size: usize = 0;
    for (@typeInfo(T).@"struct".field_types) |field_type| fields_size += @sizeOf(field_type);
    if (fields_size != size) @compileError(@typeName(T) ++ " has padding");
}

/// A JSON manifest of every layout above, read by the TypeScript side when it
/// opens the library (ghostty does the same for hosts without C headers).
pub const layout_json: [:0]const u8 = blk: {
    @setEvalBranchQuota(100_000); // grows with the structs listed below
    var json: []const u8 = std.fmt.comptimePrint("{{\"abi_version\":{d},\"structs\":{{", .{abi_version});
    for (.{ Descriptor, Stats, SliceOut, BatchOut, Job, arrow.ArrowSchema, arrow.ArrowArray, arrow.BatchHeader, arrow.BatchNode, foreign.ForeignHeader, foreign.ForeignNode, arrow.StreamOut }, 0..) |T, i| {
        json = json ++ (if (i == 0) "" else ",") ++ structJson(T);
    }
    json = json ++ "},\"element_types\":" ++ enumJson(ElementType);
    json = json ++ ",\"element_sizes\":" ++ elementSizesJson();
    json = json ++ ",\"statuses\":" ++ enumJson(Status);
    json = json ++ std.fmt.comptimePrint(",\"lent_stream_lease_ms\":{d}}}", .{lent_stream_lease_ms});
    break :blk json ++ "";
};

fn structJson(comptime T: type) []const u8 {
    const name = comptime shortName(T);
    var json: []const u8 = std.fmt.comptimePrint(
        "\"{s}\":{{\"size\":{d},\"align\":{d},\"fields\":{{",
        .{ name, @sizeOf(T), @alignOf(T) },
    );
    for (@typeInfo(T).@"struct".field_names, 0..) |field_name, i| {
        json = json ++ std.fmt.comptimePrint("{s}\"{s}\":{d}", .{
            if (i == 0) "" else ",", field_name, @offsetOf(T, field_name),
        });
    }
    return json ++ "}}";
}

fn enumJson(comptime E: type) []const u8 {
    var json: []const u8 = "{";
    const info = @typeInfo(E).@"enum";
    for (info.field_names, info.field_values, 0..) |field_name, field_value, i| {
        json = json ++ std.fmt.comptimePrint("{s}\"{s}\":{d}", .{ if (i == 0) "" else ",", field_name, field_value });
    }
    return json ++ "}";
}

fn elementSizesJson() []const u8 {
    var json: []const u8 = "{";
    for (ElementType.known, 0..) |tag, i| {
        json = json ++ std.fmt.comptimePrint("{s}\"{s}\":{d}", .{ if (i == 0) "" else ",", @tagName(tag), tag.size().? });
    }
    return json ++ "}";
}

fn shortName(comptime T: type) []const u8 {
    const full = @typeName(T);
    const dot = std.mem.lastIndexOfScalar(u8, full, '.') orelse return full;
    return full[dot + 1 ..];
}

test "layout_json describes Descriptor with its real offsets" {
    try std.testing.expect(std.mem.indexOf(u8, layout_json, "\"Descriptor\":{\"size\":48,\"align\":8,\"fields\":{\"ptr\":0,\"len\":8,\"cap\":16,\"release\":24,\"private\":32,\"element_type\":40,\"flags\":44}}") != null);
    try std.testing.expect(std.mem.startsWith(u8, layout_json, "{\"abi_version\":3,"));
}

test "ElementType.size covers every known tag and rejects unknown ones" {
    try std.testing.expectEqual(@as(?usize, 8), ElementType.f64.size());
    try std.testing.expectEqual(@as(?usize, 1), ElementType.i8.size());
    try std.testing.expectEqual(@as(?usize, null), @as(ElementType, @fromBackingInt(@intCast(99))).size());
}

test "layout_json lists every element type's size after the tags" {
    try std.testing.expect(std.mem.indexOf(u8, layout_json, "\"element_sizes\":{\"i8\":1,\"u8\":1,\"i16\":2,\"u16\":2,\"i32\":4,\"u32\":4,\"i64\":8,\"u64\":8,\"f32\":4,\"f64\":8}") != null);
}

test "ElementType.Type, of and tagOf agree for every known tag" {
    inline for (ElementType.known) |tag| {
        try std.testing.expectEqual(tag, ElementType.of(tag.Type()));
        try std.testing.expectEqual(@as(?usize, @sizeOf(tag.Type())), tag.size());
    }
    try std.testing.expectEqual(@as(?ElementType, null), ElementType.tagOf(bool));
}
