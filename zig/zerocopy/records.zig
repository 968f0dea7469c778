//! Records: a slice of an `extern struct` handed over as one buffer, freed
//! with the struct's alignment, and described to TypeScript by its comptime
//! layout so that generated bindings return a typed view of it.
//!
//!     const Vertex = extern struct { x: f32, y: f32, z: f32, id: u32 };
//!     pub fn make_vertices(n: u32, out: ?*zerocopy.RecordOut(Vertex)) callconv(.c) zerocopy.Status { ... }
//!
//! Every field must be one of the element types (u8…u64, i8…i64, f32, f64),
//! the types a TypedArray can view.

const std = @import("std");
const Allocator = std.mem.Allocator;
const abi = @import("abi.zig");
const handover = @import("handover.zig");
const Descriptor = abi.Descriptor;
const ElementType = abi.ElementType;

/// Where a function hands over a slice of `T` records: declare the parameter
/// as `out: ?*zerocopy.RecordOut(T)`. The descriptor carries the records as
/// bytes (`u8`, `len` = records × `@sizeOf(T)`); its release frees them as a
/// `[]T`, with `T`'s alignment, through the allocator that made them.
pub fn RecordOut(comptime T: type) type {
    comptime checkRecord(T);
    return extern struct {
        descriptor: Descriptor,

        pub const Record = T;

        /// Hands over `slice`, which `allocator` allocated with exactly `slice.len` records.
        pub fn handOverSlice(self: *@This(), allocator: *const Allocator, slice: []T) void {
            const bytes = slice.len * @sizeOf(T);
            handover.handOver(u8, @ptrCast(slice.ptr), bytes, bytes, handover.AllocatorRelease(T, u8).release, @constCast(allocator), &self.descriptor);
        }

        /// Marks the out-parameter empty, so a failed call hands nothing over.
        pub fn clear(self: *@This()) void {
            self.descriptor = .released;
        }
    };
}

/// Whether `T` is a `RecordOut(...)`.
pub fn isRecordOut(comptime T: type) bool {
    return @typeInfo(T) == .@"struct" and @hasDecl(T, "Record") and T == RecordOut(T.Record);
}

/// A compile error naming the field when `T` cannot be a record.
pub fn checkRecord(comptime T: type) void {
    @setEvalBranchQuota(100_000);
    const info = @typeInfo(T);
    if (info != .@"struct" or info.@"struct".layout != .@"extern") @compileError("zerocopy records: " ++ @typeName(T) ++
        " must be an `extern struct`, whose layout is fixed, to be handed over as records");
    if (@sizeOf(T) == 0) @compileError("zerocopy records: " ++ @typeName(T) ++ " has no fields");
    for (info.@"struct".field_names, info.@"struct".field_types) |name, field_type| {
        if (ElementType.tagOf(field_type) == null) @compileError("zerocopy records: field `" ++ name ++ "` of " ++
            @typeName(T) ++ " has type `" ++ @typeName(field_type) ++ "`; use u8…u64, i8…i64, f32 or f64");
    }
}

/// The record's short name, as the generated TypeScript names its layout.
pub fn recordName(comptime T: type) []const u8 {
    const full = @typeName(T);
    const dot = std.mem.lastIndexOfScalar(u8, full, '.') orelse return full;
    return full[dot + 1 ..];
}

/// `{"size":16,"align":4,"fields":{"x":{"offset":0,"type":"f32"},…}}`: what the
/// generated bindings embed and compare, at load, with what the library says.
pub fn layoutJson(comptime T: type) []const u8 {
    comptime {
        @setEvalBranchQuota(100_000);
        var json: []const u8 = std.fmt.comptimePrint("{{\"size\":{d},\"align\":{d},\"fields\":{{", .{ @sizeOf(T), @alignOf(T) });
        for (@typeInfo(T).@"struct".field_names, @typeInfo(T).@"struct".field_types, 0..) |name, field_type, i| {
            json = json ++ std.fmt.comptimePrint("{s}\"{s}\":{{\"offset\":{d},\"type\":\"{s}\"}}", .{
                if (i == 0) "" else ",", name, @offsetOf(T, name), @tagName(ElementType.tagOf(field_type).?),
            });
        }
        return json ++ "}}";
    }
}

/// The record types a namespace's exports hand over, each once, in order.
pub fn recordTypes(comptime namespace: type) []const type {
    comptime {
        @setEvalBranchQuota(100_000);
        var list: []const type = &.{};
        for (@typeInfo(namespace).@"struct".decl_names) |name| {
            const decl = @field(namespace, name);
            if (@typeInfo(@TypeOf(decl)) != .@"fn") continue;
            for (@typeInfo(@TypeOf(decl)).@"fn".param_types) |param_type| {
                const pointer = switch (@typeInfo(param_type.?)) {
                    .optional => |optional| optional.child,
                    else => param_type.?,
                };
                if (@typeInfo(pointer) != .pointer or !isRecordOut(@typeInfo(pointer).pointer.child)) continue;
                const T = @typeInfo(pointer).pointer.child.Record;
                const seen = for (list) |known| {
                    if (known == T) break true;
                } else false;
                if (!seen) list = list ++ .{T};
            }
        }
        return list;
    }
}

/// `{"Vertex":{…},"Packet":{…}}` for every record type of `namespace`.
pub fn layoutsJson(comptime namespace: type) [:0]const u8 {
    comptime {
        var json: []const u8 = "{";
        for (recordTypes(namespace), 0..) |T, i| json = json ++ (if (i == 0) "" else ",") ++ "\"" ++ recordName(T) ++ "\":" ++ layoutJson(T);
        const final = json ++ "}";
        return final ++ "";
    }
}

/// The export a namespace with records gains (`exportAll`): copies the layouts'
/// JSON into a buffer the host lends and returns its full length, so the host
/// checks them at load with no `UnsafePointerView`.
pub fn LayoutsExport(comptime namespace: type) type {
    return struct {
        pub fn zc_record_layouts(buffer: ?[*]u8, len: u32) callconv(.c) u32 {
            const json = comptime layoutsJson(namespace);
            if (buffer) |bytes| @memcpy(bytes[0..@min(len, json.len)], json[0..@min(len, json.len)]);
            return @intCast(json.len);
        }
    };
}

test "records are handed over as bytes and freed as records" {
    const Vertex = extern struct { x: f32, y: f32, z: f32, id: u32 };
    const gpa = std.testing.allocator;
    const vertices = try gpa.alloc(Vertex, 3);
    var out: RecordOut(Vertex) = undefined;
    out.handOverSlice(&gpa, vertices);
    try std.testing.expectEqual(@as(usize, 48), out.descriptor.len);
    try std.testing.expectEqual(ElementType.u8, out.descriptor.element_type);
    handover.release(&out.descriptor); // the testing allocator fails on a wrong size or alignment
    try std.testing.expectEqualStrings(
        "{\"size\":16,\"align\":4,\"fields\":{\"x\":{\"offset\":0,\"type\":\"f32\"},\"y\":{\"offset\":4,\"type\":\"f32\"},\"z\":{\"offset\":8,\"type\":\"f32\"},\"id\":{\"offset\":12,\"type\":\"u32\"}}}",
        comptime layoutJson(Vertex),
    );
}
