//! The Node-API face of a library's exports, built at comptime from the same
//! signatures the TypeScript generator reads (`bindings.analyse`): after
//! `process.dlopen`, `exports.symbols` holds one function per export, named as
//! in the generated Deno table, and `exports.nonblocking` one per export the
//! table marks `nonblocking: true`, returning a Promise of the result, run off
//! the JavaScript thread (`napi_symbols_async.zig`). `exports.abiVersion` lets
//! a loader check the ABI before anything else.
//!
//! Which exports: zerocopy's ABI exports (every library has them through
//! `exportAbi()`), every group of the root file's `pub const bindings:
//! zerocopy.bindings.Spec`, and the namespaces its `reexports` names. So a
//! Zig author who writes an export and lists its namespace in `bindings` gets
//! the Deno binding and the Node-API one from the one declaration.

const std = @import("std");
const abi = @import("abi.zig");
const bindings = @import("bindings.zig");
const signature = @import("bindings/signature.zig");
const exports = @import("exports.zig");
const records = @import("records.zig");
const napi = @import("napi.zig");
const host = @import("napi_host.zig");
const convert = @import("napi_convert.zig");
const calls_async = @import("napi_symbols_async.zig");
const Env = host.Env;
const Value = host.Value;
const CallbackInfo = host.CallbackInfo;
const napi_ok = host.napi_ok;

/// One export the registration makes a function of.
pub const Entry = struct {
    namespace: type,
    name: []const u8,
    rules: signature.Rules,
    /// The lengths `Spec.lengths` names by parameter name, which a library
    /// build cannot read (it has no source), are left unchecked.
    named_lengths: []const bindings.Length = &.{},
};

/// The exports of a library whose root file is `root`, each name once.
pub fn entriesOf(comptime root: type) []const Entry {
    comptime {
        var list = add(&.{}, exports.abi_exports, .{}, &.{});
        const spec = specOf(root) orelse return list;
        // Batch parameters cross as their structs' memory here; `arrow_wrappers` only shapes the TypeScript.
        const rules: signature.Rules = .{ .hidden_lengths = spec.hidden_lengths };
        for (spec.groups) |group| list = add(list, group.exports, rules, spec.lengths);
        for (spec.reexports) |namespace| list = add(list, namespace, rules, spec.lengths);
        return list;
    }
}

/// The root's `pub const bindings`, when it declares a `Spec` by that name.
fn specOf(comptime root: type) ?bindings.Spec {
    if (@typeInfo(root) != .@"struct") return null;
    for (@typeInfo(root).@"struct".decl_names) |name| {
        if (!std.mem.eql(u8, name, "bindings")) continue;
        if (@TypeOf(root.bindings) != bindings.Spec) return null;
        return root.bindings;
    }
    return null;
}

fn add(comptime list: []const Entry, comptime namespace: type, comptime rules: signature.Rules, comptime lengths: []const bindings.Length) []const Entry {
    if (@typeInfo(namespace) != .@"struct") @compileError("zerocopy Node-API: the bindings Spec lists `" ++ @typeName(namespace) ++
        "` as a namespace of exports, but it is no struct; list the `struct` whose pub functions the library exports");
    var result = list;
    for (@typeInfo(namespace).@"struct".decl_names) |name| {
        if (signature.isExport(namespace, name)) result = addOne(result, .{ .namespace = namespace, .name = name, .rules = rules, .named_lengths = lengths });
    }
    // The export `exportAll` adds for a namespace that hands records over.
    if (records.recordTypes(namespace).len > 0)
        result = addOne(result, .{ .namespace = records.LayoutsExport(namespace), .name = "zc_record_layouts", .rules = .{} });
    return result;
}

fn addOne(comptime list: []const Entry, comptime entry: Entry) []const Entry {
    for (list) |known| {
        if (!std.mem.eql(u8, known.name, entry.name)) continue;
        if (&@field(known.namespace, known.name) == &@field(entry.namespace, entry.name) or
            std.mem.eql(u8, entry.name, "zc_record_layouts")) return list;
        @compileError("zerocopy Node-API: two namespaces export `" ++ entry.name ++ "` (" ++ @typeName(known.namespace) ++
            " and " ++ @typeName(entry.namespace) ++ "); a shared library has one symbol of a name, so rename one");
    }
    return list ++ .{entry};
}

/// How the declared FFI type of a parameter crosses.
pub fn crossing(comptime kind: signature.Kind) convert.Crossing {
    const ffi = signature.ffiName(kind);
    if (std.mem.eql(u8, ffi, "buffer")) return .buffer;
    if (std.mem.eql(u8, ffi, "pointer")) return .pointer;
    return .scalar;
}

/// The Node-API functions of one export: `call` runs it on the calling
/// thread; `Async` (napi_symbols_async.zig) on a worker thread.
pub fn Call(comptime entry: Entry) type {
    return struct {
        pub const function = @field(entry.namespace, entry.name);
        pub const Fn = @typeInfo(@TypeOf(function)).@"fn";
        pub const Args = std.meta.ArgsTuple(@TypeOf(function));
        pub const Result = Fn.return_type.?;
        pub const sig = signature.analyse(entry.namespace, entry.name, if (names_lengths) .{ .hidden_lengths = .none } else entry.rules, null);
        pub const arity = Fn.param_types.len;
        pub const name: [:0]const u8 = entry.name ++ "";
        const names_lengths = blk: {
            for (entry.named_lengths) |length| if (std.mem.eql(u8, length.function, entry.name)) break :blk true;
            break :blk false;
        };

        /// `symbols.<name>(...args)`: the export's result, or a thrown TypeError or RangeError.
        pub fn call(env: Env, info: CallbackInfo) callconv(.c) Value {
            var argv: [arity]Value = undefined;
            var args: Args = undefined;
            if (!enter(env, info, &argv, &args)) return null;
            return convert.resultValue(Result, env, @call(.auto, function, args));
        }

        /// Reads the call's arguments into `args`; false once it has thrown.
        pub fn enter(env: Env, info: CallbackInfo, argv: *[arity]Value, args: *Args) bool {
            napi.markJsThread();
            _ = napi.releaseDeferred();
            argv.* = @splat(null);
            var argc: usize = arity;
            if (host.api.napi_get_cb_info(env, info, &argc, argv, null, null) != napi_ok) return false;
            arguments(env, argv, args) catch return false;
            return true;
        }

        fn arguments(env: Env, argv: *const [arity]Value, args: *Args) convert.Thrown!void {
            var lengths: [arity]usize = @splat(0);
            inline for (sig.params, 0..) |param, i| {
                const T = Fn.param_types[i].?;
                const where = comptime std.fmt.comptimePrint("{s}: parameter {d} (`{s}`)", .{ entry.name, i, param.zig });
                args[i] = switch (comptime crossing(param.kind)) {
                    .scalar => try convert.scalar(T, where, env, argv[i]),
                    .buffer => try convert.bufferArgument(T, where, env, argv[i], &lengths[i]),
                    .pointer => try convert.opaqueArgument(T, where, env, argv[i]),
                };
            }
            // A length the signature ties to a lent array must not reach past it: Zig reads that far.
            inline for (sig.params, 0..) |param, i| if (param.length_of) |array| {
                const Element = convert.pointerOf(Fn.param_types[array].?).info.child;
                const where = comptime std.fmt.comptimePrint("{s}: parameter {d} (`{s}`)", .{ entry.name, i, param.zig });
                if (present(args[array]) and (args[i] < 0 or args[i] > lengths[array] / @sizeOf(Element)))
                    return convert.throwRange(env, where ++ std.fmt.comptimePrint(" is negative or longer than the array at parameter {d}", .{array}));
            };
        }
    };
}

fn present(pointer: anytype) bool {
    return switch (@typeInfo(@TypeOf(pointer))) {
        .optional => pointer != null,
        .pointer => |info| info.size != .c or pointer != null,
        else => true,
    };
}

/// Adds `abiVersion`, `nonblocking` and `symbols` to `module` for the
/// library whose root file is `root`, `symbols` last: present, it is
/// complete. A host without one of the functions this needs, or refusing to
/// create one, gets the entry's own functions alone.
pub fn register(comptime root: type, env: Env, module: Value) void {
    if (!host.resolveCallApi()) return;
    var symbols: Value = null;
    var nonblocking: Value = null;
    var version: Value = null;
    if (host.call_api.napi_create_object(env, &symbols) != napi_ok or host.call_api.napi_create_object(env, &nonblocking) != napi_ok) return;
    inline for (comptime entriesOf(root)) |entry| {
        const Symbol = Call(entry);
        if (!define(env, symbols, Symbol.name, Symbol.call)) return;
        if (Symbol.sig.nonblocking and !define(env, nonblocking, Symbol.name, calls_async.Async(Symbol).call)) return;
    }
    if (host.api.napi_create_uint32(env, abi.abi_version, &version) != napi_ok or
        host.api.napi_set_named_property(env, module, "abiVersion", version) != napi_ok or
        host.api.napi_set_named_property(env, module, "nonblocking", nonblocking) != napi_ok) return;
    _ = host.api.napi_set_named_property(env, module, "symbols", symbols);
}

fn define(env: Env, object: Value, name: [:0]const u8, callback: host.Callback) bool {
    var function: Value = null;
    return host.api.napi_create_function(env, name, name.len, callback, null, &function) == napi_ok and
        host.api.napi_set_named_property(env, object, name, function) == napi_ok;
}

const testing = std.testing;

test "a root without a bindings Spec registers zerocopy's ABI exports alone" {
    const entries = comptime entriesOf(struct {});
    comptime var names: []const u8 = "";
    inline for (entries) |entry| names = names ++ entry.name ++ " ";
    try testing.expect(std.mem.indexOf(u8, names, "zc_abi_version ") != null);
    try testing.expect(std.mem.indexOf(u8, names, "zc_release ") != null);
    try testing.expect(std.mem.indexOf(u8, names, "zc_allocate ") != null);
    try testing.expectEqual(1, std.mem.count(u8, names, "zc_layout "));
}
