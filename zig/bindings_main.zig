//! `zig build bindings` runs this program: it writes the TypeScript module
//! described by a `zerocopy.bindings.Spec` declared in the library root
//! (`pub const bindings` unless the build names another), or with `--check`
//! fails when the file on disk differs from what it would write, saying where.
//!
//!   bindings_main (--write | --check) OUTPUT.ts ROOT.zig SOURCE.zig...

const std = @import("std");
const spec_root = @import("bindings_spec");
const options = @import("bindings_options");
const bindings = if (@hasDecl(spec_root, "zerocopy")) spec_root.zerocopy.bindings else @compileError("zerocopy bindings: " ++
    options.root ++ " has no public `zerocopy`; declare `pub const zerocopy = @import(\"zerocopy\");` in it");

const spec: bindings.Spec = blk: {
    if (!@hasDecl(spec_root, options.spec)) @compileError("zerocopy bindings: " ++ options.root ++
        " has no public `" ++ options.spec ++ "` declaration; add `pub const " ++ options.spec ++
        ": zerocopy.bindings.Spec = .{ .source = \"" ++ options.root ++ "\", .groups = &.{.{ .name = \"symbols\", .exports = exports }} };`" ++
        " (a declaration without `pub` is invisible to the generator)");
    const declared = @field(spec_root, options.spec);
    if (@TypeOf(declared) != bindings.Spec) @compileError("zerocopy bindings: " ++ options.root ++ "'s `" ++ options.spec ++
        "` is a " ++ @typeName(@TypeOf(declared)) ++ ", not a zerocopy.bindings.Spec; declare it `pub const " ++ options.spec ++
        ": zerocopy.bindings.Spec = .{ ... }`");
    break :blk declared;
};

pub fn main(init: std.process.Init) !u8 {
    const arena = init.arena.allocator();
    const io = init.io;
    const args = try init.minimal.args.toSlice(arena);
    if (args.len < 4) {
        std.debug.print("usage: {s} (--write | --check) OUTPUT.ts ROOT.zig SOURCE.zig...\n", .{args[0]});
        return 2;
    }
    const check = std.mem.eql(u8, args[1], "--check");
    const output = args[2];

    var names: bindings.SourceInfo = .{};
    for (args[3..]) |source_path| {
        const source = try std.Io.Dir.cwd().readFileAllocOptions(io, source_path, arena, .limited(16 << 20), .of(u8), 0);
        try bindings.collectSourceInfo(arena, source, &names);
    }
    if (!names.calls_export_abi) {
        std.debug.print(
            "zerocopy bindings: {s} never calls zerocopy.exportAbi(), so Deno's openLibrary() will refuse the library " ++
                "(it needs zc_release, zc_abi_version, zc_layout, zc_stats, zc_allocate); add `comptime {{ zerocopy.exportAbi(); }}` to it\n",
            .{options.root},
        );
        return 1;
    }

    var generated: std.Io.Writer.Allocating = .init(arena);
    try bindings.write(&generated.writer, spec, &names, options.zerocopy_version);
    const text = generated.written();

    if (!check) {
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
