//! The export table of libtest_hooks, which only the tests load: all of
//! libzerocopy (its ABI and demo exports, one set of counters) plus the hooks
//! of zig/fixtures/test_hooks.zig, so a buffer the demo hands over can be kept
//! by a hook and released by the same library.

pub const zerocopy = @import("zerocopy/zerocopy.zig");
const demo = @import("demo/demo.zig");
const demo_streams = @import("demo/demo_streams.zig");
const demo_arrow = @import("demo/demo_arrow.zig");
const hooks = @import("fixtures/test_hooks.zig");
const adbc_statement = @import("zerocopy/sql/adbc_statement.zig");
const demo_stream_arrow = @import("demo/demo_stream_arrow.zig");
const sql = @import("zerocopy/sql/duckdb_exports.zig");

/// What `zig build bindings` writes to tests/fixtures/test_hooks.ts: the hooks
/// alone, since the other exports are libzerocopy's own tables.
pub const bindings: zerocopy.bindings.Spec = .{
    .source = "zig/fixtures/test_hooks.zig",
    .groups = &.{.{ .name = "testHooksSymbols", .exports = hooks.exports }},
    // The table's type comes from the checkout's module, as the tests import it.
    .import_from = "../../mod.ts",
    // libzerocopy's own tables describe these; Node and Bun still call them through this library.
    .reexports = &.{ demo.exports, demo_streams.exports, demo_arrow.c_data_exports },
    .wrappers = false,
};

comptime {
    zerocopy.exportAbi();
    zerocopy.exportAll(demo.exports);
    zerocopy.exportAll(demo_streams.exports);
    zerocopy.exportAll(demo_arrow.c_data_exports);
    zerocopy.exportAll(demo_stream_arrow.stream_exports);
    zerocopy.exportAll(adbc_statement.exports);
    zerocopy.exportAll(sql.exports);
    zerocopy.exportAll(hooks.exports);
}

test {
    _ = hooks;
}
