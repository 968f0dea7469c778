//! The export table of libzerocopy: nothing but what Deno opens.

pub const zerocopy = @import("zerocopy.zig");
const demo = @import("demo.zig");

/// What `zig build bindings` writes to src/symbols.ts.
pub const bindings: zerocopy.bindings.Spec = .{
    .source = "zig/root.zig (zerocopy.probe_exports, zerocopy.abi_exports, demo.exports)",
    .groups = &.{
        .{ .name = "probeSymbols", .exports = zerocopy.probe_exports },
        .{ .name = "abiSymbols", .exports = zerocopy.abi_exports, .extends = "probeSymbols" },
        .{ .name = "libzerocopySymbols", .exports = demo.exports, .extends = "abiSymbols" },
    },
    .wrappers = false,
    .layouts = true,
};

comptime {
    zerocopy.exportAbi();
    zerocopy.exportAll(demo.exports);
}

test {
    _ = zerocopy;
    _ = demo;
}
