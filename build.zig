//! zig build          the shared library Deno opens: zig-out/lib/libzerocopy.{so,dylib} / zerocopy.dll
//! zig build test     Zig unit tests, run with the testing allocator (leaks fail)
//! zig build fixtures broken libraries the Deno tests must refuse, in zig-out/fixtures/
//! zig build bench-lib the benchmarks' library, always ReleaseFast, in zig-out/bench/
//!
//! Zig authors depend on this package and import the `zerocopy` module.

const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{ .preferred_optimize_mode = .ReleaseSafe });

    const zerocopy = b.addModule("zerocopy", .{
        .root_source_file = b.path("zig/zerocopy.zig"),
        .target = target,
        .optimize = optimize,
        // std.heap.c_allocator, the default allocator, needs libc.
        .link_libc = true,
    });

    const library = addSharedLibrary(b, "zerocopy", b.path("zig/root.zig"), target, optimize, zerocopy);
    b.installArtifact(library);

    addTests(b, target, optimize, zerocopy);
    addFixtures(b, target, optimize, zerocopy);
    addBenchLibrary(b, target);
}

fn addSharedLibrary(
    b: *std.Build,
    name: []const u8,
    root: std.Build.LazyPath,
    target: std.Build.ResolvedTarget,
    optimize: std.builtin.OptimizeMode,
    zerocopy: *std.Build.Module,
) *std.Build.Step.Compile {
    return b.addLibrary(.{
        .name = name,
        .linkage = .dynamic,
        .root_module = b.createModule(.{
            .root_source_file = root,
            .target = target,
            .optimize = optimize,
            .link_libc = true,
            .imports = &.{.{ .name = "zerocopy", .module = zerocopy }},
        }),
    });
}

fn addTests(
    b: *std.Build,
    target: std.Build.ResolvedTarget,
    optimize: std.builtin.OptimizeMode,
    zerocopy: *std.Build.Module,
) void {
    const test_step = b.step("test", "Run the Zig unit tests");
    const roots = [_]std.Build.LazyPath{ b.path("zig/root.zig"), b.path("bench/zig/bench_lib.zig") };
    for (roots) |root| {
        const tests = b.addTest(.{
            .root_module = b.createModule(.{
                .root_source_file = root,
                .target = target,
                .optimize = optimize,
                .link_libc = true,
                .imports = &.{.{ .name = "zerocopy", .module = zerocopy }},
            }),
        });
        const run_tests = b.addRunArtifact(tests);
        // Run every time, so that each `zig build test` reports its test count.
        run_tests.has_side_effects = true;
        test_step.dependOn(&run_tests.step);
    }
}

fn addFixtures(
    b: *std.Build,
    target: std.Build.ResolvedTarget,
    optimize: std.builtin.OptimizeMode,
    zerocopy: *std.Build.Module,
) void {
    const fixtures_step = b.step("fixtures", "Build the broken libraries that the Deno tests must refuse");
    inline for (.{ "abi_mismatch", "missing_symbol", "bad_layout" }) |name| {
        const library = addSharedLibrary(b, name, b.path("zig/fixtures/" ++ name ++ ".zig"), target, optimize, zerocopy);
        const install = b.addInstallArtifact(library, .{
            .dest_dir = .{ .override = .{ .custom = "fixtures" } },
        });
        fixtures_step.dependOn(&install.step);
    }
}

/// The benchmarks measure the handover, not Zig's safety checks, so this
/// library is ReleaseFast whatever `--release` the rest of the build uses.
fn addBenchLibrary(b: *std.Build, target: std.Build.ResolvedTarget) void {
    const zerocopy_fast = b.createModule(.{
        .root_source_file = b.path("zig/zerocopy.zig"),
        .target = target,
        .optimize = .ReleaseFast,
        .link_libc = true,
    });
    const library = addSharedLibrary(b, "zerocopy_bench", b.path("bench/zig/bench_lib.zig"), target, .ReleaseFast, zerocopy_fast);
    const install = b.addInstallArtifact(library, .{
        .dest_dir = .{ .override = .{ .custom = "bench" } },
    });
    const step = b.step("bench-lib", "Build the benchmarks' library into zig-out/bench/");
    step.dependOn(&install.step);
}
