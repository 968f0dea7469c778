//! Writes the TypeScript side of a library from its Zig exports, by comptime
//! reflection: the `Deno.dlopen` symbol table, typed wrappers, and (for
//! zerocopy itself) the ABI layouts. Nothing is hand-synced, so TypeScript and
//! Zig cannot disagree; CI regenerates the file and fails when it is stale.
//!
//! Keep a library's exports in a namespace (`pub const exports = struct { ... }`,
//! exported with `zerocopy.exportAll`) and describe the module to generate with
//! `pub const bindings: zerocopy.bindings.Spec` in its root file.

const std = @import("std");
const zerocopy = @import("zerocopy.zig");
const abi = zerocopy.abi;
const ElementType = abi.ElementType;

/// One symbol table in the generated module.
pub const Group = struct {
    /// The TypeScript name of the table, e.g. `symbols`.
    name: []const u8,
    /// The namespace whose public functions are exported under their own names.
    exports: type,
    /// Another group's name whose symbols this one includes (spread first).
    extends: ?[]const u8 = null,
};

/// What to generate for a library.
pub const Spec = struct {
    groups: []const Group,
    /// Where the generated module imports zerocopy's TypeScript API from.
    import_from: []const u8 = "jsr:@zerocopy/zerocopy",
    /// Write typed wrappers (`bind`, `open`) over the last group.
    wrappers: bool = true,
    /// Write the ABI layout manifest (zerocopy's own src/symbols.ts uses it).
    layouts: bool = false,
    /// Names the Zig source in the generated header.
    source: []const u8,
};

/// What reflection cannot see, read from the Zig sources by function name:
/// parameter names and doc comments.
pub const SourceInfo = struct {
    params: std.StringHashMapUnmanaged([]const []const u8) = .empty,
    docs: std.StringHashMapUnmanaged([]const u8) = .empty,
};

/// How one Zig parameter or result crosses the FFI boundary.
const Kind = union(enum) {
    /// A number, bigint or boolean passed by value: the FFI type name.
    scalar: []const u8,
    /// `*Buffer`: a descriptor the caller passes (a ZeroCopyBuffer's, say).
    descriptor,
    /// `*Out(T)`: where the function hands a buffer of T over.
    out: ElementType,
    /// `[*]const T`: a TypedArray Deno lends for the call.
    lent: ElementType,
    /// A pointer to a value the host provides memory for (an extern struct, an
    /// out-parameter): a TypedArray or ArrayBuffer of the right size.
    memory,
    /// Any other pointer, passed as an opaque pointer value.
    pointer,
    /// `zerocopy.Status`: 0 is ok, anything else becomes a thrown ZeroCopyError.
    status,
    void,
};

fn classify(comptime T: type, comptime where: []const u8) Kind {
    if (T == abi.Status) return .status;
    switch (@typeInfo(T)) {
        .void => return .void,
        .bool => return .{ .scalar = "bool" },
        .int => |int| {
            if (T == usize) return .{ .scalar = "usize" };
            if (T == isize) return .{ .scalar = "isize" };
            if (int.bits != 8 and int.bits != 16 and int.bits != 32 and int.bits != 64) unsupported(where, T, "use u8, u16, u32 or u64 (or the signed ones)");
            return .{ .scalar = std.fmt.comptimePrint("{c}{d}", .{ if (int.signedness == .signed) 'i' else 'u', int.bits }) };
        },
        .float => |float| {
            if (float.bits != 32 and float.bits != 64) unsupported(where, T, "use f32 or f64");
            return .{ .scalar = if (float.bits == 32) "f32" else "f64" };
        },
        .@"enum" => |info| return classify(info.tag_type, where),
        .optional => |optional| {
            if (@typeInfo(optional.child) != .pointer) unsupported(where, T, "an optional crosses FFI only as a nullable pointer: take a pointer or a sentinel value");
            return classify(optional.child, where);
        },
        .pointer => |pointer| switch (pointer.size) {
            .slice => unsupported(where, T, "a slice is two words the C ABI cannot carry: take `[*]const T` and a `len: u32` parameter"),
            .many, .c => {
                if (pointer.sentinel_ptr == null) if (elementTypeOf(pointer.child)) |tag| return .{ .lent = tag };
                return .pointer;
            },
            .one => {
                if (pointer.child == abi.Buffer) return .descriptor;
                if (@typeInfo(pointer.child) == .@"struct" and @hasDecl(pointer.child, "element_type") and
                    @sizeOf(pointer.child) == @sizeOf(abi.Buffer)) return .{ .out = pointer.child.element_type };
                return switch (@typeInfo(pointer.child)) {
                    .@"opaque", .@"fn" => .pointer,
                    else => .memory,
                };
            },
        },
        .error_union => unsupported(where, T, "an error union cannot cross FFI: return zerocopy.Status and map errors with zerocopy.statusOf"),
        .@"struct", .@"union" => unsupported(where, T, "pass a pointer to it instead of the value"),
        else => unsupported(where, T, "FFI cannot carry it"),
    }
}

fn unsupported(comptime where: []const u8, comptime T: type, comptime instead: []const u8) noreturn {
    @compileError("zerocopy bindings: " ++ where ++ " has type `" ++ @typeName(T) ++ "`, which " ++
        "Deno FFI does not support; " ++ instead);
}

fn elementTypeOf(comptime T: type) ?ElementType {
    inline for (ElementType.known) |tag| if (tag.Type() == T) return tag;
    return null;
}

/// Whether Deno passes this FFI type as a bigint: 64-bit and pointer-sized integers.
fn isBigInt(comptime name: []const u8) bool {
    return name[0] != 'f' and (std.mem.endsWith(u8, name, "64") or std.mem.endsWith(u8, name, "size"));
}

fn ffiName(comptime kind: Kind) []const u8 {
    return switch (kind) {
        .scalar => |name| name,
        .descriptor, .out, .lent, .memory => "buffer",
        .pointer => "pointer",
        .status => "i32",
        .void => "void",
    };
}

fn tsType(comptime kind: Kind) []const u8 {
    return switch (kind) {
        .scalar => |name| if (std.mem.eql(u8, name, "bool"))
            "boolean"
        else if (isBigInt(name)) "bigint" else "number",
        .descriptor => "Descriptor",
        .lent => |tag| "TypedArrayOf[\"" ++ @tagName(tag) ++ "\"]",
        .out => |tag| "ZeroCopyBuffer<\"" ++ @tagName(tag) ++ "\">",
        .memory => "BufferSource",
        .pointer => "Deno.PointerValue",
        .status, .void => "void",
    };
}

/// A readable Zig type name for comments: module paths dropped.
fn zigName(comptime T: type) []const u8 {
    if (T == abi.Status) return "zerocopy.Status";
    switch (@typeInfo(T)) {
        .optional => |optional| return "?" ++ zigName(optional.child),
        .pointer => |pointer| {
            if (pointer.size == .one and @typeInfo(pointer.child) == .@"struct" and
                @hasDecl(pointer.child, "element_type") and @sizeOf(pointer.child) == @sizeOf(abi.Buffer))
                return "*zerocopy.Out(" ++ @tagName(pointer.child.element_type) ++ ")";
            const prefix = switch (pointer.size) {
                .one => "*",
                .many => if (pointer.sentinel_ptr != null) "[*:0]" else "[*]",
                .c => "[*c]",
                .slice => "[]",
            };
            return prefix ++ (if (pointer.attrs.@"const") "const " else "") ++ zigName(pointer.child);
        },
        else => {
            const full = @typeName(T);
            const dot = std.mem.lastIndexOfScalar(u8, full, '.') orelse return full;
            return "zerocopy." ++ full[dot + 1 ..];
        },
    }
}

fn FnInfo(comptime f: anytype) std.builtin.Type.Fn {
    return @typeInfo(@TypeOf(f)).@"fn";
}

fn isExport(comptime namespace: type, comptime name: []const u8) bool {
    return @typeInfo(@TypeOf(@field(namespace, name))) == .@"fn";
}

fn isNonblocking(comptime namespace: type, comptime name: []const u8) bool {
    if (!@hasDecl(namespace, "nonblocking")) return false;
    inline for (namespace.nonblocking) |blocking_name| if (comptime std.mem.eql(u8, blocking_name, name)) return true;
    return false;
}

fn paramName(names: *const SourceInfo, function: []const u8, index: usize) []const u8 {
    const list = names.params.get(function) orelse return "";
    return if (index < list.len) list[index] else "";
}

fn writeName(w: *std.Io.Writer, names: *const SourceInfo, function: []const u8, index: usize) !void {
    const name = paramName(names, function, index);
    if (name.len == 0) try w.print("arg{d}", .{index}) else try w.writeAll(name);
}

/// Writes the whole TypeScript module for `spec`.
pub fn write(w: *std.Io.Writer, comptime spec: Spec, names: *const SourceInfo) !void {
    @setEvalBranchQuota(100_000);
    try w.print(
        \\// Generated by `zig build bindings` from {s}: do not edit.
        \\// CI regenerates this file and fails when the committed copy is stale.
        \\
    , .{spec.source});
    if (spec.wrappers) {
        const uses = comptime usedImports(spec.groups[spec.groups.len - 1].exports);
        try w.writeAll("\nimport {\n");
        if (uses.check_status) try w.writeAll("  checkStatus,\n");
        if (uses.descriptor) try w.writeAll("  type Descriptor,\n");
        if (uses.lend) try w.writeAll("  lend,\n");
        try w.writeAll("  openLibrary,\n");
        if (uses.lend) try w.writeAll("  type TypedArrayOf,\n");
        if (uses.buffer) try w.writeAll("  type ZeroCopyBuffer,\n");
        try w.print("  type ZeroCopyLibrary,\n}} from \"{s}\";\n", .{spec.import_from});
    }
    if (spec.layouts) {
        try w.print(
            \\
            \\/** The ABI manifest of zig/abi.zig: version, struct layouts, element type tags, statuses. */
            \\export const abiLayout = {s} as const;
            \\
        , .{abi.layout_json});
    }
    inline for (spec.groups) |group| try writeGroup(w, group, spec.groups, names);
    if (spec.wrappers) try writeWrappers(w, spec.groups[spec.groups.len - 1], names);
}

const Uses = struct { check_status: bool = false, descriptor: bool = false, lend: bool = false, buffer: bool = false };

/// Which of zerocopy's exports the wrappers over `namespace` refer to, so the
/// generated module imports nothing it does not use.
fn usedImports(comptime namespace: type) Uses {
    var uses: Uses = .{};
    for (@typeInfo(namespace).@"struct".decl_names) |name| {
        if (!isExport(namespace, name) or isNonblocking(namespace, name)) continue;
        const info = FnInfo(@field(namespace, name));
        var hands_over = false;
        for (info.param_types) |param_type| switch (classify(param_type.?, "a parameter of " ++ name)) {
            .out => {
                hands_over = true;
                uses.buffer = true;
            },
            .lent => uses.lend = true,
            .descriptor => uses.descriptor = true,
            else => {},
        };
        if (!hands_over and classify(info.return_type.?, "the result of " ++ name) == .status) uses.check_status = true;
    }
    return uses;
}

fn inParent(comptime group: Group, comptime groups: []const Group, comptime name: []const u8) bool {
    const parent_name = group.extends orelse return false;
    inline for (groups) |parent| {
        if (comptime std.mem.eql(u8, parent.name, parent_name)) {
            return @hasDecl(parent.exports, name) or inParent(parent, groups, name);
        }
    }
    @compileError("zerocopy bindings: group " ++ group.name ++ " extends unknown group " ++ parent_name);
}

fn writeGroup(w: *std.Io.Writer, comptime group: Group, comptime groups: []const Group, names: *const SourceInfo) !void {
    try w.print("\n/** FFI symbols of `{s}`, each parameter with its Zig type. */\nexport const {s} = {{\n", .{ @typeName(group.exports), group.name });
    if (group.extends) |parent| try w.print("  ...{s},\n", .{parent});
    inline for (@typeInfo(group.exports).@"struct".decl_names) |name| {
        if (comptime !isExport(group.exports, name) or inParent(group, groups, name)) continue;
        const info = FnInfo(@field(group.exports, name));
        if (names.docs.get(name)) |doc| try w.print("  /** {s}\n   * `fn (", .{doc}) else try w.writeAll("  /** `fn (");
        inline for (info.param_types, 0..) |param_type, i| {
            if (i > 0) try w.writeAll(", ");
            try writeName(w, names, name, i);
            try w.print(": {s}", .{comptime zigName(param_type.?)});
        }
        try w.print(") {s}` */\n  {s}: {{\n    parameters: [", .{ comptime zigName(info.return_type.?), name });
        inline for (info.param_types, 0..) |param_type, i| {
            const kind = comptime classify(param_type.?, "parameter " ++ std.fmt.comptimePrint("{d}", .{i}) ++ " of " ++ name);
            if (i > 0) try w.writeAll(", ");
            try w.print("\"{s}\" /* ", .{comptime ffiName(kind)});
            try writeName(w, names, name, i);
            try w.writeAll(" */");
        }
        const result = comptime classify(info.return_type.?, "the result of " ++ name);
        try w.print("],\n    result: \"{s}\",\n", .{comptime ffiName(result)});
        if (comptime isNonblocking(group.exports, name)) try w.writeAll("    nonblocking: true,\n");
        try w.writeAll("  },\n");
    }
    try w.writeAll("} as const satisfies Deno.ForeignLibraryInterface;\n");
}

fn isLengthOf(lent_name: []const u8, name: []const u8) bool {
    if (std.mem.eql(u8, name, "len") or std.mem.eql(u8, name, "length") or std.mem.eql(u8, name, "count")) return true;
    return std.mem.startsWith(u8, name, lent_name) and std.mem.eql(u8, name[lent_name.len..], "_len");
}

fn writeWrappers(w: *std.Io.Writer, comptime group: Group, names: *const SourceInfo) !void {
    const table = group.name;
    try w.print(
        \\
        \\/** Typed wrappers over `{s}`: buffers come back as ZeroCopyBuffers, statuses as thrown ZeroCopyErrors. */
        \\export interface Bindings {{
        \\
    , .{table});
    inline for (@typeInfo(group.exports).@"struct".decl_names) |name| {
        if (comptime !isExport(group.exports, name) or isNonblocking(group.exports, name)) continue;
        try writeSignature(w, group.exports, name, names, .interface);
    }
    try w.print(
        \\}}
        \\
        \\/**
        \\ * Binds the typed wrappers to an opened library.
        \\ *
        \\ * @param lib The library, opened with `{s}`.
        \\ * @returns The wrappers.
        \\ */
        \\export function bind(lib: ZeroCopyLibrary<typeof {s}>): Bindings {{
        \\  return {{
        \\
    , .{ table, table });
    inline for (@typeInfo(group.exports).@"struct".decl_names) |name| {
        if (comptime !isExport(group.exports, name) or isNonblocking(group.exports, name)) continue;
        try writeSignature(w, group.exports, name, names, .implementation);
    }
    try w.print(
        \\  }};
        \\}}
        \\
        \\/**
        \\ * Opens the library at `path` (checking its zerocopy ABI) and binds the wrappers.
        \\ *
        \\ * @param path Path or file URL of the shared library.
        \\ * @returns The wrappers, and the library for `stats()` and the raw symbols.
        \\ */
        \\export function open(path: string | URL): Bindings & {{ readonly library: ZeroCopyLibrary<typeof {s}> }} {{
        \\  const library = openLibrary({{ path, symbols: {s} }});
        \\  return {{ ...bind(library), library }};
        \\}}
        \\
    , .{ table, table });
}

const Part = enum { interface, implementation };

fn writeSignature(w: *std.Io.Writer, comptime namespace: type, comptime name: []const u8, names: *const SourceInfo, comptime part: Part) !void {
    const info = FnInfo(@field(namespace, name));
    const result = comptime classify(info.return_type.?, "the result of " ++ name);
    comptime var out: ?ElementType = null;
    comptime var filled: [info.param_types.len]bool = @splat(false);
    inline for (info.param_types, 0..) |param_type, i| {
        const kind = comptime classify(param_type.?, "parameter of " ++ name);
        switch (kind) {
            .out => |tag| {
                if (out != null) @compileError("zerocopy bindings: " ++ name ++ " has two Out parameters; hand one buffer over per call");
                if (result != .status and result != .void) @compileError("zerocopy bindings: " ++ name ++ " hands a buffer over, so it must return zerocopy.Status or void");
                out = tag;
                filled[i] = true;
            },
            else => {},
        }
    }
    // A length right after a lent array is filled from the array.
    var length_of: [info.param_types.len]?usize = @splat(null);
    inline for (info.param_types, 0..) |param_type, i| {
        const kind = comptime classify(param_type.?, "parameter of " ++ name);
        const after_lent = comptime i > 0 and classify(info.param_types[i - 1].?, "parameter of " ++ name) == .lent;
        if (after_lent and kind == .scalar and isLengthOf(paramName(names, name, i - 1), paramName(names, name, i)))
            length_of[i] = i - 1;
    }

    const returns = comptime if (out) |tag| "ZeroCopyBuffer<\"" ++ @tagName(tag) ++ "\">" else switch (result) {
        .status, .void => "void",
        .scalar => |scalar| if (std.mem.eql(u8, scalar, "bool")) "boolean" else if (isBigInt(scalar)) "number | bigint" else "number",
        else => tsType(result),
    };
    if (part == .interface) {
        const doc = names.docs.get(name) orelse "Calls `" ++ name ++ "`.";
        try w.print("  /** {s} */\n  {s}(", .{ doc, name });
    } else {
        try w.print("    {s}: (", .{name});
    }
    var first = true;
    inline for (info.param_types, 0..) |param_type, i| {
        if (!filled[i] and length_of[i] == null) {
            if (!first) try w.writeAll(", ");
            first = false;
            try writeName(w, names, name, i);
            if (part == .interface) try w.print(": {s}", .{comptime tsType(classify(param_type.?, "parameter of " ++ name))});
        }
    }
    if (part == .interface) {
        try w.print("): {s};\n", .{returns});
        return;
    }
    try w.writeAll(") => ");
    if (out) |tag| try w.print("lib.take(\"{s}\", (out) => ", .{@tagName(tag)}) else if (result == .status) try w.writeAll("checkStatus(");
    try w.print("lib.symbols.{s}(", .{name});
    inline for (info.param_types, 0..) |param_type, i| {
        if (i > 0) try w.writeAll(", ");
        const kind = comptime classify(param_type.?, "parameter of " ++ name);
        if (filled[i]) {
            try w.writeAll("out");
        } else if (length_of[i]) |array| {
            const is_bigint = comptime std.mem.eql(u8, tsType(kind), "bigint");
            if (is_bigint) try w.writeAll("BigInt(");
            try writeName(w, names, name, array);
            try w.writeAll(".length");
            if (is_bigint) try w.writeAll(")");
        } else if (kind == .lent) {
            try w.writeAll("lend(");
            try writeName(w, names, name, i);
            try w.writeAll(")");
        } else {
            try writeName(w, names, name, i);
        }
    }
    try w.writeAll(")");
    if (out != null) try w.writeAll(")") else if (result == .status) try w.print(", \"{s}\")", .{name});
    if (comptime hasShape(namespace, name)) {
        const dims = @field(namespace.shapes, name);
        if (out == null) @compileError("zerocopy bindings: shapes." ++ name ++ " declares a shape, but " ++ name ++ " hands no buffer over");
        try w.writeAll(".reshape([");
        inline for (dims, 0..) |dim, i| {
            if (i > 0) try w.writeAll(", ");
            switch (@typeInfo(@TypeOf(dim))) {
                .comptime_int, .int => try w.print("{d}", .{dim}),
                else => try w.writeAll(dim),
            }
        }
        try w.writeAll("])");
    }
    try w.writeAll(",\n");
}

/// Whether `namespace.shapes.<name>` declares the shape of what `name` hands
/// over: a tuple of parameter names and integers, e.g. `.{ "height", "width", 4 }`.
fn hasShape(comptime namespace: type, comptime name: []const u8) bool {
    return @hasDecl(namespace, "shapes") and @hasDecl(namespace.shapes, name);
}

/// Reads every function's parameter names and doc comment from Zig source, for `write`.
pub fn collectSourceInfo(gpa: std.mem.Allocator, source: [:0]const u8, info: *SourceInfo) !void {
    var tree = try std.zig.Ast.parse(gpa, source, .{});
    defer tree.deinit(gpa);
    for (0..tree.nodes.len) |i| {
        var buffer: [1]std.zig.Ast.Node.Index = undefined;
        const proto = tree.fullFnProto(&buffer, @fromBackingInt(@intCast(i))) orelse continue;
        const name_token = proto.name_token orelse continue;
        var list: std.ArrayList([]const u8) = .empty;
        var params = proto.iterate(&tree);
        while (params.next()) |param| {
            const token = param.name_token orelse {
                try list.append(gpa, "");
                continue;
            };
            try list.append(gpa, try gpa.dupe(u8, tree.tokenSlice(token)));
        }
        const name = try gpa.dupe(u8, tree.tokenSlice(name_token));
        try info.params.put(gpa, name, try list.toOwnedSlice(gpa));
        var first_doc = proto.firstToken();
        while (first_doc > 0 and tree.tokenTag(first_doc - 1) == .doc_comment) first_doc -= 1;
        var doc: std.ArrayList(u8) = .empty;
        for (first_doc..proto.firstToken()) |token| {
            const line = std.mem.trim(u8, tree.tokenSlice(@intCast(token))["///".len..], " ");
            if (doc.items.len > 0) try doc.append(gpa, ' ');
            try doc.appendSlice(gpa, line);
        }
        if (doc.items.len > 0) try info.docs.put(gpa, name, try doc.toOwnedSlice(gpa));
    }
}
