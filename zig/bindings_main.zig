//! `zig build bindings` runs this program: it writes the TypeScript module
//! described by a `zerocopy.bindings.Spec` declared in the library root
//! (`pub const bindings` unless the build names another),
//! or with `--check` fails when the file on disk differs from what it would write.
//!
//!   bindings_main (--write | --check) OUTPUT.ts SOURCE.zig...

const std = @import("std");
const spec_root = @import("bindings_spec");
const spec_name = @import("bindings_options").spec;
const bindings = spec_root.zerocopy.bindings;

pub fn main(init: std.process.Init) !u8 {
    const arena = init.arena.allocator();
    const io = init.io;
    const args = try init.minimal.args.toSlice(arena);
    if (args.len < 3) {
        std.debug.print("usage: {s} (--write | --check) OUTPUT.ts SOURCE.zig...\n", .{args[0]});
        return 2;
    }
    const check = std.mem.eql(u8, args[1], "--check");
    const output = args[2];

    var names: bindings.SourceInfo = .{};
    for (args[3..]) |source_path| {
        const source = try std.Io.Dir.cwd().readFileAllocOptions(io, source_path, arena, .limited(16 << 20), .of(u8), 0);
        try bindings.collectSourceInfo(arena, source, &names);
    }

    var generated: std.Io.Writer.Allocating = .init(arena);
    try bindings.write(&generated.writer, @field(spec_root, spec_name), &names);
    const text = generated.written();

    if (!check) {
        try std.Io.Dir.cwd().writeFile(io, .{ .sub_path = output, .data = text });
        return 0;
    }
    const current = std.Io.Dir.cwd().readFileAlloc(io, output, arena, .limited(16 << 20)) catch "";
    if (std.mem.eql(u8, current, text)) return 0;
    std.debug.print("{s} is stale: the Zig exports changed since it was generated; run `zig build bindings` and commit it\n", .{output});
    return 1;
}
