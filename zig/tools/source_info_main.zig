//! `zig build bindings` runs this program first: it reads the library's Zig
//! sources and writes what they say about its functions as a Zig file the
//! bindings generator imports (zig/tools/source_info.zig).
//!
//!   source_info_main OUTPUT.zig SOURCE.zig...

const std = @import("std");
const source_info = @import("source_info.zig");

pub fn main(init: std.process.Init) !u8 {
    const arena = init.arena.allocator();
    const io = init.io;
    const args = try init.minimal.args.toSlice(arena);
    if (args.len < 3) {
        std.debug.print("usage: {s} OUTPUT.zig SOURCE.zig...\n", .{args[0]});
        return 2;
    }
    var info: source_info.SourceInfo = .{};
    for (args[2..]) |path| {
        const source = try std.Io.Dir.cwd().readFileAllocOptions(io, path, arena, .limited(16 << 20), .of(u8), 0);
        try source_info.collect(arena, source, &info);
    }
    var output: std.Io.Writer.Allocating = .init(arena);
    try source_info.write(&output.writer, &info);
    try std.Io.Dir.cwd().writeFile(io, .{ .sub_path = args[1], .data = output.written() });
    return 0;
}
