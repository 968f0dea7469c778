//! Tests of typescript.zig: which type a generated symbol table satisfies, and where it comes from.

const std = @import("std");
const bindings = @import("../bindings.zig");
const typescript = @import("typescript.zig");

const exports = struct {
    pub fn twice(x: u32) callconv(.c) u32 {
        return x *% 2;
    }
};
const source = struct {
    pub const calls_export_abi = true;
    pub const functions = struct {
        pub const twice = .{ .params = .{"x"}, .doc = "Twice `x`." };
    };
};

/// The module `zig build bindings` would write for `spec` over `exports`, owned by the caller.
fn generate(comptime spec: bindings.Spec) ![]u8 {
    var out: std.Io.Writer.Allocating = .init(std.testing.allocator);
    defer out.deinit();
    try typescript.write(&out.writer, spec, source, "9.8.7");
    return out.toOwnedSlice();
}

fn expectTable(comptime spec: bindings.Spec, import_line: []const u8) !void {
    const module = try generate(spec);
    defer std.testing.allocator.free(module);
    try std.testing.expect(std.mem.indexOf(u8, module, "} as const satisfies ForeignLibraryInterface;\n") != null);
    try std.testing.expect(std.mem.indexOf(u8, module, "Deno.") == null);
    try std.testing.expect(std.mem.indexOf(u8, module, import_line) != null);
}

test "a table-only module satisfies zerocopy's ForeignLibraryInterface, imported from zerocopy's module by default" {
    const groups: []const bindings.Group = &.{.{ .name = "testSymbols", .exports = exports }};
    try expectTable(.{ .source = "test", .groups = groups, .wrappers = false }, "\nimport type { ForeignLibraryInterface } from \"jsr:@zerocopy/zerocopy@^9.8.7\";\n");
    try expectTable(.{ .source = "test", .groups = groups, .wrappers = false, .import_from = "../mod.ts" }, "\nimport type { ForeignLibraryInterface } from \"../mod.ts\";\n");
    try expectTable(.{ .source = "test", .groups = groups, .wrappers = false, .import_from = "../mod.ts", .ffi_types_from = "./ffi.ts" }, "\nimport type { ForeignLibraryInterface } from \"./ffi.ts\";\n");
}

test "a module with wrappers imports ForeignLibraryInterface with the rest of zerocopy's API" {
    const groups: []const bindings.Group = &.{.{ .name = "testSymbols", .exports = exports }};
    try expectTable(.{ .source = "test", .groups = groups, .import_from = "../mod.ts" }, "  type ForeignLibraryInterface,\n");
    const module = try generate(.{ .source = "test", .groups = groups, .import_from = "../mod.ts" });
    defer std.testing.allocator.free(module);
    try std.testing.expect(std.mem.indexOf(u8, module, "import type {") == null);
}
