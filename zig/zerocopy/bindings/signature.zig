//! What an export looks like from TypeScript, worked out once from its Zig
//! type: each parameter's kind, FFI type and TypeScript type, the hidden
//! lengths, the result. An unsupported type is a compile error that says
//! what to write instead.

const std = @import("std");
const abi = @import("../abi.zig");
const isOut = @import("../out.zig").isOut;
const records = @import("../records.zig");
const c_data = @import("../arrow/c_data.zig");
const RecordBatchOut = @import("../arrow/record_batch_out.zig").RecordBatchOut;
const bindings = @import("../bindings.zig");
const ElementType = abi.ElementType;
const Spec = bindings.Spec;
const Length = bindings.Length;
const HiddenLengths = bindings.HiddenLengths;
pub const Into = @import("into.zig").Into;
const names = @import("names.zig");
const namesLengths = names.namesLengths;
const paramIndex = names.paramIndex;
const paramName = names.paramName;
const docOf = names.docOf;

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
    /// `*T` or `?*T`: a value the host provides memory for (an extern struct,
    /// an out-parameter): a TypedArray, DataView or ArrayBuffer that the wrapper
    /// gates for `@sizeOf(T)` bytes at `@alignOf(T)` before Zig follows it.
    memory: Memory,
    /// `*RecordOut(T)`: where the function hands over a slice of `extern struct` records.
    records: Record,
    /// `*zerocopy.Job`: progress and cancellation. Not a parameter: a
    /// nonblocking wrapper passes memory it polls, a synchronous one null.
    job,
    /// Any other pointer (`[*]T` of a non-element type, `[*:0]T`, `*opaque`, a
    /// function): a `PointerValue` (zerocopy's name for the runtime's pointer
    /// object) passed as is. Only the runtime's unsafe pointer API makes one, so
    /// what it points at is the caller's own unsafe promise, which the generated
    /// JSDoc states.
    pointer,
    /// `*zerocopy.arrow.RecordBatchOut`: where the function hands an Arrow record
    /// batch over; the wrapper returns it imported as an `ArrowBatch`.
    arrow_out,
    /// `*const zerocopy.arrow.ArrowSchema` followed by `*const ArrowArray`: a
    /// batch Deno lends for the call. The wrapper takes one apache-arrow
    /// `RecordBatch` or `Table` for the pair.
    arrow_schema,
    /// The `ArrowArray` of the pair: filled in by the wrapper, not taken.
    arrow_array,
    /// `zerocopy.Status`: 0 is ok, anything else becomes a thrown ZeroCopyError.
    status,
    void,
};

/// What a `.memory` parameter needs: `@sizeOf(T)` bytes at the pointer's
/// alignment (`@alignOf(T)` unless the type says `align(n)`); null for `?*T`.
pub const Memory = struct { size: usize, alignment: usize, nullable: bool = false };

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
        return switch (param.kind) {
            .out, .job, .records, .arrow_out, .arrow_array => false,
            else => param.length_of == null,
        };
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
    /// Deno calls it on a worker thread (`nonblocking: true`); its wrapper
    /// returns a Promise, pins the buffers it passes and takes `NonblockingOptions`.
    nonblocking: bool,
    /// The `*zerocopy.Job` parameter, if any.
    job: ?usize,
    /// The record type the export hands over through its `RecordOut(T)`, if any.
    records: ?Record,
    /// It hands an Arrow record batch over through a `*zerocopy.arrow.RecordBatchOut`.
    arrow_out: bool = false,
    /// The `ArrowSchema` parameter of the batch it takes, if any (its
    /// `ArrowArray` is the next parameter).
    arrow_in: ?usize = null,
};

/// A record type as the generated TypeScript names and describes it.
pub const Record = struct {
    /// The struct's short name: the generated layout is `<name>Layout`.
    name: []const u8,
    /// Its comptime layout (records.zig `layoutJson`).
    json: []const u8,
};

pub fn classify(comptime T: type, comptime where: []const u8) Kind {
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
            return switch (classify(optional.child, where)) {
                .memory => |memory| .{ .memory = .{ .size = memory.size, .alignment = memory.alignment, .nullable = true } },
                else => |kind| kind,
            };
        },
        .pointer => |pointer| switch (pointer.size) {
            .slice => unsupported(where, T, "a slice is two words the C ABI cannot carry: take `[*]const T` and a `len: u32` parameter"),
            .many, .c => {
                if (pointer.sentinel_ptr == null) if (ElementType.tagOf(pointer.child)) |tag| return .{ .lent = tag };
                return .pointer;
            },
            .one => {
                if (pointer.child == abi.Descriptor) return .descriptor;
                if (pointer.child == abi.Job) return .job;
                if (pointer.child == RecordBatchOut) return .arrow_out;
                if (pointer.child == c_data.ArrowSchema) return .arrow_schema;
                if (pointer.child == c_data.ArrowArray) return .arrow_array;
                if (records.isRecordOut(pointer.child)) return .{ .records = .{
                    .name = records.recordName(pointer.child.Record),
                    .json = records.layoutJson(pointer.child.Record),
                } };
                if (isOut(pointer.child)) return .{ .out = pointer.child.element_type };
                if (Into.of(pointer.child)) |into| return .{ .into = into };
                return switch (@typeInfo(pointer.child)) {
                    .@"opaque", .@"fn" => .pointer,
                    else => .{ .memory = .{
                        .size = @sizeOf(pointer.child),
                        .alignment = pointer.attrs.@"align" orelse @alignOf(pointer.child),
                    } },
                };
            },
        },
        .error_union => unsupported(where, T, "an error union cannot cross FFI: return zerocopy.Status and map errors with zerocopy.statusOf"),
        .@"struct", .@"union" => unsupported(where, T, "pass a pointer to it instead of the value"),
        else => unsupported(where, T, "FFI cannot carry it"),
    }
}

pub fn unsupported(comptime where: []const u8, comptime T: type, comptime instead: []const u8) noreturn {
    @compileError("zerocopy bindings: " ++ where ++ " has type `" ++ @typeName(T) ++ "`, which " ++
        "Deno FFI does not support; " ++ instead);
}

/// Whether Deno passes this FFI type as a bigint: 64-bit and pointer-sized integers.
pub fn isBigInt(comptime name: []const u8) bool {
    return name[0] != 'f' and (std.mem.endsWith(u8, name, "64") or std.mem.endsWith(u8, name, "size"));
}

pub fn ffiName(comptime kind: Kind) []const u8 {
    return switch (kind) {
        .scalar => |name| name,
        .descriptor, .out, .into, .lent, .memory, .job, .records, .arrow_out, .arrow_schema, .arrow_array => "buffer",
        .pointer => "pointer",
        .status => "i32",
        .void => "void",
    };
}

pub fn tsType(comptime kind: Kind) []const u8 {
    return switch (kind) {
        .scalar => |name| if (std.mem.eql(u8, name, "bool"))
            "boolean"
        else if (isBigInt(name)) "number | bigint" else "number",
        .descriptor => "Descriptor | ZeroCopyBuffer | BufferPin",
        .lent => |tag| "LentArrayOf[\"" ++ @tagName(tag) ++ "\"]",
        .out => |tag| "ZeroCopyBuffer<\"" ++ @tagName(tag) ++ "\">",
        .into => |into| into.parameter(),
        .memory => |memory| if (memory.nullable) "BufferSource | null" else "BufferSource",
        .pointer => "PointerValue",
        .arrow_schema => "zerocopyArrow.BatchArgument",
        .status, .void, .job, .records, .arrow_out, .arrow_array => "void",
    };
}

/// A readable Zig type name for comments: module paths dropped.
pub fn zigName(comptime T: type) []const u8 {
    if (T == abi.Status) return "zerocopy.Status";
    switch (@typeInfo(T)) {
        .optional => |optional| return "?" ++ zigName(optional.child),
        .pointer => |pointer| {
            if (pointer.size == .one and pointer.child == RecordBatchOut) return "*zerocopy.arrow.RecordBatchOut";
            if (pointer.size == .one and isOut(pointer.child))
                return "*zerocopy.Out(" ++ @tagName(pointer.child.element_type) ++ ")";
            if (pointer.size == .one) if (Into.of(pointer.child)) |into| return into.zigName();
            if (pointer.size == .one and records.isRecordOut(pointer.child))
                return "*zerocopy.RecordOut(" ++ records.recordName(pointer.child.Record) ++ ")";
            const prefix = switch (pointer.size) {
                .one => "*",
                .many => if (pointer.sentinel_ptr != null) "[*:0]" else "[*]",
                .c => "[*c]",
                .slice => "[]",
            };
            const alignment = if (pointer.attrs.@"align") |n| std.fmt.comptimePrint("align({d}) ", .{n}) else "";
            return prefix ++ alignment ++ (if (pointer.attrs.@"const") "const " else "") ++ zigName(pointer.child);
        },
        else => {
            const full = @typeName(T);
            const dot = std.mem.lastIndexOfScalar(u8, full, '.') orelse return full;
            return "zerocopy." ++ full[dot + 1 ..];
        },
    }
}

pub fn isExport(comptime namespace: type, comptime name: []const u8) bool {
    return @typeInfo(@TypeOf(@field(namespace, name))) == .@"fn";
}

pub fn isNonblocking(comptime namespace: type, comptime name: []const u8) bool {
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
        .descriptor, .out, .into, .lent, .memory, .job, .records, .arrow_out, .arrow_schema, .arrow_array => .pointer,
        else => |kind| kind,
    };
    var params: [info.param_types.len]Param = undefined;
    var out: ?ElementType = null;
    var into: @FieldType(Signature, "into") = null;
    var job: ?usize = null;
    var record: ?Record = null;
    var arrow_out = false;
    var arrow_in: ?usize = null;
    const nonblocking = isNonblocking(namespace, name);
    for (info.param_types, &params, 0..) |param_type, *param, i| {
        const param_name = paramName(source, name, i);
        const where = if (source == null)
            std.fmt.comptimePrint("parameter {d} of {s}", .{ i, name })
        else
            std.fmt.comptimePrint("parameter {d} (`{s}`) of {s}", .{ i, param_name, name });
        const classified = classify(param_type.?, where);
        const kind: Kind = if (spec.arrow) classified else switch (classified) {
            // Raw structs would let any bytes be followed as pointers by Zig.
            .arrow_schema, .arrow_array => @compileError("zerocopy bindings: " ++ where ++ " is a C Data `" ++ zigName(param_type.?) ++
                "`, which a wrapper fills only by lending an apache-arrow batch, but the Spec sets `arrow_wrappers = false`; generate " ++
                "this export's wrapper from a Spec with Arrow wrappers (its module imports ./arrow), or keep it out of the wrapped group"),
            .arrow_out => .{ .out = .u8 },
            else => classified,
        };
        param.* = .{
            .name = param_name,
            .kind = kind,
            .zig = zigName(param_type.?),
            .ffi = ffiName(kind),
            .ts = if (kind == .descriptor and nonblocking) "ZeroCopyBuffer" else tsType(kind),
            .integer64 = kind == .scalar and isBigInt(kind.scalar),
            .integer32 = kind == .scalar and !isBigInt(kind.scalar) and (kind.scalar[0] == 'u' or kind.scalar[0] == 'i'),
        };
        switch (kind) {
            .records => |found| {
                if (out != null or into != null or record != null) @compileError("zerocopy bindings: " ++ name ++ " has two out-parameters; hand one buffer over per call");
                if (result != .status and result != .void) @compileError("zerocopy bindings: " ++ name ++ " hands records over, so it must return zerocopy.Status or void");
                record = found;
            },
            .job => {
                if (job != null) @compileError("zerocopy bindings: " ++ name ++ " takes two *zerocopy.Job; one tracks a call");
                job = i;
            },
            .into => |target| {
                if (nonblocking) @compileError("zerocopy bindings: " ++ name ++ " is nonblocking and hands over into a region or ring, " ++
                    "which the host reads while the call runs; hand over through `*zerocopy.Out(T)` instead");
                if (out != null or into != null) @compileError("zerocopy bindings: " ++ name ++ " has two out-parameters; hand over into one region or ring per call");
                if (result != .status and result != .void) @compileError("zerocopy bindings: " ++ name ++ " hands over into a region or ring, so it must return zerocopy.Status or void");
                into = .{ .index = i, .into = target };
            },
            .arrow_out => {
                if (out != null or into != null or record != null) @compileError("zerocopy bindings: " ++ name ++ " has two out-parameters; hand one buffer over per call");
                if (result != .status and result != .void) @compileError("zerocopy bindings: " ++ name ++ " hands a batch over, so it must return zerocopy.Status or void");
                out = .u8;
                arrow_out = true;
            },
            .arrow_schema => {
                if (arrow_in != null) @compileError("zerocopy bindings: " ++ name ++ " takes two Arrow batches; a wrapper lends one per call");
                if (i + 1 >= info.param_types.len or classify(info.param_types[i + 1].?, where) != .arrow_array)
                    @compileError("zerocopy bindings: " ++ where ++ " is an ArrowSchema not followed by its ArrowArray; " ++
                        "take a lent batch as `schema: ?*const zerocopy.arrow.ArrowSchema, array: ?*const zerocopy.arrow.ArrowArray`");
                arrow_in = i;
            },
            .arrow_array => if (arrow_in == null or arrow_in.? + 1 != i)
                @compileError("zerocopy bindings: " ++ where ++ " is an ArrowArray without its ArrowSchema just before; " ++
                    "take a lent batch as `schema: ?*const zerocopy.arrow.ArrowSchema, array: ?*const zerocopy.arrow.ArrowArray`"),
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
        .returns = if (arrow_out) "zerocopyArrow.ArrowBatch" else if (record) |found| "RecordView<typeof " ++ found.name ++ "Layout>" else if (out) |tag| "ZeroCopyBuffer<\"" ++ @tagName(tag) ++ "\">" else if (into) |found| found.into.returns() else switch (result) {
            .status, .void => "void",
            .scalar => |scalar| if (isBigInt(scalar)) "bigint" else tsType(result),
            else => tsType(result),
        },
        .integer64_result = result == .scalar and isBigInt(result.scalar),
        .shape = shape,
        .nonblocking = nonblocking,
        .job = job,
        .records = record,
        .arrow_out = arrow_out,
        .arrow_in = arrow_in,
    };
}

/// The parts of a Spec that decide how `analyse` reads an export.
pub const Rules = struct {
    hidden_lengths: HiddenLengths = .after_lent_array,
    lengths: []const Length = &.{},
    /// Batch parameters and `RecordBatchOut` become apache-arrow objects (else raw memory and bytes).
    arrow: bool = true,
};

pub fn rulesOf(comptime spec: Spec) Rules {
    return .{ .hidden_lengths = spec.hidden_lengths, .lengths = spec.lengths, .arrow = spec.arrow_wrappers };
}

/// The signature of every export of `namespace`, in declaration order.
pub fn signatures(comptime namespace: type, comptime rules: Rules, comptime source: ?type) []const Signature {
    @setEvalBranchQuota(100_000);
    var list: []const Signature = &.{};
    for (@typeInfo(namespace).@"struct".decl_names) |name| {
        if (isExport(namespace, name)) list = list ++ .{analyse(namespace, name, rules, source)};
    }
    return list;
}

test {
    _ = @import("signature_test.zig");
}
