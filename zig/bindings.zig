//! Writes the TypeScript side of a library from its Zig exports, by comptime
//! reflection: the `Deno.dlopen` symbol table, typed wrappers, and (for
//! zerocopy itself) the ABI layouts. Nothing is hand-synced, so TypeScript and
//! Zig cannot disagree; CI regenerates the file and fails when it is stale.
//!
//! Keep a library's exports in a namespace (`pub const exports = struct { ... }`,
//! exported with `zerocopy.exportAll`) and describe the module to generate with
//! `pub const bindings: zerocopy.bindings.Spec` in its root file.
//!
//! What a wrapper looks like, by the Zig types of its export:
//! - `?*zerocopy.Out(T)`: not a parameter; the wrapper returns a `ZeroCopyBuffer<T>`,
//!   shaped by `exports.shapes.<name>` when that is declared.
//! - `?[*]const T` (T an element type): a `TypedArrayOf[T]` lent for the call;
//!   the integer parameter right after it is its length, filled from `.length`
//!   (`Spec.hidden_lengths`).
//! - `u8`…`u32`, `i8`…`i32`, `f32`, `f64`: `number`; an integer argument must
//!   fit its type, else a ZeroCopyError before the call. `u64`, `i64`, `usize`,
//!   `isize`: a parameter takes `number | bigint` (a number must be a safe
//!   integer, either must fit the type, else a ZeroCopyError before the call);
//!   a result is a `bigint`, since the type's range is wider than a number's.
//! - `zerocopy.Status` result: nothing, or a thrown ZeroCopyError.
//! The output is what `deno fmt` writes, at its default line width and wider.

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
    /// Where the generated module imports zerocopy's TypeScript API from; by
    /// default `jsr:@zerocopy/zerocopy@^<version>`, the version of the zerocopy
    /// package the library is built with, so an ABI change cannot pair old
    /// bindings with a new module.
    import_from: ?[]const u8 = null,
    /// Which parameters the wrappers fill from a lent array's length instead
    /// of taking them from the caller.
    hidden_lengths: HiddenLengths = .after_lent_array,
    /// Lengths named explicitly, by function: for a function listed here these
    /// replace `hidden_lengths`, e.g. `.{ .function = "blend", .length = "count", .array = "pixels" }`.
    lengths: []const Length = &.{},
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

/// Which parameters are lengths the wrappers fill in themselves.
pub const HiddenLengths = enum {
    /// An integer parameter right after a lent array (`[*]const T`) is that
    /// array's length: `sum(values: ?[*]const f64, len: u32)` becomes
    /// `sum(values: Float64Array)`, which passes `values.length` for `len`.
    after_lent_array,
    /// None: every parameter is the caller's to pass.
    none,
};

/// A parameter the wrapper fills with a lent array's `.length`.
pub const Length = struct {
    function: []const u8,
    /// The integer parameter that is hidden.
    length: []const u8,
    /// The lent array (`[*]const T`) whose length it is.
    array: []const u8,
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
    /// Its name in the Zig source (`argN` when the source was not read).
    name: []const u8,
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
    /// A 64-bit integer (`u64`, `i64`, `usize`, `isize`): the wrapper takes a
    /// `number | bigint`, checks it and passes a bigint.
    integer64: bool = false,
    /// An integer of 32 bits or fewer: the wrapper checks the number fits, where
    /// Deno's FFI would wrap an 8- or 16-bit one silently.
    integer32: bool = false,

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
    /// The doc comment of the Zig function, empty when it has none.
    doc: []const u8,
    params: []const Param,
    result: Kind,
    result_zig: []const u8,
    result_ffi: []const u8,
    /// The element type the export hands over through its `Out(T)`, if any.
    out: ?ElementType,
    /// The parameter through which it hands over into a region or ring, if any.
    into: ?struct { index: usize, into: Into },
    /// What the wrapper returns, as a TypeScript type. The rule: a 64-bit
    /// integer result is a `bigint` (converted when Deno gives a number), since
    /// its range is wider than a number's safe integers; every other number is
    /// a `number`. Never `number | bigint`.
    returns: []const u8,
    /// The result is a 64-bit integer, returned as a bigint.
    integer64_result: bool,
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
        else if (isBigInt(name)) "number | bigint" else "number",
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
///
/// `source` is what `zig build bindings` read from the Zig sources (see
/// source_info.zig); without it (a library build checking its exports)
/// parameters are named by position.
pub fn analyse(comptime namespace: type, comptime name: []const u8, comptime spec: Rules, comptime source: ?type) Signature {
    @setEvalBranchQuota(100_000);
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
        const param_name = paramName(source, name, i);
        const where = if (source == null)
            std.fmt.comptimePrint("parameter {d} of {s}", .{ i, name })
        else
            std.fmt.comptimePrint("parameter {d} (`{s}`) of {s}", .{ i, param_name, name });
        const kind = classify(param_type.?, where);
        param.* = .{
            .name = param_name,
            .kind = kind,
            .zig = zigName(param_type.?),
            .ffi = ffiName(kind),
            .ts = tsType(kind),
            .integer64 = kind == .scalar and isBigInt(kind.scalar),
            .integer32 = kind == .scalar and !isBigInt(kind.scalar) and (kind.scalar[0] == 'u' or kind.scalar[0] == 'i'),
        };
        switch (kind) {
            .into => |target| {
                if (out != null or into != null) @compileError("zerocopy bindings: " ++ name ++ " has two out-parameters; hand over into one region or ring per call");
                if (result != .status and result != .void) @compileError("zerocopy bindings: " ++ name ++ " hands over into a region or ring, so it must return zerocopy.Status or void");
                into = .{ .index = i, .into = target };
            },
            .out => |tag| {
                if (out != null or into != null) @compileError("zerocopy bindings: " ++ name ++ " has two Out parameters; hand one buffer over per call");
                if (result != .status and result != .void) @compileError("zerocopy bindings: " ++ name ++ " hands a buffer over, so it must return zerocopy.Status or void");
                out = tag;
            },
            .scalar => |scalar| if (spec.hidden_lengths == .after_lent_array and !namesLengths(spec.lengths, name) and
                i > 0 and params[i - 1].kind == .lent and scalar[0] != 'f' and !std.mem.eql(u8, scalar, "bool"))
            {
                param.length_of = i - 1;
            },
            else => {},
        }
    }
    for (spec.lengths) |length| {
        if (!std.mem.eql(u8, length.function, name)) continue;
        const hidden = paramIndex(&params, length.length) orelse
            @compileError("zerocopy bindings: Spec.lengths names `" ++ length.length ++ "`, which is not a parameter of " ++ name);
        const array = paramIndex(&params, length.array) orelse
            @compileError("zerocopy bindings: Spec.lengths names `" ++ length.array ++ "`, which is not a parameter of " ++ name);
        if (params[array].kind != .lent) @compileError("zerocopy bindings: Spec.lengths makes `" ++ length.length ++ "` of " ++ name ++
            " the length of `" ++ length.array ++ "`, which is not a lent array; declare it `?[*]const T`");
        if (params[hidden].kind != .scalar or params[hidden].ts[0] == 'b') @compileError("zerocopy bindings: Spec.lengths makes `" ++
            length.length ++ "` of " ++ name ++ " a length, but it is not an integer");
        params[hidden].length_of = array;
    }
    // Checked after the types: with `callconv(.c)` Zig itself refuses a slice
    // or an error union, so only a function without it reaches the type checks.
    if (!info.attrs.@"callconv".eql(std.builtin.CallingConvention.c)) @compileError("zerocopy bindings: export " ++ name ++
        " does not use the C calling convention, so Deno cannot call it; declare it `pub fn " ++ name ++ "(...) callconv(.c) ...`");
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
        .doc = docOf(source, name),
        .params = &final_params,
        .result = result,
        .result_zig = zigName(info.return_type.?),
        .result_ffi = ffiName(result),
        .out = out,
        .into = into,
        .returns = if (out) |tag| "ZeroCopyBuffer<\"" ++ @tagName(tag) ++ "\">" else if (into) |found| found.into.returns() else switch (result) {
            .status, .void => "void",
            .scalar => |scalar| if (isBigInt(scalar)) "bigint" else tsType(result),
            else => tsType(result),
        },
        .integer64_result = result == .scalar and isBigInt(result.scalar),
        .shape = shape,
        .nonblocking = isNonblocking(namespace, name),
    };
}

/// The parts of a Spec that decide how `analyse` reads an export.
pub const Rules = struct {
    hidden_lengths: HiddenLengths = .after_lent_array,
    lengths: []const Length = &.{},
};

fn rulesOf(comptime spec: Spec) Rules {
    return .{ .hidden_lengths = spec.hidden_lengths, .lengths = spec.lengths };
}

fn namesLengths(comptime lengths: []const Length, comptime function: []const u8) bool {
    for (lengths) |length| if (std.mem.eql(u8, length.function, function)) return true;
    return false;
}

fn paramIndex(params: []const Param, comptime name: []const u8) ?usize {
    for (params, 0..) |param, i| if (std.mem.eql(u8, param.name, name)) return i;
    return null;
}

/// A parameter's name from the sources, or `argN`.
fn paramName(comptime source: ?type, comptime function: []const u8, comptime index: usize) []const u8 {
    const fallback = std.fmt.comptimePrint("arg{d}", .{index});
    const info = source orelse return fallback;
    if (!@hasDecl(info.functions, function)) return fallback;
    const params = @field(info.functions, function).params;
    if (index >= params.len or params[index].len == 0) return fallback;
    return params[index];
}

/// A function's doc comment, safe inside a `/** */` comment.
fn docOf(comptime source: ?type, comptime function: []const u8) []const u8 {
    const info = source orelse return "";
    if (!@hasDecl(info.functions, function)) return "";
    const doc: []const u8 = @field(info.functions, function).doc;
    var safe: []const u8 = "";
    for (doc, 0..) |c, i| safe = safe ++ (if (c == '/' and i > 0 and doc[i - 1] == '*') "\\/" else &[_]u8{c});
    return safe;
}

/// The signature of every export of `namespace`, in declaration order.
fn signatures(comptime namespace: type, comptime rules: Rules, comptime source: ?type) []const Signature {
    @setEvalBranchQuota(100_000);
    var list: []const Signature = &.{};
    for (@typeInfo(namespace).@"struct".decl_names) |name| {
        if (isExport(namespace, name)) list = list ++ .{analyse(namespace, name, rules, source)};
    }
    return list;
}

/// The widest line the generated code has, apart from comments and string
/// literals: `deno fmt`'s default width. Everything that could be longer is
/// written one item per line, a form `deno fmt` keeps at any width, so the
/// output is what `deno fmt` would write whatever a project's `lineWidth`.
const line_width = 80;

/// Items of a list being laid out, rendered into a fixed buffer so their
/// total width is known before one of them is written.
const List = struct {
    text: [8192]u8 = undefined,
    used: usize = 0,
    ends: [64]usize = undefined,
    count: usize = 0,

    fn add(list: *List, comptime format: []const u8, args: anytype) !void {
        const written = try std.fmt.bufPrint(list.text[list.used..], format, args);
        list.used += written.len;
        list.ends[list.count] = list.used;
        list.count += 1;
    }

    fn item(list: *const List, i: usize) []const u8 {
        return list.text[if (i == 0) 0 else list.ends[i - 1]..list.ends[i]];
    }

    /// Writes `head`, the items separated by ", ", then `tail`: on one line when
    /// it fits at `indent`, else one item per line with a trailing comma.
    fn write(list: *const List, w: *std.Io.Writer, indent: usize, head: []const u8, tail: []const u8) !void {
        var width = indent + head.len + tail.len;
        for (0..list.count) |i| width += list.item(i).len + @as(usize, if (i > 0) 2 else 0);
        try w.splatByteAll(' ', indent);
        try w.writeAll(head);
        if (width <= line_width or list.count == 0) {
            for (0..list.count) |i| {
                if (i > 0) try w.writeAll(", ");
                try w.writeAll(list.item(i));
            }
        } else {
            try w.writeByte('\n');
            for (0..list.count) |i| {
                try w.splatByteAll(' ', indent + 2);
                try w.print("{s},\n", .{list.item(i)});
            }
            try w.splatByteAll(' ', indent);
        }
        try w.print("{s}\n", .{tail});
    }
};

/// Writes the whole TypeScript module for `spec`; `version` is the zerocopy
/// package's, for the versioned import of its TypeScript API.
/// `source` is the module source_info.zig wrote from the library's sources.
pub fn write(w: *std.Io.Writer, comptime spec: Spec, comptime source: type, version: []const u8) !void {
    @setEvalBranchQuota(100_000);
    try w.print(
        \\// Generated by `zig build bindings` from {s}: do not edit.
        \\// CI regenerates this file and fails when the committed copy is stale.
        \\
    , .{spec.source});
    const wrapped = comptime spec.groups[spec.groups.len - 1];
    inline for (spec.lengths) |length| if (comptime !@hasDecl(wrapped.exports, length.function))
        @compileError("zerocopy bindings: Spec.lengths names `" ++ length.function ++ "`, which is not an export of " ++
            @typeName(wrapped.exports));
    const sigs = comptime signatures(wrapped.exports, rulesOf(spec), source);
    const uses = comptime usedImports(sigs);
    if (spec.wrappers) {
        // In the order `deno fmt` sorts them: by name, case and `type` ignored.
        try w.writeAll("\nimport {\n");
        if (uses.integer32) try w.writeAll("  checkInteger,\n");
        if (uses.check_status) try w.writeAll("  checkStatus,\n");
        if (uses.descriptor) try w.writeAll("  type Descriptor,\n");
        if (uses.lend) try w.writeAll("  lend,\n");
        try w.writeAll("  openLibrary,\n");
        if (uses.region) try w.writeAll("  type Region,\n");
        if (uses.ring) try w.writeAll("  type Ring,\n  type RingSlot,\n");
        if (uses.integer) try w.writeAll("  toFfiInteger,\n");
        if (uses.lend or uses.region) try w.writeAll("  type TypedArrayOf,\n");
        if (uses.buffer) try w.writeAll("  type ZeroCopyBuffer,\n");
        try w.writeAll("  type ZeroCopyLibrary,\n} from \"");
        if (spec.import_from) |module| try w.writeAll(module) else try w.print("jsr:@zerocopy/zerocopy@^{s}", .{version});
        try w.writeAll("\";\n");
    }
    if (spec.symbols_from) |module| try w.print("import {{ {s} }} from \"{s}\";\n", .{ wrapped.name, module });
    if (spec.layouts) {
        try w.writeAll(
            \\
            \\/** The ABI manifest of zig/abi.zig: version, struct layouts, element type tags and sizes, statuses. */
            \\export const abiLayout =
        );
        try writeJson(w, abi.layout_json);
        try w.writeAll(" as const;\n");
    }
    if (spec.symbols_from == null) inline for (spec.groups) |group| try writeGroup(w, group, spec.groups, rulesOf(spec), source);
    if (spec.wrappers) {
        try writeWrappers(w, wrapped.name, sigs);
    }
}

/// Writes compact JSON (keys and numbers only, as `layout_json` is) the way
/// `deno fmt` lays out an object literal: one property per line, trailing commas.
fn writeJson(w: *std.Io.Writer, json: []const u8) !void {
    var depth: usize = 0;
    var i: usize = 0;
    while (i < json.len) : (i += 1) {
        switch (json[i]) {
            '{' => {
                depth += 1;
                try w.writeAll(" {\n");
                try w.splatByteAll(' ', depth * 2);
            },
            '}' => {
                depth -= 1;
                try w.writeAll(",\n");
                try w.splatByteAll(' ', depth * 2);
                try w.writeByte('}');
            },
            ',' => {
                try w.writeAll(",\n");
                try w.splatByteAll(' ', depth * 2);
            },
            ':' => try w.writeAll(if (json[i + 1] == '{') ":" else ": "),
            else => try w.writeByte(json[i]),
        }
    }
}

const Uses = struct {
    check_status: bool = false,
    descriptor: bool = false,
    lend: bool = false,
    buffer: bool = false,
    region: bool = false,
    ring: bool = false,
    integer: bool = false,
    integer32: bool = false,
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
            else => if (param.visible()) {
                if (param.integer64) uses.integer = true;
                if (param.integer32) uses.integer32 = true;
            },
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

fn writeGroup(w: *std.Io.Writer, comptime group: Group, comptime groups: []const Group, comptime rules: Rules, comptime source: type) !void {
    try w.print("\n/** FFI symbols of `{s}`, each parameter with its Zig type. */\nexport const {s} = {{\n", .{ @typeName(group.exports), group.name });
    if (group.extends) |parent| try w.print("  ...{s},\n", .{parent});
    inline for (comptime signatures(group.exports, rules, source)) |sig| {
        if (comptime inParent(group, groups, sig.name)) continue;
        if (sig.doc.len > 0) try w.print("  /** {s}\n   * `fn (", .{sig.doc}) else try w.writeAll("  /** `fn (");
        inline for (sig.params, 0..) |param, i| {
            if (i > 0) try w.writeAll(", ");
            try w.print("{s}: {s}", .{ param.name, param.zig });
        }
        try w.print(") {s}` */\n  {s}: {{\n    parameters: [", .{ sig.result_zig, sig.name });
        if (sig.params.len > 0) try w.writeByte('\n');
        inline for (sig.params) |param| try w.print("      \"{s}\", // {s}\n", .{ param.ffi, param.name });
        if (sig.params.len > 0) try w.writeAll("    ");
        try w.print("],\n    result: \"{s}\",\n", .{sig.result_ffi});
        if (sig.nonblocking) try w.writeAll("    nonblocking: true,\n");
        try w.writeAll("  },\n");
    }
    try w.writeAll("} as const satisfies Deno.ForeignLibraryInterface;\n");
}

fn writeWrappers(w: *std.Io.Writer, table: []const u8, comptime sigs: []const Signature) !void {
    try w.print(
        \\
        \\/** The library the wrappers call: `stats()`, `adopt()` and the raw symbols. */
        \\export type Library = ZeroCopyLibrary<typeof {s}>;
        \\
        \\/**
        \\ * Typed wrappers over `{s}`: buffers come back as ZeroCopyBuffers,
        \\ * statuses as thrown ZeroCopyErrors.
        \\ */
        \\export interface Bindings {{
        \\
    , .{ table, table });
    inline for (sigs) |sig| if (!sig.nonblocking) try writeInterfaceMember(w, sig);
    try w.writeAll(
        \\}
        \\
        \\/**
        \\ * Binds the typed wrappers to an opened library.
        \\ *
        \\ * @param lib The library, opened with the symbols above.
        \\ * @returns The wrappers.
        \\ */
        \\export function bind(lib: Library): Bindings {
        \\  return {
        \\
    );
    inline for (sigs) |sig| if (!sig.nonblocking) try writeImplementation(w, sig);
    try w.print(
        \\  }};
        \\}}
        \\
        \\/**
        \\ * Opens the library (checking its zerocopy ABI) and binds the wrappers.
        \\ *
        \\ * @param path Path or file URL of the shared library; without it,
        \\ * `openLibrary` finds it.
        \\ * @returns The wrappers, and the library for `stats()` and the raw symbols.
        \\ */
        \\export async function open(
        \\  path?: string | URL,
        \\): Promise<Bindings & {{ readonly library: Library }}> {{
        \\  const table = {s};
        \\  const library = await openLibrary(
        \\    path === undefined ? {{ symbols: table }} : {{ path, symbols: table }},
        \\  );
        \\  return {{ ...bind(library), library }};
        \\}}
        \\
    , .{table});
}

fn writeInterfaceMember(w: *std.Io.Writer, comptime sig: Signature) !void {
    try w.print("  /** {s} */\n", .{if (sig.doc.len > 0) sig.doc else "Calls `" ++ sig.name ++ "`."});
    var list: List = .{};
    inline for (sig.params) |param| {
        if (comptime !param.visible()) continue;
        try list.add("{s}: {s}", .{ param.name, param.ts });
    }
    try list.write(w, 2, sig.name ++ "(", "): " ++ sig.returns ++ ";");
}

fn writeImplementation(w: *std.Io.Writer, comptime sig: Signature) !void {
    var params: List = .{};
    inline for (sig.params) |param| {
        if (comptime !param.visible()) continue;
        try params.add("{s}", .{param.name});
    }
    try params.write(w, 4, sig.name ++ ": (", ") => {");
    // Integers are checked before the call, so a bad one hands nothing over.
    inline for (sig.params) |param| {
        if (comptime !param.visible() or !(param.integer64 or param.integer32)) continue;
        const name = param.name;
        var conversion: List = .{};
        try conversion.add("{s}", .{name});
        try conversion.add("\"{s}\"", .{param.ffi});
        try conversion.add("\"{s}\"", .{sig.name});
        try conversion.add("\"{s}\"", .{name});
        var head_buffer: [256]u8 = undefined;
        const head = if (param.integer64)
            try std.fmt.bufPrint(&head_buffer, "const {s}Ffi = toFfiInteger(", .{name})
        else
            "checkInteger(";
        try conversion.write(w, 6, head, ");");
    }
    var args: List = .{};
    inline for (sig.params) |param| {
        const name = param.name;
        if (param.kind == .out) {
            try args.add("out", .{});
        } else if (param.kind == .into) {
            try args.add("into", .{});
        } else if (param.length_of) |array| {
            const length = sig.params[array].name;
            if (param.integer64) try args.add("BigInt({s}.length)", .{length}) else try args.add("{s}.length", .{length});
        } else if (param.kind == .lent) {
            try args.add("lend({s})", .{name});
        } else if (param.integer64) {
            try args.add("{s}Ffi", .{name});
        } else {
            try args.add("{s}", .{name});
        }
    }
    const call = "lib.symbols." ++ sig.name ++ "(";
    if (sig.into) |found| {
        // The caller passes the region or ring; its adopt hands the call the out-parameter.
        try w.print("      return {s}{s}(into) => {{\n", .{ sig.params[found.index].name, comptime found.into.call() });
        try args.write(w, 8, "return " ++ call, ");");
        try w.writeAll("      });\n");
    } else if (sig.out) |tag| {
        const adopt = "lib.adopt(\"" ++ @tagName(tag) ++ "\", (out) => {";
        try w.writeAll(if (sig.shape == null) "      return " ++ adopt ++ "\n" else "      const buffer = " ++ adopt ++ "\n");
        try args.write(w, 8, "return " ++ call, ");");
        try w.writeAll("      });\n");
        if (sig.shape) |dims| {
            var shape: List = .{};
            inline for (dims) |dim| switch (dim) {
                .number => |number| try shape.add("{d}", .{number}),
                .expression => |expression| {
                    var text: [512]u8 = undefined;
                    try shape.add("{s}", .{try shapeExpression(&text, expression, sig)});
                },
            };
            try shape.write(w, 6, "return buffer.reshape([", "]);");
        }
    } else switch (sig.result) {
        .status => {
            try args.write(w, 6, "const status = " ++ call, ");");
            try w.writeAll("      checkStatus(status, \"" ++ sig.name ++ "\");\n");
        },
        .void => try args.write(w, 6, call, ");"),
        else => if (sig.integer64_result) {
            try args.write(w, 6, "const result = " ++ call, ");");
            try w.writeAll("      return BigInt(result);\n");
        } else {
            try args.write(w, 6, "return " ++ call, ");");
        },
    }
    try w.writeAll("    },\n");
}

/// A shape dimension as TypeScript: each 64-bit parameter it names (a
/// `number | bigint`) read as a number, since a buffer's dimensions are numbers.
fn shapeExpression(buffer: []u8, comptime expression: []const u8, comptime sig: Signature) ![]const u8 {
    var out: std.Io.Writer = .fixed(buffer);
    var i: usize = 0;
    while (i < expression.len) {
        const c = expression[i];
        if (!std.ascii.isAlphabetic(c) and c != '_') {
            try out.writeByte(c);
            i += 1;
            continue;
        }
        var end = i;
        while (end < expression.len and (std.ascii.isAlphanumeric(expression[end]) or expression[end] == '_')) end += 1;
        const word = expression[i..end];
        if (i > 0 and expression[i - 1] == '.') {
            // A property (`rgba.length`), not a parameter.
            try out.writeAll(word);
            i = end;
            continue;
        }
        var is_integer64 = false;
        inline for (sig.params) |param| {
            if (param.integer64 and param.visible() and std.mem.eql(u8, param.name, word)) is_integer64 = true;
        }
        if (is_integer64) try out.print("Number({s})", .{word}) else try out.writeAll(word);
        i = end;
    }
    return out.buffered();
}

/// Where a committed file first differs from the generated one.
pub const Difference = struct { line: usize, committed: []const u8, generated: []const u8 };

/// The first line where `committed` and `generated` differ, "(end of file)" for a missing one.
pub fn firstDifference(committed: []const u8, generated: []const u8) Difference {
    var old_lines = std.mem.splitScalar(u8, committed, '\n');
    var new_lines = std.mem.splitScalar(u8, generated, '\n');
    var line: usize = 1;
    while (true) : (line += 1) {
        const old = old_lines.next();
        const new = new_lines.next();
        if (old == null and new == null) break;
        if (old == null or new == null or !std.mem.eql(u8, old.?, new.?)) return .{
            .line = line,
            .committed = old orelse "(end of file)",
            .generated = new orelse "(end of file)",
        };
    }
    return .{ .line = line, .committed = "(end of file)", .generated = "(end of file)" };
}

test "firstDifference names the first differing line, or the end of the shorter text" {
    const changed = firstDifference("a\nb\nc\n", "a\nx\nc\n");
    try std.testing.expectEqual(@as(usize, 2), changed.line);
    try std.testing.expectEqualStrings("b", changed.committed);
    try std.testing.expectEqualStrings("x", changed.generated);
    const shorter = firstDifference("a", "a\nb");
    try std.testing.expectEqualStrings("(end of file)", shorter.committed);
}

test "writeJson lays out compact JSON one property per line" {
    var buffer: [256]u8 = undefined;
    var w: std.Io.Writer = .fixed(&buffer);
    try writeJson(&w, "{\"a\":1,\"b\":{\"c\":2}}");
    try std.testing.expectEqualStrings(" {\n  \"a\": 1,\n  \"b\": {\n    \"c\": 2,\n  },\n}", w.buffered());
}

test "List writes one line when it fits, else one item per line" {
    var buffer: [256]u8 = undefined;
    var w: std.Io.Writer = .fixed(&buffer);
    var short: List = .{};
    try short.add("a", .{});
    try short.add("b", .{});
    try short.write(&w, 2, "f(", ");");
    var long: List = .{};
    const x40 = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    const y40 = "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy";
    try long.add("{s}", .{x40});
    try long.add("{s}", .{y40});
    try long.write(&w, 0, "g(", ");");
    try std.testing.expectEqualStrings("  f(a, b);\ng(\n  " ++ x40 ++ ",\n  " ++ y40 ++ ",\n);\n", w.buffered());
}

test "analyse takes names and docs from the source module and hides a length by the rule or the Spec" {
    const source = struct {
        pub const calls_export_abi = true;
        pub const functions = struct {
            pub const scaled = .{ .params = .{ "values", "factor", "count" }, .doc = "Ends */ early." };
        };
    };
    const namespace = struct {
        pub fn scaled(values: ?[*]const f64, factor: u64, count: u32) callconv(.c) u64 {
            _ = values;
            _ = count;
            return factor;
        }
    };
    const by_rule = comptime analyse(namespace, "scaled", .{}, source);
    try std.testing.expectEqualStrings("values", by_rule.params[0].name);
    try std.testing.expectEqual(@as(?usize, 0), by_rule.params[1].length_of);
    try std.testing.expect(by_rule.params[2].visible());
    try std.testing.expectEqualStrings("Ends *\\/ early.", by_rule.doc);
    try std.testing.expectEqualStrings("bigint", by_rule.returns);
    const explicit = comptime analyse(namespace, "scaled", .{
        .lengths = &.{.{ .function = "scaled", .length = "count", .array = "values" }},
    }, source);
    try std.testing.expect(explicit.params[1].visible() and explicit.params[1].integer64);
    try std.testing.expectEqual(@as(?usize, 0), explicit.params[2].length_of);
    const unnamed = comptime analyse(namespace, "scaled", .{ .hidden_lengths = .none }, null);
    try std.testing.expectEqualStrings("arg1", unnamed.params[1].name);
    try std.testing.expect(unnamed.params[1].visible());
}
