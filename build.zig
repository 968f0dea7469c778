//! zig build          the shared library Deno opens: zig-out/lib/libzerocopy.{so,dylib} / zerocopy.dll
//! zig build test     Zig unit tests, run with the testing allocator (leaks fail)
//! zig build fixtures broken libraries the Deno tests must refuse, in zig-out/fixtures/
//! zig build checked-lib  the shared library with a checking default allocator, in zig-out/checked/,
//!                    so the Deno suite can run against it and a double free aborts instead of corrupting
//!
//! zig build -Dchecked=true   the same with a checking allocator everywhere (zig build test included)
//!
//! Zig authors depend on this package and import the `zerocopy` module.

const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{ .preferred_optimize_mode = .ReleaseSafe });

    // A Zig author's build can ask for the checked module: b.dependency("zerocopy", .{ .checked = true }).
    const checked = b.option(bool, "checked", "Make zerocopy.default_allocator a checking DebugAllocator") orelse false;
    const options = zerocopyOptions(b, checked);
    const zerocopy = b.addModule("zerocopy", .{
        .root_source_file = b.path("zig/zerocopy.zig"),
        .target = target,
        .optimize = optimize,
        // std.heap.c_allocator, the default allocator, needs libc.
        .link_libc = true,
        .imports = &.{.{ .name = "zerocopy_options", .module = options }},
    });

    const library = addSharedLibrary(b, "zerocopy", b.path("zig/root.zig"), target, optimize, zerocopy, options);
    b.installArtifact(library);

    addTests(b, target, optimize, options);
    addFixtures(b, target, optimize, zerocopy, options);
    addCheckedLibrary(b, target, optimize);
}

/// The `zerocopy_options` module: `checked` picks a DebugAllocator as `default_allocator`.
fn zerocopyOptions(b: *std.Build, checked: bool) *std.Build.Module {
    const options = b.addOptions();
    options.addOption(bool, "checked", checked);
    return options.createModule();
}

fn addCheckedLibrary(b: *std.Build, target: std.Build.ResolvedTarget, optimize: std.builtin.OptimizeMode) void {
    const options = zerocopyOptions(b, true);
    const zerocopy = b.createModule(.{
        .root_source_file = b.path("zig/zerocopy.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        .imports = &.{.{ .name = "zerocopy_options", .module = options }},
    });
    const library = addSharedLibrary(b, "zerocopy", b.path("zig/root.zig"), target, optimize, zerocopy, options);
    const install = b.addInstallArtifact(library, .{ .dest_dir = .{ .override = .{ .custom = "checked" } } });
    const step = b.step("checked-lib", "Build libzerocopy with a checking allocator into zig-out/checked/");
    step.dependOn(&install.step);
}

fn addSharedLibrary(
    b: *std.Build,
    name: []const u8,
    root: std.Build.LazyPath,
    target: std.Build.ResolvedTarget,
    optimize: std.builtin.OptimizeMode,
    zerocopy: *std.Build.Module,
    options: *std.Build.Module,
) *std.Build.Step.Compile {
    return b.addLibrary(.{
        .name = name,
        .linkage = .dynamic,
        .root_module = b.createModule(.{
            .root_source_file = root,
            .target = target,
            .optimize = optimize,
            .link_libc = true,
            .imports = &.{
                .{ .name = "zerocopy", .module = zerocopy },
                .{ .name = "zerocopy_options", .module = options },
            },
        }),
    });
}

fn addTests(
    b: *std.Build,
    target: std.Build.ResolvedTarget,
    optimize: std.builtin.OptimizeMode,
    options: *std.Build.Module,
) void {
    const tests = b.addTest(.{
        .root_module = b.createModule(.{
            .root_source_file = b.path("zig/root.zig"),
            .target = target,
            .optimize = optimize,
            .link_libc = true,
            .imports = &.{.{ .name = "zerocopy_options", .module = options }},
        }),
    });
    const run_tests = b.addRunArtifact(tests);
    // Run every time, so that each `zig build test` reports its test count.
    run_tests.has_side_effects = true;
    const test_step = b.step("test", "Run the Zig unit tests");
    test_step.dependOn(&run_tests.step);
}

fn addFixtures(
    b: *std.Build,
    target: std.Build.ResolvedTarget,
    optimize: std.builtin.OptimizeMode,
    zerocopy: *std.Build.Module,
    options: *std.Build.Module,
) void {
    const fixtures_step = b.step("fixtures", "Build the broken libraries that the Deno tests must refuse");
    inline for (.{ "abi_mismatch", "missing_symbol", "bad_layout" }) |name| {
        const library = addSharedLibrary(b, name, b.path("zig/fixtures/" ++ name ++ ".zig"), target, optimize, zerocopy, options);
        const install = b.addInstallArtifact(library, .{
            .dest_dir = .{ .override = .{ .custom = "fixtures" } },
        });
        fixtures_step.dependOn(&install.step);
    }
}
