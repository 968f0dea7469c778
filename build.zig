//! zig build          the shared library Deno opens: zig-out/lib/libzerocopy.{so,dylib} / zerocopy.dll
//! zig build test     Zig unit tests, run with the testing allocator (leaks fail)
//! zig build fixtures broken libraries the Deno tests must refuse, and the tests' hooks
//!                    (libtest_hooks), in zig-out/fixtures/
//! zig build bindings writes src/abi/symbols.ts, src/demo/demo_bindings.ts, the fixtures' and the bench's TypeScript
//!                    from the Zig exports (bindings-check: fails when one is stale)
//! zig build checked-lib  the shared library and the test hooks with a checking default allocator, in
//!                    zig-out/checked/, so the Deno suite can run against them and a double free aborts
//!                    instead of corrupting
//! zig build -Dchecked=true   the same with a checking allocator everywhere (zig build test included)
//! zig build bench-lib the benchmarks' library, always ReleaseFast, in zig-out/bench/
//! zig build dist     the library for every OS and architecture into lib/<os>-<arch>/ and their sizes
//!                    and hashes into src/library/prebuilt_manifest.ts (dist-check: fails when stale)
//!
//! Zig authors depend on this package and import the `zerocopy` module.

const std = @import("std");
const zon = @import("build.zig.zon");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});

    // A Zig author's build can ask for the checked module: b.dependency("zerocopy", .{ .checked = true }).
    const checked = b.option(bool, "checked", "Make zerocopy.default_allocator a checking DebugAllocator") orelse false;
    const options = zerocopyOptions(b, checked);
    const zerocopy = b.addModule("zerocopy", .{
        .root_source_file = b.path("zig/zerocopy/zerocopy.zig"),
        .target = target,
        .optimize = optimize,
        // std.heap.c_allocator, the default allocator, needs libc.
        .link_libc = true,
        .imports = &.{.{ .name = "zerocopy_options", .module = options }},
    });

    // Without debug information LLVM compiles a ReleaseSafe library about three times faster; CI
    // strips the libraries its suites load, as `zig build dist` strips the prebuilt ones.
    const strip = b.option(bool, "strip", "Omit debug information from libzerocopy and the checked libraries");
    const library = addSharedLibrary(b, "zerocopy", b.path("zig/root.zig"), target, optimize, zerocopy, options);
    library.root_module.strip = strip;
    b.installArtifact(library);

    addTests(b, target, optimize, zerocopy, options);
    addFuzz(b, target, optimize, zerocopy, options);
    // The fixtures only a few tests load need not be optimized: CI builds them Debug
    // (-Dtest-libs-optimize=Debug), which Zig compiles several times faster than ReleaseSafe.
    // The checked library keeps the build's mode: the GC suites run thousands of handovers
    // through its DebugAllocator, which a Debug build makes many times slower.
    const test_optimize = b.option(std.builtin.OptimizeMode, "test-libs-optimize", "Optimize mode of the fixtures (default: the build's)") orelse optimize;
    const test_zerocopy = if (test_optimize == optimize) zerocopy else zerocopyModule(b, b, target, test_optimize, options);
    addFixtures(b, target, test_optimize, test_zerocopy, options);
    addCheckedLibrary(b, target, optimize, strip);
    addBenchLibrary(b, target);
    // CI rebuilds a sample (the host's target) and checks the others' manifest entries against the
    // committed files: a cross build of all six from an empty cache takes minutes.
    const dist_sample = b.option([]const u8, "dist-targets", "Comma-separated os-arch targets dist-check rebuilds (default: all six); the others are checked against their committed files") orelse "";
    const sample = splitTargets(b, "dist-targets", dist_sample);
    const dist = addDist(b, .{
        .zerocopy = b,
        .name = "zerocopy",
        .root_source_file = b.path("zig/root.zig"),
        .lib_dir = "lib",
        .manifest = "src/library/prebuilt_manifest.ts",
        .source_tarball = .{
            .name = "zerocopy-zig-" ++ zon.version,
            .root = "zerocopy-" ++ zon.version,
            .paths = comptime joinPaths(zon.paths),
        },
        .targets = sample.keys,
        .others_committed = dist_sample.len > 0,
    });
    if (dist_sample.len > 0) if (sample.unknown) |message| dist.check.dependOn(&b.addFail(message).step);
    b.step("dist", "Cross-compile the library for every target into lib/ and write src/library/prebuilt_manifest.ts").dependOn(dist.write);
    b.step("dist-check", "Fail when lib/ or src/library/prebuilt_manifest.ts differs from what dist writes").dependOn(dist.check);
    // tools/check_layout_source.sh regenerates one file in a scratch copy, where each generator compiles anew.
    const bindings_only = b.option([]const u8, "bindings-only", "Make `bindings` and `bindings-check` generate only this output file");
    const bindings_step = b.step("bindings", "Write src/abi/symbols.ts, src/demo/demo_bindings.ts and the fixture bindings from the Zig exports");
    const bindings_check_step = b.step("bindings-check", "Fail when a committed generated TypeScript file is stale");
    const versioned = addBindings(b, .{
        .zerocopy = b,
        .root_source_file = b.path("zig/fixtures/bindings_fixture.zig"),
        .spec = "versioned_bindings",
        .output = "zig-out/versioned_bindings.ts",
        .sources = &.{"zig/fixtures/bindings_fixture.zig"},
    });
    b.step("bindings-versioned", "Write zig-out/versioned_bindings.ts, importing zerocopy from JSR by version").dependOn(versioned.write);
    // Each must fail with a message naming the export and the fix (tools/check_bindings_errors.sh).
    inline for (.{ "slice_parameter", "struct_by_value", "error_union", "missing_callconv", "missing_export_abi", "missing_spec", "private_spec", "arrow_schema_alone", "arrow_batch_without_arrow" }) |case| {
        const path = "zig/fixtures/bindings_errors/" ++ case ++ ".zig";
        const steps = addBindings(b, .{
            .zerocopy = b,
            .root_source_file = b.path(path),
            .output = "zig-out/bindings_errors/" ++ case ++ ".ts",
            .sources = &.{path},
        });
        b.step("bindings-error-" ++ case, "Must fail: bindings for " ++ path).dependOn(steps.write);
    }
    for ([_]BindingsOptions{
        .{ .zerocopy = b, .root_source_file = b.path("zig/root.zig"), .output = "src/abi/symbols.ts", .sources = &.{ "zig/zerocopy/exports.zig", "zig/zerocopy/region.zig", "zig/zerocopy/ring.zig", "zig/zerocopy/transfer.zig", "zig/zerocopy/arrow/arrow.zig", "zig/zerocopy/arrow/stream.zig", "zig/zerocopy/arrow/lent_stream.zig", "zig/demo/demo.zig", "zig/demo/demo_arrow.zig", "zig/demo/demo_streams.zig", "zig/demo/demo_stream_arrow.zig", "zig/zerocopy/sql/adbc_statement.zig", "zig/demo/demo_sensors.zig", "zig/zerocopy/sql/duckdb.zig", "zig/zerocopy/sql/duckdb_scan.zig" } },
        .{ .zerocopy = b, .root_source_file = b.path("zig/root.zig"), .spec = "demo_bindings", .output = "src/demo/demo_bindings.ts", .sources = &.{ "zig/demo/demo.zig", "zig/demo/demo_arrow.zig", "zig/demo/demo_sensors.zig" } },
        .{ .zerocopy = b, .root_source_file = b.path("zig/root.zig"), .spec = "arrow_demo_bindings", .output = "tests/fixtures/arrow_demo.ts", .sources = &.{"zig/demo/demo_arrow.zig"} },
        .{ .zerocopy = b, .root_source_file = b.path("zig/fixtures/bindings_fixture.zig"), .output = "tests/fixtures/bindings_fixture.ts", .sources = &.{"zig/fixtures/bindings_fixture.zig"} },
        .{ .zerocopy = b, .root_source_file = b.path("zig/test_hooks_library.zig"), .output = "tests/fixtures/test_hooks.ts", .sources = &.{ "zig/fixtures/test_hooks.zig", "zig/demo/demo_stream_arrow.zig" } },
        .{ .zerocopy = b, .root_source_file = b.path("bench/zig/bench_lib.zig"), .output = "bench/_bench_symbols.ts", .sources = &.{"bench/zig/bench_lib.zig"} },
    }) |bindings_options| {
        if (bindings_only) |output| if (!std.mem.eql(u8, output, bindings_options.output)) continue;
        const steps = addBindings(b, bindings_options);
        bindings_step.dependOn(steps.write);
        bindings_check_step.dependOn(steps.check);
    }
}

/// How to generate a library's TypeScript bindings.
pub const BindingsOptions = struct {
    /// zerocopy's own build: `b` here, `b.dependency("zerocopy", .{}).builder` for a Zig author.
    zerocopy: *std.Build,
    /// The library's root file, which declares `pub const bindings: zerocopy.bindings.Spec`
    /// and `pub const zerocopy` (the module it imports).
    root_source_file: std.Build.LazyPath,
    /// The name of the `zerocopy.bindings.Spec` declaration in the root file to generate.
    spec: []const u8 = "bindings",
    /// Overrides the Spec's `import_from`: a package's bindings import zerocopy from JSR, versioned.
    import_from: ?[]const u8 = null,
    /// The TypeScript file to write, relative to the build root.
    output: []const u8,
    /// Zig files, relative to the build root, whose function parameter names the bindings use.
    sources: []const []const u8,
};

/// The steps that write a library's bindings, and that fail when the
/// committed file differs from what `write` would produce.
pub const BindingsSteps = struct { write: *std.Build.Step, check: *std.Build.Step };

/// Adds the steps that generate `options.output` from the Zig exports. Zig
/// authors call it from their build.zig through `@import("zerocopy")` and hang
/// the steps on steps of their own (`b.step("bindings", ...).dependOn(steps.write)`).
pub fn addBindings(b: *std.Build, options: BindingsOptions) BindingsSteps {
    const host = b.graph.host;
    const zerocopy_options = zerocopyOptions(b, false);
    const zerocopy_for_host = zerocopyModule(b, options.zerocopy, host, .Debug, zerocopy_options);
    const spec = b.createModule(.{
        .root_source_file = options.root_source_file,
        .target = host,
        .link_libc = true,
        .imports = &.{
            .{ .name = "zerocopy", .module = zerocopy_for_host },
            .{ .name = "zerocopy_options", .module = zerocopy_options },
        },
    });
    // First the sources' parameter names and doc comments, as a Zig module
    // the generator imports, so it knows them at comptime.
    const source_reader = b.addExecutable(.{
        .name = "zerocopy-source-info",
        .root_module = b.createModule(.{
            .root_source_file = options.zerocopy.path("zig/tools/source_info_main.zig"),
            .target = host,
        }),
    });
    const read_sources = b.addRunArtifact(source_reader);
    const source_info = read_sources.addOutputFileArg("source_info.zig");
    read_sources.addFileArg(options.root_source_file);
    for (options.sources) |path| read_sources.addFileArg(b.path(path));
    const generator_options = b.addOptions();
    generator_options.addOption([]const u8, "spec", options.spec);
    generator_options.addOption([]const u8, "root", options.root_source_file.getDisplayName());
    generator_options.addOption([]const u8, "zerocopy_version", @import("build.zig.zon").version);
    generator_options.addOption(?[]const u8, "import_from", options.import_from);
    const generator = b.addExecutable(.{
        .name = "zerocopy-bindings",
        .root_module = b.createModule(.{
            .root_source_file = options.zerocopy.path("zig/tools/bindings_main.zig"),
            .target = host,
            .link_libc = true,
            .imports = &.{
                .{ .name = "bindings_spec", .module = spec },
                .{ .name = "bindings_source", .module = b.createModule(.{ .root_source_file = source_info }) },
                .{ .name = "bindings_options", .module = generator_options.createModule() },
            },
        }),
    });
    var steps: [2]*std.Build.Step = undefined;
    for (&steps, [_][]const u8{ "--write", "--check" }) |*step, mode| {
        const run = b.addRunArtifact(generator);
        run.setCwd(b.path("."));
        run.has_side_effects = true;
        run.addArgs(&.{ mode, options.output });
        step.* = &run.step;
    }
    return .{ .write = steps[0], .check = steps[1] };
}

/// The targets every prebuilt library is built for, named as `Deno.build.os`-`Deno.build.arch`.
/// glibc 2.17 (2012) is the oldest Zig links against: RHEL/CentOS 7, Debian 8, Ubuntu 14.04 and
/// every later distribution load the Linux builds. macOS 11 is the first with Apple silicon (Zig's
/// default minimum, 15, would refuse to load on most Macs in use); Windows 10 is Zig's and Deno's minimum.
pub const dist_targets = [_]struct { key: []const u8, query: []const u8 }{
    .{ .key = "linux-x86_64", .query = "x86_64-linux-gnu.2.17" },
    .{ .key = "linux-aarch64", .query = "aarch64-linux-gnu.2.17" },
    .{ .key = "darwin-x86_64", .query = "x86_64-macos.11.0" },
    .{ .key = "darwin-aarch64", .query = "aarch64-macos.11.0" },
    .{ .key = "windows-x86_64", .query = "x86_64-windows-gnu" },
    .{ .key = "windows-aarch64", .query = "aarch64-windows-gnu" },
};

/// How to cross-compile a library for every target in `dist_targets`.
pub const DistOptions = struct {
    /// zerocopy's own build: `b` here, `b.dependency("zerocopy", .{}).builder` for a Zig author.
    zerocopy: *std.Build,
    /// The library's name: `lib<name>.so`, `lib<name>.dylib`, `<name>.dll`.
    name: []const u8,
    /// The library's root file (its export table).
    root_source_file: std.Build.LazyPath,
    /// Where the libraries go, relative to the build root: `<lib_dir>/<os>-<arch>/<file>`.
    lib_dir: []const u8,
    /// The TypeScript manifest to write, relative to the build root.
    manifest: []const u8,
    /// A JSR package to write beside the manifest: `mod.ts` (open() over `bindings.ts`) and `deno.json`.
    package: ?struct {
        /// The JSR name, `@scope/name`.
        name: []const u8,
        version: []const u8,
        license: []const u8,
        /// The specifier the package imports zerocopy's TypeScript API from.
        zerocopy_import: []const u8,
        /// The author's license text, copied into the package as LICENSE.
        license_file: ?std.Build.LazyPath = null,
    } = null,
    /// The `dist_targets` keys to build (`linux-x86_64`, ...); all of them when empty.
    targets: []const []const u8 = &.{},
    /// Take the other targets' committed libraries under `lib_dir` as they are, so the manifest still
    /// lists all six; otherwise the others are left out.
    others_committed: bool = false,
    /// A source tarball of a Zig package to write as `<lib_dir>/<name>.tar.gz`, for `zig fetch`.
    source_tarball: ?struct {
        /// The file name without `.tar.gz`.
        name: []const u8,
        /// The folder the files sit in inside the tarball.
        root: []const u8,
        /// Files and folders to include, relative to the build root, comma-separated: build.zig.zon's `.paths`.
        paths: []const u8,
    } = null,
};

/// The steps that write the prebuilt libraries and their manifest, and that
/// fail when the committed ones differ from what `write` would produce.
pub const DistSteps = struct { write: *std.Build.Step, check: *std.Build.Step };

/// Cross-compiles `options.root_source_file` for every target, ReleaseSafe and
/// stripped: the safety checks turn a bad length from JavaScript into a panic
/// rather than memory corruption in the host process, which is worth the size
/// (293 KB against ReleaseSmall's 145 KB for linux-x86_64; 2.1 MB for all six).
pub fn addDist(b: *std.Build, options: DistOptions) DistSteps {
    const zerocopy_options = zerocopyOptions(b, false);
    const tool = b.addExecutable(.{
        .name = "zerocopy-dist",
        .root_module = b.createModule(.{
            .root_source_file = options.zerocopy.path("zig/tools/dist_main.zig"),
            .target = b.graph.host,
        }),
    });
    var steps: [2]*std.Build.Step = undefined;
    var runs: [2]*std.Build.Step.Run = undefined;
    for (&runs, &steps, [_][]const u8{ "--write", "--check" }) |*run, *step, mode| {
        run.* = b.addRunArtifact(tool);
        run.*.setCwd(b.path("."));
        run.*.has_side_effects = true;
        run.*.addArgs(&.{ mode, options.lib_dir, options.manifest });
        if (options.source_tarball) |tarball| run.*.addArgs(&.{ "--tarball", tarball.name, tarball.root, tarball.paths });
        if (options.package) |package| {
            run.*.addArgs(&.{ "--package", package.name, package.version, package.license, options.name, package.zerocopy_import });
            if (package.license_file) |license| run.*.addFileArg(license) else run.*.addArg("-");
        }
        step.* = &run.*.step;
    }
    // Piped, `zig build` prints nothing until the end, and a cold cross build takes minutes: a line
    // when the build starts and one as each target's library is built say where it is.
    const progress = options.package != null;
    const count = if (options.targets.len == 0) dist_targets.len else options.targets.len;
    if (progress) {
        const started = progressLine(b, tool, b.fmt("zig build package: building {s} for {d} target(s); a target's first build compiles its libc and takes minutes", .{ options.name, count }));
        for (runs) |run| run.step.dependOn(started);
    }
    var built: usize = 0;
    for (dist_targets) |dist_target| {
        if (!wanted(options.targets, dist_target.key)) {
            if (options.others_committed) for (runs) |run| run.addArg(b.fmt("{s}=@{s}/{s}/{s}", .{ dist_target.key, options.lib_dir, dist_target.key, libraryFile(b, options.name, dist_target.key) }));
            continue;
        }
        const target = b.resolveTargetQuery(std.Target.Query.parse(.{ .arch_os_abi = dist_target.query }) catch
            @panic("a dist target does not parse"));
        const zerocopy = zerocopyModule(b, options.zerocopy, target, .ReleaseSafe, zerocopy_options);
        const library = addSharedLibrary(b, options.name, options.root_source_file, target, .ReleaseSafe, zerocopy, zerocopy_options);
        library.root_module.strip = true;
        for (runs) |run| run.addPrefixedFileArg(b.fmt("{s}=", .{dist_target.key}), library.getEmittedBin());
        if (progress) {
            built += 1;
            const line = progressLine(b, tool, b.fmt("zig build package: built {s} ({d}/{d})", .{ dist_target.key, built, count }));
            line.dependOn(&library.step);
            for (runs) |run| run.step.dependOn(line);
        }
    }
    return .{ .write = steps[0], .check = steps[1] };
}

/// The library's file name on the target `key` (`os-arch`), as `b.addLibrary` names it.
fn libraryFile(b: *std.Build, name: []const u8, key: []const u8) []const u8 {
    if (std.mem.startsWith(u8, key, "windows")) return b.fmt("{s}.dll", .{name});
    return b.fmt("lib{s}.{s}", .{ name, if (std.mem.startsWith(u8, key, "darwin")) "dylib" else "so" });
}

/// A step that prints `line` through the dist tool (`--say`) when it runs.
fn progressLine(b: *std.Build, tool: *std.Build.Step.Compile, line: []const u8) *std.Build.Step {
    const run = b.addRunArtifact(tool);
    run.addArgs(&.{ "--say", line });
    run.has_side_effects = true;
    return &run.step;
}

fn wanted(keys: []const []const u8, key: []const u8) bool {
    if (keys.len == 0) return true;
    for (keys) |wanted_key| if (std.mem.eql(u8, wanted_key, key)) return true;
    return false;
}

/// How to package a Zig author's library for JSR.
pub const PackageOptions = struct {
    /// zerocopy's build: `b.dependency("zerocopy", .{}).builder`.
    zerocopy: *std.Build,
    /// The library's name in build.zig: `lib<name>.so`, `lib<name>.dylib`, `<name>.dll`.
    name: []const u8,
    /// The library's root file, declaring its exports and `pub const bindings`.
    root_source_file: std.Build.LazyPath,
    /// Zig files, relative to the build root, whose function parameter names the bindings use.
    sources: []const []const u8,
    /// The JSR package's name, `@scope/name`.
    package_name: []const u8,
    /// The JSR package's version.
    version: []const u8,
    /// The JSR package's license, an SPDX expression such as "MIT" (JSR refuses a package without one).
    license: []const u8,
    /// The license text, copied into the package as LICENSE: `b.path("LICENSE")`.
    license_file: ?std.Build.LazyPath = null,
    /// The folder to write, relative to the build root.
    output_dir: []const u8 = "zig-out/package",
    /// The `dist_targets` keys to package; all six when empty. `zig build package
    /// -Dpackage-targets=linux-x86_64,...` sets it from the command line.
    targets: []const []const u8 = &.{},
};

/// Adds the steps that write a Zig author's publishable JSR package into
/// `options.output_dir`: the generated `bindings.ts` (importing this module
/// from JSR, versioned), the library for every target in `dist_targets` under
/// `lib/<os>-<arch>/` with `prebuilt_manifest.ts`, a `mod.ts` whose `open()`
/// finds the library as `openLibrary()` does (path, `ZEROCOPY_LIB`, local
/// build, then the package's prebuilt library, hash-checked and cached), and a
/// `deno.json` whose `publish.include` lists exactly those files. Authors hang
/// `write` on a step of their own: `b.step("package", ...).dependOn(steps.write)`.
pub fn addPackage(b: *std.Build, options: PackageOptions) DistSteps {
    const zerocopy_import = "jsr:@zerocopy/zerocopy@^" ++ zon.version;
    const requested = b.option([]const u8, "package-targets", "Comma-separated os-arch targets to package (default: all six)");
    const targets = if (requested) |list| splitTargets(b, "package-targets", list) else TargetList{ .keys = options.targets };
    // A bad target list fails the package steps with a message, and only them: other steps still build.
    if (targets.unknown) |message| {
        const fail = &b.addFail(message).step;
        return .{ .write = fail, .check = fail };
    }
    const bindings = addBindings(b, .{
        .zerocopy = options.zerocopy,
        .root_source_file = options.root_source_file,
        .output = b.fmt("{s}/bindings.ts", .{options.output_dir}),
        .sources = options.sources,
        .import_from = zerocopy_import,
    });
    const dist = addDist(b, .{
        .zerocopy = options.zerocopy,
        .name = options.name,
        .root_source_file = options.root_source_file,
        .lib_dir = b.fmt("{s}/lib", .{options.output_dir}),
        .manifest = b.fmt("{s}/prebuilt_manifest.ts", .{options.output_dir}),
        .targets = targets.keys,
        .package = .{
            .name = options.package_name,
            .version = options.version,
            .license = options.license,
            .zerocopy_import = zerocopy_import,
            .license_file = options.license_file,
        },
    });
    // The dist tool writes into the folder the bindings step creates.
    dist.write.dependOn(bindings.write);
    dist.check.dependOn(bindings.check);
    return dist;
}

/// `-Dpackage-targets` or `-Ddist-targets` read: the known keys, and a message naming the unknown ones.
const TargetList = struct { keys: []const []const u8, unknown: ?[]const u8 = null };

fn splitTargets(b: *std.Build, option: []const u8, list: []const u8) TargetList {
    var keys: std.ArrayList([]const u8) = .empty;
    var unknown: std.ArrayList([]const u8) = .empty;
    var parts = std.mem.tokenizeScalar(u8, list, ',');
    while (parts.next()) |key| {
        for (dist_targets) |dist_target| {
            if (std.mem.eql(u8, dist_target.key, key)) break;
        } else {
            unknown.append(b.allocator, b.fmt("\"{s}\"", .{key})) catch @panic("out of memory");
            continue;
        }
        keys.append(b.allocator, key) catch @panic("out of memory");
    }
    if (unknown.items.len == 0 and keys.items.len > 0) return .{ .keys = keys.items };
    var valid: std.ArrayList([]const u8) = .empty;
    for (dist_targets) |dist_target| valid.append(b.allocator, dist_target.key) catch @panic("out of memory");
    const named = if (unknown.items.len == 0) "no target" else b.fmt("unknown target {s}", .{std.mem.join(b.allocator, ", ", unknown.items) catch @panic("out of memory")});
    return .{ .keys = keys.items, .unknown = b.fmt("-D{s}=\"{s}\": {s}; use comma-separated os-arch keys from: {s}", .{
        option,
        list,
        named,
        std.mem.join(b.allocator, ",", valid.items) catch @panic("out of memory"),
    }) };
}

/// build.zig.zon's `.paths` as one comma-separated list.
fn joinPaths(comptime paths: anytype) []const u8 {
    var joined: []const u8 = "";
    for (paths, 0..) |path, i| joined = joined ++ (if (i == 0) "" else ",") ++ path;
    return joined;
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
        .root_module = rootModule(b, root, target, optimize, zerocopy, options),
    });
}

/// The root module of a library or test built on `zerocopy`: libc for the
/// default allocator, the module and its build options importable.
fn rootModule(
    b: *std.Build,
    root: std.Build.LazyPath,
    target: std.Build.ResolvedTarget,
    optimize: std.builtin.OptimizeMode,
    zerocopy: *std.Build.Module,
    options: *std.Build.Module,
) *std.Build.Module {
    return b.createModule(.{
        .root_source_file = root,
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        .imports = &.{
            .{ .name = "zerocopy", .module = zerocopy },
            .{ .name = "zerocopy_options", .module = options },
        },
    });
}

/// A `zerocopy` module of its own for one target, mode and options, beside the
/// public one: the checked library, the bench library and the bindings
/// generator each need a different combination.
fn zerocopyModule(
    b: *std.Build,
    zerocopy_build: *std.Build,
    target: std.Build.ResolvedTarget,
    optimize: std.builtin.OptimizeMode,
    options: *std.Build.Module,
) *std.Build.Module {
    return b.createModule(.{
        .root_source_file = zerocopy_build.path("zig/zerocopy/zerocopy.zig"),
        .target = target,
        .optimize = optimize,
        // std.heap.c_allocator, the default allocator, needs libc.
        .link_libc = true,
        .imports = &.{.{ .name = "zerocopy_options", .module = options }},
    });
}

/// The `zerocopy_options` module: `checked` picks a DebugAllocator as `default_allocator`.
fn zerocopyOptions(b: *std.Build, checked: bool) *std.Build.Module {
    const options = b.addOptions();
    options.addOption(bool, "checked", checked);
    return options.createModule();
}

/// libzerocopy and the test hooks with the checked module, side by side: the
/// checked Deno run loads both, and each library checks what it handed over.
fn addCheckedLibrary(b: *std.Build, target: std.Build.ResolvedTarget, optimize: std.builtin.OptimizeMode, strip: ?bool) void {
    const options = zerocopyOptions(b, true);
    const zerocopy = zerocopyModule(b, b, target, optimize, options);
    const step = b.step("checked-lib", "Build libzerocopy and the test hooks with a checking allocator into zig-out/checked/");
    for ([_][]const u8{ "zerocopy", "test_hooks" }, [_][]const u8{ "zig/root.zig", "zig/test_hooks_library.zig" }) |name, root| {
        const library = addSharedLibrary(b, name, b.path(root), target, optimize, zerocopy, options);
        library.root_module.strip = strip;
        const install = b.addInstallArtifact(library, .{ .dest_dir = .{ .override = .{ .custom = "checked" } } });
        step.dependOn(&install.step);
    }
}

fn addTests(
    b: *std.Build,
    target: std.Build.ResolvedTarget,
    optimize: std.builtin.OptimizeMode,
    zerocopy: *std.Build.Module,
    options: *std.Build.Module,
) void {
    const test_step = b.step("test", "Run the Zig unit tests");
    const roots = [_]std.Build.LazyPath{
        b.path("zig/root.zig"),
        b.path("zig/test_hooks_library.zig"),
        b.path("zig/fixtures/bindings_fixture.zig"),
        b.path("bench/zig/bench_lib.zig"),
        b.path("zig/tools/source_info.zig"),
        b.path("zig/fuzz/reader_refusals_test.zig"),
        b.path("zig/fuzz/arrow_import.zig"),
    };
    for (roots) |root| {
        const tests = b.addTest(.{ .root_module = rootModule(b, root, target, optimize, zerocopy, options) });
        const run_tests = b.addRunArtifact(tests);
        // Run every time, so that each `zig build test` reports its test count.
        run_tests.has_side_effects = true;
        test_step.dependOn(&run_tests.step);
    }
}

/// `zig build fuzz`: the importer's fuzzer for a fixed time (CI runs it in the checks).
fn addFuzz(
    b: *std.Build,
    target: std.Build.ResolvedTarget,
    optimize: std.builtin.OptimizeMode,
    zerocopy: *std.Build.Module,
    options: *std.Build.Module,
) void {
    const seconds = b.option(u32, "fuzz-seconds", "How long `zig build fuzz` runs (default 10)") orelse 10;
    const seed = b.option(u64, "fuzz-seed", "Seed of the fuzzer's random mutations: the same seed replays the same run (default 1)") orelse 1;
    const fuzzer = b.addExecutable(.{
        .name = "arrow_import_fuzz",
        .root_module = rootModule(b, b.path("zig/fuzz/arrow_import.zig"), target, optimize, zerocopy, options),
    });
    const run = b.addRunArtifact(fuzzer);
    run.has_side_effects = true;
    run.addArgs(&.{ b.fmt("{d}", .{seconds}), b.fmt("{d}", .{seed}) });
    b.step("fuzz", "Fuzz the reader of lent Arrow C Data structs for -Dfuzz-seconds").dependOn(&run.step);
}

fn addFixtures(
    b: *std.Build,
    target: std.Build.ResolvedTarget,
    optimize: std.builtin.OptimizeMode,
    zerocopy: *std.Build.Module,
    options: *std.Build.Module,
) void {
    const fixtures_step = b.step("fixtures", "Build the libraries only the Deno tests load: broken ones to refuse, the test hooks");
    const names = [_][]const u8{ "abi_mismatch", "missing_symbol", "bad_layout", "bindings_fixture", "test_hooks" };
    const roots = [_][]const u8{
        "zig/fixtures/abi_mismatch.zig", "zig/fixtures/missing_symbol.zig",
        "zig/fixtures/bad_layout.zig",   "zig/fixtures/bindings_fixture.zig",
        "zig/test_hooks_library.zig",
    };
    for (names, roots) |name, root| {
        const library = addSharedLibrary(b, name, b.path(root), target, optimize, zerocopy, options);
        const install = b.addInstallArtifact(library, .{
            .dest_dir = .{ .override = .{ .custom = "fixtures" } },
        });
        fixtures_step.dependOn(&install.step);
    }
    // Libraries whose Node-API registration must not compile (tools/check_bindings_errors.sh).
    inline for (.{ "napi_duplicate_export", "napi_reexport_not_namespace" }) |case| {
        const path = "zig/fixtures/bindings_errors/" ++ case ++ ".zig";
        const library = addSharedLibrary(b, case, b.path(path), target, optimize, zerocopy, options);
        b.step("bindings-error-" ++ case, "Must fail: the Node-API registration of " ++ path).dependOn(&library.step);
    }
}

/// The benchmarks measure the handover, not Zig's safety checks, so this
/// library is ReleaseFast whatever `--release` the rest of the build uses.
fn addBenchLibrary(b: *std.Build, target: std.Build.ResolvedTarget) void {
    const options = zerocopyOptions(b, false);
    const zerocopy_fast = zerocopyModule(b, b, target, .ReleaseFast, options);
    const library = addSharedLibrary(b, "zerocopy_bench", b.path("bench/zig/bench_lib.zig"), target, .ReleaseFast, zerocopy_fast, options);
    const install = b.addInstallArtifact(library, .{
        .dest_dir = .{ .override = .{ .custom = "bench" } },
    });
    const step = b.step("bench-lib", "Build the benchmarks' library into zig-out/bench/");
    step.dependOn(&install.step);
}
