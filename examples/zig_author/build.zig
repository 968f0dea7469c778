//! A Zig author's library that hands buffers to Deno through zerocopy.
//!
//!   zig build            zig-out/lib/libusecases.{so,dylib} / usecases.dll
//!   zig build bindings   bindings.ts, the TypeScript side, generated from src/root.zig
//!   zig build package    zig-out/package/: bindings, every platform's library, deno.json, ready for `deno publish`

const std = @import("std");
const zerocopy_build = @import("zerocopy");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});
    const zerocopy = b.dependency("zerocopy", .{ .target = target, .optimize = optimize });

    const library = b.addLibrary(.{
        .name = "usecases",
        .linkage = .dynamic,
        .root_module = b.createModule(.{
            .root_source_file = b.path("src/root.zig"),
            .target = target,
            .optimize = optimize,
            .link_libc = true,
            .imports = &.{.{ .name = "zerocopy", .module = zerocopy.module("zerocopy") }},
        }),
    });
    b.installArtifact(library);

    const tests = b.addTest(.{ .root_module = library.root_module });
    const run_tests = b.addRunArtifact(tests);
    run_tests.has_side_effects = true;
    b.step("test", "Run the example's unit tests").dependOn(&run_tests.step);

    const bindings = zerocopy_build.addBindings(b, .{
        .zerocopy = zerocopy.builder,
        .root_source_file = b.path("src/root.zig"),
        .output = "bindings.ts",
        .sources = &.{"src/root.zig"},
    });
    b.step("bindings", "Write bindings.ts from the exports").dependOn(bindings.write);
    b.step("bindings-check", "Fail when bindings.ts is stale").dependOn(bindings.check);

    const package = zerocopy_build.addPackage(b, .{
        .zerocopy = zerocopy.builder,
        .name = "usecases",
        .root_source_file = b.path("src/root.zig"),
        .sources = &.{"src/root.zig"},
        .package_name = "@zerocopy-examples/usecases",
        .version = "0.1.0",
        .license = "MIT",
        .license_file = b.path("../../LICENSE"),
    });
    b.step("package", "Write a publishable JSR package with every platform's library into zig-out/package/").dependOn(package.write);
}
