//! Writes the TypeScript side of a library from its Zig exports, by comptime
//! reflection: the `Deno.dlopen` symbol table, typed wrappers, and (for
//! zerocopy itself) the ABI layouts. Nothing is hand-synced, so TypeScript and
//! Zig cannot disagree; CI regenerates the file and fails when it is stale.
//!
//! Keep a library's exports in a namespace (`pub const exports = struct { ... }`,
//! exported with `zerocopy.exportAll`) and describe the module to generate with
//! `pub const bindings: zerocopy.bindings.Spec` in its root file.

const std = @import("std");
const abi = @import("abi.zig");
const isOut = @import("out.zig").isOut;
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
    /// Import the groups' symbol tables from this module instead of writing
    /// them, so wrappers can live in a file beside a generated symbol table.
    symbols_from: ?[]const u8 = null,
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
pub const Kind = union(enum) {
    /// A number, bigint or boolean passed by value: the FFI type name.
    scalar: []const u8,
    /// `*Descriptor`: a descriptor the caller passes (a ZeroCopyBuffer's, say).
    descriptor,
    /// `*Out(T)`: where the function hands memory of T over.
    out: ElementType,
    /// `*RegionOut(T)`, `*BatchOut(T)`, `*RingOut(T)`: hands slices over inside a region or ring.
    into: Into,
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

/// One parameter of an export, as every writer sees it.
pub const Param = struct {
    kind: Kind,
    /// The Zig type, readable: for the symbol table's comments.
    zig: []const u8,
    /// The `Deno.dlopen` parameter type.
    ffi: []const u8,
    /// The TypeScript type a wrapper takes.
    ts: []const u8,
    /// For a hidden length: the index of the lent array it is the length of.
    /// The wrapper fills it from that array's `.length` and does not take it.
    length_of: ?usize = null,

    /// Whether the wrapper takes this parameter from its caller.
    pub fn visible(param: Param) bool {
        return param.kind != .out and param.length_of == null;
    }
};

/// One dimension of a declared shape: a number or a TypeScript expression
/// over the wrapper's parameters.
pub const Dim = union(enum) { number: u64, expression: []const u8 };

/// Everything the writers need about one export, worked out once from its Zig
/// type and its namespace's declarations.
pub const Signature = struct {
    name: []const u8,
    params: []const Param,
    result: Kind,
    result_zig: []const u8,
    result_ffi: []const u8,
    /// The element type the export hands over through its `Out(T)`, if any.
    out: ?ElementType,
    /// The parameter through which it hands over into a region or ring, if any.
    into: ?struct { index: usize, into: Into },
    /// What the wrapper returns, as a TypeScript type.
    returns: []const u8,
    /// The shape `namespace.shapes.<name>` gives the returned buffer.
    shape: ?[]const Dim,
    /// Deno calls it on a worker thread (`nonblocking: true`); it gets no wrapper.
    nonblocking: bool,
};

/// A parameter through which a function hands over into memory the host
/// mapped already: what it hands over into, and the element type.
pub const Into = struct {
    where: enum { region, batch, ring },
    tag: ElementType,

    fn of(comptime T: type) ?Into {
        if (@typeInfo(T) != .@"struct" or !@hasDecl(T, "hands_over_into")) return null;
        return .{ .where = T.hands_over_into, .tag = T.element_type };
    }

    /// The TypeScript parameter the wrapper takes in place of the out-parameter.
    fn parameter(comptime into: Into) []const u8 {
        return if (into.where == .ring) "Ring<\"" ++ @tagName(into.tag) ++ "\">" else "Region";
    }

    /// What the wrapper returns.
    fn returns(comptime into: Into) []const u8 {
        const view = "TypedArrayOf[\"" ++ @tagName(into.tag) ++ "\"]";
        return switch (into.where) {
            .region => view,
            .batch => view ++ "[]",
            .ring => "RingSlot<\"" ++ @tagName(into.tag) ++ "\">",
        };
    }

    /// The call the wrapper makes on the `Region` or `Ring`, up to its callback.
    fn call(comptime into: Into) []const u8 {
        return switch (into.where) {
            .region => ".adopt(\"" ++ @tagName(into.tag) ++ "\", ",
            .batch => ".adoptBatch(\"" ++ @tagName(into.tag) ++ "\", ",
            // A ring knows its element type.
            .ring => ".next(",
        };
    }

    fn zigName(comptime into: Into) []const u8 {
        const name = switch (into.where) {
            .region => "RegionOut",
            .batch => "BatchOut",
            .ring => "RingOut",
        };
        return "*zerocopy." ++ name ++ "(" ++ @tagName(into.tag) ++ ")";
    }
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
                if (pointer.sentinel_ptr == null) if (ElementType.tagOf(pointer.child)) |tag| return .{ .lent = tag };
                return .pointer;
            },
            .one => {
                if (pointer.child == abi.Descriptor) return .descriptor;
                if (isOut(pointer.child)) return .{ .out = pointer.child.element_type };
                if (Into.of(pointer.child)) |into| return .{ .into = into };
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

/// Whether Deno passes this FFI type as a bigint: 64-bit and pointer-sized integers.
fn isBigInt(comptime name: []const u8) bool {
    return name[0] != 'f' and (std.mem.endsWith(u8, name, "64") or std.mem.endsWith(u8, name, "size"));
}

fn ffiName(comptime kind: Kind) []const u8 {
    return switch (kind) {
        .scalar => |name| name,
        .descriptor, .out, .into, .lent, .memory => "buffer",
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
        .into => |into| into.parameter(),
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
            if (pointer.size == .one and isOut(pointer.child))
                return "*zerocopy.Out(" ++ @tagName(pointer.child.element_type) ++ ")";
            if (pointer.size == .one) if (Into.of(pointer.child)) |into| return into.zigName();
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

fn isExport(comptime namespace: type, comptime name: []const u8) bool {
    return @typeInfo(@TypeOf(@field(namespace, name))) == .@"fn";
}

fn isNonblocking(comptime namespace: type, comptime name: []const u8) bool {
    if (!@hasDecl(namespace, "nonblocking")) return false;
    inline for (namespace.nonblocking) |blocking_name| if (comptime std.mem.eql(u8, blocking_name, name)) return true;
    return false;
}

/// Works out export `name` of `namespace` once, for every writer. The hidden
/// length rule: an integer parameter right after a lent array (`[*]const T`)
/// is that array's length; the wrapper passes `array.length` for it.
pub fn analyse(comptime namespace: type, comptime name: []const u8) Signature {
    const info = @typeInfo(@TypeOf(@field(namespace, name))).@"fn";
    const result: Kind = switch (classify(info.return_type.?, "the result of " ++ name)) {
        // A returned pointer is only an address: nothing is lent or handed over by it.
        .descriptor, .out, .into, .lent, .memory => .pointer,
        else => |kind| kind,
    };
    var params: [info.param_types.len]Param = undefined;
    var out: ?ElementType = null;
    var into: @FieldType(Signature, "into") = null;
    for (info.param_types, &params, 0..) |param_type, *param, i| {
        const kind = classify(param_type.?, std.fmt.comptimePrint("parameter {d} of {s}", .{ i, name }));
        param.* = .{ .kind = kind, .zig = zigName(param_type.?), .ffi = ffiName(kind), .ts = tsType(kind) };
        switch (kind) {
            .into => |where| {
                if (out != null or into != null) @compileError("zerocopy bindings: " ++ name ++ " has two out-parameters; hand over into one region or ring per call");
                if (result != .status and result != .void) @compileError("zerocopy bindings: " ++ name ++ " hands over into a region or ring, so it must return zerocopy.Status or void");
                into = .{ .index = i, .into = where };
            },
            .out => |tag| {
                if (out != null or into != null) @compileError("zerocopy bindings: " ++ name ++ " has two Out parameters; hand one buffer over per call");
                if (result != .status and result != .void) @compileError("zerocopy bindings: " ++ name ++ " hands a buffer over, so it must return zerocopy.Status or void");
                out = tag;
            },
            .scalar => |scalar| if (i > 0 and params[i - 1].kind == .lent and scalar[0] != 'f' and !std.mem.eql(u8, scalar, "bool")) {
                param.length_of = i - 1;
            },
            else => {},
        }
    }
    const shape: ?[]const Dim = if (@hasDecl(namespace, "shapes") and @hasDecl(namespace.shapes, name)) blk: {
        if (out == null) @compileError("zerocopy bindings: shapes." ++ name ++ " declares a shape, but " ++ name ++ " hands no buffer over");
        const dims = @field(namespace.shapes, name);
        var list: [dims.len]Dim = undefined;
        for (dims, &list) |dim, *entry| entry.* = switch (@typeInfo(@TypeOf(dim))) {
            .comptime_int, .int => .{ .number = dim },
            else => .{ .expression = dim },
        };
        const final = list;
        break :blk &final;
    } else null;
    const final_params = params;
    return .{
        .name = name,
        .params = &final_params,
        .result = result,
        .result_zig = zigName(info.return_type.?),
        .result_ffi = ffiName(result),
        .out = out,
        .into = into,
        .returns = if (out) |tag| "ZeroCopyBuffer<\"" ++ @tagName(tag) ++ "\">" else if (into) |found| found.into.returns() else switch (result) {
            .status, .void => "void",
            .scalar => |scalar| if (std.mem.eql(u8, scalar, "bool")) "boolean" else if (isBigInt(scalar)) "number | bigint" else "number",
            else => tsType(result),
        },
        .shape = shape,
        .nonblocking = isNonblocking(namespace, name),
    };
}

/// The signature of every export of `namespace`, in declaration order.
fn signatures(comptime namespace: type) []const Signature {
    @setEvalBranchQuota(100_000);
    var list: []const Signature = &.{};
    for (@typeInfo(namespace).@"struct".decl_names) |name| {
        if (isExport(namespace, name)) list = list ++ .{analyse(namespace, name)};
    }
    return list;
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
    const wrapped = comptime spec.groups[spec.groups.len - 1];
    if (spec.wrappers) {
        const uses = comptime usedImports(signatures(wrapped.exports));
        try w.writeAll("\nimport {\n");
        if (uses.check_status) try w.writeAll("  checkStatus,\n");
        if (uses.descriptor) try w.writeAll("  type Descriptor,\n");
        if (uses.lend) try w.writeAll("  lend,\n");
        try w.writeAll("  openLibrary,\n");
        if (uses.region) try w.writeAll("  type Region,\n");
        if (uses.ring) try w.writeAll("  type Ring,\n  type RingSlot,\n");
        if (uses.lend or uses.region) try w.writeAll("  type TypedArrayOf,\n");
        if (uses.buffer) try w.writeAll("  type ZeroCopyBuffer,\n");
        try w.print("  type ZeroCopyLibrary,\n}} from \"{s}\";\n", .{spec.import_from});
    }
    if (spec.symbols_from) |module| try w.print("import {{ {s} }} from \"{s}\";\n", .{ wrapped.name, module });
    if (spec.layouts) {
        try w.print(
            \\
            \\/** The ABI manifest of zig/abi.zig: version, struct layouts, element type tags and sizes, statuses. */
            \\export const abiLayout = {s} as const;
            \\
        , .{abi.layout_json});
    }
    if (spec.symbols_from == null) inline for (spec.groups) |group| try writeGroup(w, group, spec.groups, names);
    if (spec.wrappers) try writeWrappers(w, wrapped, names);
}

const Uses = struct {
    check_status: bool = false,
    descriptor: bool = false,
    lend: bool = false,
    buffer: bool = false,
    region: bool = false,
    ring: bool = false,
};

/// Which of zerocopy's exports the wrappers refer to, so the generated module
/// imports nothing it does not use.
fn usedImports(comptime sigs: []const Signature) Uses {
    var uses: Uses = .{};
    for (sigs) |sig| {
        if (sig.nonblocking) continue;
        for (sig.params) |param| switch (param.kind) {
            .out => uses.buffer = true,
            .lent => uses.lend = true,
            .descriptor => uses.descriptor = true,
            .into => |into| if (into.where == .ring) {
                uses.ring = true;
            } else {
                uses.region = true;
            },
            else => {},
        };
        if (sig.out == null and sig.into == null and sig.result == .status) uses.check_status = true;
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
    inline for (comptime signatures(group.exports)) |sig| {
        if (comptime inParent(group, groups, sig.name)) continue;
        if (names.docs.get(sig.name)) |doc| try w.print("  /** {s}\n   * `fn (", .{doc}) else try w.writeAll("  /** `fn (");
        inline for (sig.params, 0..) |param, i| {
            if (i > 0) try w.writeAll(", ");
            try writeName(w, names, sig.name, i);
            try w.print(": {s}", .{param.zig});
        }
        try w.print(") {s}` */\n  {s}: {{\n    parameters: [", .{ sig.result_zig, sig.name });
        inline for (sig.params, 0..) |param, i| {
            if (i > 0) try w.writeAll(", ");
            try w.print("\"{s}\" /* ", .{param.ffi});
            try writeName(w, names, sig.name, i);
            try w.writeAll(" */");
        }
        try w.print("],\n    result: \"{s}\",\n", .{sig.result_ffi});
        if (sig.nonblocking) try w.writeAll("    nonblocking: true,\n");
        try w.writeAll("  },\n");
    }
    try w.writeAll("} as const satisfies Deno.ForeignLibraryInterface;\n");
}

fn writeWrappers(w: *std.Io.Writer, comptime group: Group, names: *const SourceInfo) !void {
    const table = group.name;
    const sigs = comptime signatures(group.exports);
    try w.print(
        \\
        \\/** Typed wrappers over `{s}`: buffers come back as ZeroCopyBuffers, statuses as thrown ZeroCopyErrors. */
        \\export interface Bindings {{
        \\
    , .{table});
    inline for (sigs) |sig| if (!sig.nonblocking) try writeInterfaceMember(w, sig, names);
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
    inline for (sigs) |sig| if (!sig.nonblocking) try writeImplementation(w, sig, names);
    try w.print(
        \\  }};
        \\}}
        \\
        \\/**
        \\ * Opens the library (checking its zerocopy ABI) and binds the wrappers.
        \\ *
        \\ * @param path Path or file URL of the shared library; without it, `openLibrary` finds it.
        \\ * @returns The wrappers, and the library for `stats()` and the raw symbols.
        \\ */
        \\export async function open(
        \\  path?: string | URL,
        \\): Promise<Bindings & {{ readonly library: ZeroCopyLibrary<typeof {s}> }}> {{
        \\  const library = await openLibrary(path === undefined ? {{ symbols: {s} }} : {{ path, symbols: {s} }});
        \\  return {{ ...bind(library), library }};
        \\}}
        \\
    , .{ table, table, table });
}

fn writeInterfaceMember(w: *std.Io.Writer, comptime sig: Signature, names: *const SourceInfo) !void {
    const doc = names.docs.get(sig.name) orelse "Calls `" ++ sig.name ++ "`.";
    try w.print("  /** {s} */\n  {s}(", .{ doc, sig.name });
    var first = true;
    inline for (sig.params, 0..) |param, i| {
        if (comptime !param.visible()) continue;
        if (!first) try w.writeAll(", ");
        first = false;
        try writeName(w, names, sig.name, i);
        try w.print(": {s}", .{param.ts});
    }
    try w.print("): {s};\n", .{sig.returns});
}

fn writeImplementation(w: *std.Io.Writer, comptime sig: Signature, names: *const SourceInfo) !void {
    try w.print("    {s}: (", .{sig.name});
    var first = true;
    inline for (sig.params, 0..) |param, i| {
        if (comptime !param.visible()) continue;
        if (!first) try w.writeAll(", ");
        first = false;
        try writeName(w, names, sig.name, i);
    }
    try w.writeAll(") => ");
    if (sig.out) |tag| try w.print("lib.adopt(\"{s}\", (out) => ", .{@tagName(tag)}) else if (sig.into) |found| {
        try writeName(w, names, sig.name, found.index);
        try w.print("{s}(into) => ", .{comptime found.into.call()});
    } else if (sig.result == .status) try w.writeAll("checkStatus(");
    try w.print("lib.symbols.{s}(", .{sig.name});
    inline for (sig.params, 0..) |param, i| {
        if (i > 0) try w.writeAll(", ");
        if (param.kind == .out) {
            try w.writeAll("out");
        } else if (param.kind == .into) {
            try w.writeAll("into");
        } else if (param.length_of) |array| {
            const is_bigint = comptime std.mem.eql(u8, param.ts, "bigint");
            if (is_bigint) try w.writeAll("BigInt(");
            try writeName(w, names, sig.name, array);
            try w.writeAll(".length");
            if (is_bigint) try w.writeAll(")");
        } else if (param.kind == .lent) {
            try w.writeAll("lend(");
            try writeName(w, names, sig.name, i);
            try w.writeAll(")");
        } else {
            try writeName(w, names, sig.name, i);
        }
    }
    try w.writeAll(")");
    if (sig.out != null or sig.into != null) try w.writeAll(")") else if (sig.result == .status) try w.print(", \"{s}\")", .{sig.name});
    if (sig.shape) |dims| {
        try w.writeAll(".reshape([");
        inline for (dims, 0..) |dim, i| {
            if (i > 0) try w.writeAll(", ");
            switch (dim) {
                .number => |number| try w.print("{d}", .{number}),
                .expression => |expression| try w.writeAll(expression),
            }
        }
        try w.writeAll("])");
    }
    try w.writeAll(",\n");
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
