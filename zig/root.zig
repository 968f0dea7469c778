//! The export table of libzerocopy: nothing but what Deno opens.

pub const zerocopy = @import("zerocopy/zerocopy.zig");
const demo = @import("demo/demo.zig");
const demo_streams = @import("demo/demo_streams.zig");
const demo_arrow = @import("demo/demo_arrow.zig");
const adbc_statement = @import("zerocopy/sql/adbc_statement.zig");
const demo_stream_arrow = @import("demo/demo_stream_arrow.zig");
const sql = @import("zerocopy/sql/duckdb_exports.zig");

/// What `zig build bindings` writes to src/abi/symbols.ts: the symbol tables and the ABI layout.
pub const bindings: zerocopy.bindings.Spec = .{
    .source = "zig/root.zig (zerocopy.probe_exports, zerocopy.abi_exports, demo_streams.exports, demo_arrow.c_data_exports, demo_stream_arrow.stream_exports, adbc_statement.exports, sql.exports, demo.exports, demo_arrow.batch_exports)",
    .groups = &.{
        .{ .name = "probeSymbols", .exports = zerocopy.probe_exports },
        .{ .name = "abiSymbols", .exports = zerocopy.abi_exports, .extends = "probeSymbols" },
        .{ .name = "streamSymbols", .exports = demo_streams.exports, .extends = "abiSymbols" },
        .{ .name = "cDataSymbols", .exports = demo_arrow.c_data_exports, .extends = "streamSymbols" },
        .{ .name = "arrowStreamSymbols", .exports = demo_stream_arrow.stream_exports, .extends = "cDataSymbols" },
        .{ .name = "adbcSymbols", .exports = adbc_statement.exports, .extends = "arrowStreamSymbols" },
        .{ .name = "sqlSymbols", .exports = sql.exports, .extends = "adbcSymbols" },
        .{ .name = "libzerocopySymbols", .exports = demo.exports, .extends = "sqlSymbols" },
        .{ .name = "arrowDemoSymbols", .exports = demo_arrow.batch_exports, .extends = "libzerocopySymbols" },
    },
    .wrappers = false,
    .layouts = true,
    .ffi_types_from = "../runtime/ffi_types.ts",
};

/// What `zig build bindings` writes to src/demo/demo_bindings.ts: typed wrappers
/// over the demo exports, generated like any author's, over the table in src/abi/symbols.ts.
pub const demo_bindings: zerocopy.bindings.Spec = .{
    .source = "zig/root.zig (demo.exports)",
    .groups = &.{.{ .name = "libzerocopySymbols", .exports = demo.exports }},
    .import_from = "../bindings_api.ts",
    .symbols_from = "../abi/symbols.ts",
    // The core module keeps no apache-arrow dependency: zc_arrow_demo_batch's
    // wrapper returns the batch's bytes, and no export here takes a batch (a
    // compile error without Arrow wrappers; arrow_demo_bindings wraps those).
    .arrow_wrappers = false,
};

/// What `zig build bindings` writes to tests/fixtures/arrow_demo.ts: wrappers of the
/// demo exports that hand an Arrow batch over or take one, apart from the demo's
/// own wrappers so that the core module never imports apache-arrow.
pub const arrow_demo_bindings: zerocopy.bindings.Spec = .{
    .source = "zig/root.zig (demo_arrow.batch_exports)",
    .groups = &.{.{ .name = "arrowDemoSymbols", .exports = demo_arrow.batch_exports }},
    .import_from = "../../mod.ts",
    .symbols_from = "../../src/abi/symbols.ts",
};

comptime {
    zerocopy.exportAbi();
    zerocopy.exportAll(demo.exports);
    zerocopy.exportAll(demo_streams.exports);
    zerocopy.exportAll(demo_arrow.c_data_exports);
    zerocopy.exportAll(demo_stream_arrow.stream_exports);
    zerocopy.exportAll(adbc_statement.exports);
    zerocopy.exportAll(sql.exports);
    zerocopy.exportAll(demo_arrow.batch_exports);
}

test {
    _ = zerocopy;
    _ = demo;
    _ = demo_streams;
    _ = adbc_statement;
    _ = sql;
}
