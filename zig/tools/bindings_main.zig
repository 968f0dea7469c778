//! `zig build bindings` runs this program: it writes the TypeScript module
//! described by a `zerocopy.bindings.Spec` declared in the library root
//! (`pub const bindings` unless the build names another), or with `--check`
//! fails when the file on disk differs from what it would write, saying where.
//! Parameter names and doc comments come from `bindings_source`, which
//! zig/tools/source_info_main.zig wrote from the library's Zig sources.
//!
//!   bindings_main (--write | --check) OUTPUT.ts

const std = @import("std");
const spec_root = @import("bindings_spec");
const source = @import("bindings_source");
const options = @import("bindings_options");

const bindings = if (@hasDecl(spec_root, "zerocopy")) spec_root.zerocopy.bindings else @compileError("zerocopy bindings: " ++
    options.root ++ " has no public `zerocopy`; declare `pub const zerocopy = @import(\"zerocopy\");` in it");

const spec: bindings.Spec = blk: {
    if (!@hasDecl(spec_root, options.spec)) @compileError("zerocopy bindings: " ++ options.root ++
        " has no public `" ++ options.spec ++ "` declaration; add `pub const " ++ options.spec ++
        ": zerocopy.bindings.Spec = .{ .source = \"" ++ options.root ++ "\", .groups = &.{.{ .name = \"symbols\", .exports = exports }} };`" ++
        " (a declaration without `pub` is invisible to the generator)");
    var declared = @field(spec_root, options.spec);
    if (@TypeOf(declared) != bindings.Spec) @compileError("zerocopy bindings: " ++ options.root ++ "'s `" ++ options.spec ++
        "` is a " ++ @typeName(@TypeOf(declared)) ++ ", not a zerocopy.bindings.Spec; declare it `pub const " ++ options.spec ++
        ": zerocopy.bindings.Spec = .{ ... }`");
    if (!source.calls_export_abi) @compileError("zerocopy bindings: " ++ options.root ++ " never calls zerocopy.exportAbi(), " ++
        "so Deno's openLibrary() will refuse the library (it needs zc_release, zc_abi_version, zc_layout, zc_stats, " ++
        "zc_allocate); add `comptime { zerocopy.exportAbi(); }` to it");
    // A package's bindings import zerocopy from JSR whatever the Spec says (the example's says "../../mod.ts").
    if (options.import_from) |module| {
        declared.import_from = module;
        declared.arrow_from = null;
    }
    break :blk declared;
};

pub fn main(init: std.process.Init) !u8 {
    const arena = init.arena.allocator();
    const io = init.io;
    const args = try init.minimal.args.toSlice(arena);
    if (args.len != 3) {
        std.debug.print("usage: {s} (--write | --check) OUTPUT.ts\n", .{args[0]});
        return 2;
    }
    const check = std.mem.eql(u8, args[1], "--check");
    const output = args[2];

    var generated: std.Io.Writer.Allocating = .init(arena);
    try bindings.write(&generated.writer, spec, source, options.zerocopy_version);
    const text = generated.written();

    if (!check) {
        if (std.fs.path.dirname(output)) |dir| try std.Io.Dir.cwd().createDirPath(io, dir);
        try std.Io.Dir.cwd().writeFile(io, .{ .sub_path = output, .data = text });
        return 0;
    }
    const current = std.Io.Dir.cwd().readFileAlloc(io, output, arena, .limited(16 << 20)) catch |err| {
        std.debug.print("{s} is stale: cannot read it ({t}); run `zig build bindings` and commit it\n", .{ output, err });
        return 1;
    };
    if (std.mem.eql(u8, current, text)) return 0;
    const difference = bindings.firstDifference(current, text);
    std.debug.print(
        \\{s} is stale: line {d} differs from what the Zig exports generate; run `zig build bindings` and commit it
        \\  committed: {s}
        \\  generated: {s}
        \\
    , .{ output, difference.line, difference.committed, difference.generated });
    return 1;
}
