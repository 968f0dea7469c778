//! `zig build dist` runs this program: it copies each cross-compiled library to
//! `LIB_DIR/<os>-<arch>/<file>` and writes the TypeScript manifest (target → file
//! name, byte size, SHA-256) that the Deno module checks downloads against; with
//! `--check` it writes nothing and fails when a library or the manifest on disk
//! differs from what it would write.
//!
//!   dist_main (--write | --check) LIB_DIR MANIFEST.ts [--tarball NAME ROOT PATH,PATH...]
//!             [--package @SCOPE/NAME VERSION LICENSE LIBRARY ZEROCOPY_IMPORT LICENSE_FILE|-] OS-ARCH=ARTIFACT...
//!   dist_main --say LINE        prints LINE: `zig build package`'s progress lines
//!
//! `OS-ARCH=@PATH` takes the committed library at PATH as that target's (`zig build dist-check
//! -Ddist-targets=...` rebuilds only some targets): the manifest is written or checked from it.
//!
//! `--package` also writes, beside the manifest, the `mod.ts`, `deno.json`, `README.md` and
//! `LICENSE` of a Zig author's JSR package (`zig build package`): `open()` over the generated
//! `bindings.ts` that falls back on the package's prebuilt libraries (dist_package.zig).
//!
//! `--tarball` also writes `LIB_DIR/NAME.tar.gz`, a source tarball of the Zig package (the files
//! under each PATH, inside a folder ROOT) that `zig fetch` accepts: entries sorted, times and
//! owners zeroed, so the same sources always give the same bytes.
//!
//! LIB_DIR and MANIFEST.ts are relative to the working directory (the build root),
//! without `..`: the manifest locates LIB_DIR relative to itself, so the package
//! works wherever it is served from.

const std = @import("std");
const dist_package = @import("dist_package.zig");

/// A target's library: built now, or the committed file taken as it is (`OS-ARCH=@PATH`).
const Target = struct { key: []const u8, file: []const u8, bytes: []const u8, committed: bool = false };
const Output = struct { path: []const u8, text: []const u8 };

const Package = dist_package.Package;

pub fn main(init: std.process.Init) !u8 {
    const arena = init.arena.allocator();
    const io = init.io;
    const args = try init.minimal.args.toSlice(arena);
    if (args.len == 3 and std.mem.eql(u8, args[1], "--say")) {
        std.debug.print("{s}\n", .{args[2]});
        return 0;
    }
    if (args.len < 5) {
        std.debug.print("usage: {s} (--write | --check) LIB_DIR MANIFEST.ts [--tarball NAME ROOT PATH,PATH...] OS-ARCH=ARTIFACT...\n", .{args[0]});
        return 2;
    }
    const check = std.mem.eql(u8, args[1], "--check");
    const lib_dir = args[2];
    const manifest_path = args[3];
    const cwd = std.Io.Dir.cwd();
    var rest = args[4..];

    var stale: usize = 0;
    // Every file dist writes, relative to LIB_DIR: any other file there is left over from an older build.
    var expected: std.StringHashMapUnmanaged(void) = .empty;
    if (rest.len >= 4 and std.mem.eql(u8, rest[0], "--tarball")) {
        const path = try std.fmt.allocPrint(arena, "{s}/{s}.tar.gz", .{ lib_dir, rest[1] });
        try expected.put(arena, path[lib_dir.len + 1 ..], {});
        var paths = std.mem.splitScalar(u8, rest[3], ',');
        const tarball = try sourceTarball(io, arena, rest[2], &paths);
        if (check) {
            if (!try sameContent(io, arena, path, tarball)) {
                std.debug.print("{s} is stale: it differs from the Zig package's sources\n", .{path});
                stale += 1;
            }
        } else {
            try cwd.createDirPath(io, lib_dir);
            try cwd.writeFile(io, .{ .sub_path = path, .data = tarball });
        }
        rest = rest[4..];
    }

    var package: ?Package = null;
    if (rest.len >= 7 and std.mem.eql(u8, rest[0], "--package")) {
        package = .{
            .name = rest[1],
            .version = rest[2],
            .license = rest[3],
            .library = rest[4],
            .zerocopy_import = rest[5],
            .license_file = if (std.mem.eql(u8, rest[6], "-")) null else rest[6],
        };
        rest = rest[7..];
    }

    var targets: std.ArrayList(Target) = .empty;
    for (rest) |arg| {
        const eq = std.mem.indexOfScalar(u8, arg, '=') orelse {
            std.debug.print("expected OS-ARCH=ARTIFACT, got \"{s}\"\n", .{arg});
            return 2;
        };
        const committed = std.mem.startsWith(u8, arg[eq + 1 ..], "@");
        const artifact = arg[eq + 1 + @intFromBool(committed) ..];
        try targets.append(arena, .{
            .key = arg[0..eq],
            .file = std.fs.path.basename(artifact),
            .bytes = cwd.readFileAlloc(io, artifact, arena, .limited(64 << 20)) catch |err| {
                std.debug.print("cannot read the library for {s}, \"{s}\": {t}\n", .{ arg[0..eq], artifact, err });
                return 1;
            },
            .committed = committed,
        });
    }
    std.mem.sort(Target, targets.items, {}, struct {
        fn lessThan(_: void, a: Target, b: Target) bool {
            return std.mem.lessThan(u8, a.key, b.key);
        }
    }.lessThan);

    var outputs: std.ArrayList(Output) = .empty;
    var manifest: std.Io.Writer.Allocating = .init(arena);
    try writeManifest(&manifest.writer, lib_dir, manifest_path, targets.items, package != null);
    try outputs.append(arena, .{ .path = manifest_path, .text = manifest.written() });
    if (package) |p| {
        const keys = try arena.alloc([]const u8, targets.items.len);
        for (keys, targets.items) |*key, target| key.* = target.key;
        for (try dist_package.files(io, arena, p, manifest_path, lib_dir, keys)) |file| try outputs.append(arena, .{ .path = file.path, .text = file.text });
    }

    for (targets.items) |target| {
        const path = try std.fmt.allocPrint(arena, "{s}/{s}/{s}", .{ lib_dir, target.key, target.file });
        try expected.put(arena, path[lib_dir.len + 1 ..], {});
        // A committed library stands for itself: only the manifest is checked against it.
        if (target.committed) continue;
        if (check) {
            if (!try sameContent(io, arena, path, target.bytes)) {
                std.debug.print("{s} is stale: it differs from the library the Zig sources build now\n", .{path});
                stale += 1;
            }
        } else {
            try cwd.createDirPath(io, std.fs.path.dirname(path).?);
            try cwd.writeFile(io, .{ .sub_path = path, .data = target.bytes });
        }
    }
    var dir = try cwd.openDir(io, lib_dir, .{ .iterate = true });
    defer dir.close(io);
    var walker = try dir.walk(arena);
    defer walker.deinit();
    var left_over: std.ArrayList([]const u8) = .empty;
    while (try walker.next(io)) |entry| {
        if (entry.kind == .file and !expected.contains(entry.path)) try left_over.append(arena, try arena.dupe(u8, entry.path));
    }
    for (left_over.items) |file| {
        if (check) {
            std.debug.print("{s}/{s} is left over from an older build: dist no longer writes it\n", .{ lib_dir, file });
            stale += 1;
        } else {
            try dir.deleteFile(io, file);
        }
    }
    if (check) {
        for (outputs.items) |output| {
            if (!try sameContent(io, arena, output.path, output.text)) {
                std.debug.print("{s} is stale: it does not list the libraries' current sizes and hashes\n", .{output.path});
                stale += 1;
            }
        }
        if (stale == 0) return 0;
        std.debug.print("run `zig build dist` and commit {s}/ and {s}\n", .{ lib_dir, manifest_path });
        return 1;
    }
    for (outputs.items) |output| try cwd.writeFile(io, .{ .sub_path = output.path, .data = output.text });
    return 0;
}

/// A gzipped tar of every file under `paths` (files or folders), below the folder `root`.
fn sourceTarball(io: std.Io, arena: std.mem.Allocator, root: []const u8, paths: *std.mem.SplitIterator(u8, .scalar)) ![]const u8 {
    const cwd = std.Io.Dir.cwd();
    var files: std.ArrayList([]const u8) = .empty;
    while (paths.next()) |path| {
        var dir = cwd.openDir(io, path, .{ .iterate = true }) catch |err| switch (err) {
            error.NotDir => {
                try files.append(arena, path);
                continue;
            },
            else => return err,
        };
        defer dir.close(io);
        var walker = try dir.walk(arena);
        defer walker.deinit();
        while (try walker.next(io)) |entry| {
            if (entry.kind != .file) continue;
            try files.append(arena, try std.fmt.allocPrint(arena, "{s}/{s}", .{ path, entry.path }));
        }
    }
    std.mem.sort([]const u8, files.items, {}, struct {
        fn lessThan(_: void, a: []const u8, b: []const u8) bool {
            return std.mem.lessThan(u8, a, b);
        }
    }.lessThan);

    var tar_bytes: std.Io.Writer.Allocating = .init(arena);
    var tar: std.tar.Writer = .{ .underlying_writer = &tar_bytes.writer };
    try tar.setRoot(root);
    for (files.items) |file| {
        const content = try cwd.readFileAlloc(io, file, arena, .limited(16 << 20));
        const name = try std.mem.replaceOwned(u8, arena, file, "\\", "/");
        try tar.writeFileBytes(name, content, .{ .mode = 0o644, .mtime = 0 });
    }
    try tar.finishPedantically();

    var gzip_bytes: std.Io.Writer.Allocating = try .initCapacity(arena, tar_bytes.written().len);
    const window = try arena.alloc(u8, std.compress.flate.max_window_len);
    var compress: std.compress.flate.Compress = try .init(&gzip_bytes.writer, window, .gzip, .best);
    try compress.writer.writeAll(tar_bytes.written());
    try compress.finish();
    return gzip_bytes.written();
}

fn sameContent(io: std.Io, arena: std.mem.Allocator, path: []const u8, expected: []const u8) !bool {
    const current = std.Io.Dir.cwd().readFileAlloc(io, path, arena, .limited(64 << 20)) catch |err| switch (err) {
        error.FileNotFound => return false,
        else => return err,
    };
    return std.mem.eql(u8, current, expected);
}

/// Writes the manifest as `deno fmt` would format it, so formatting never makes the check fail.
fn writeManifest(w: *std.Io.Writer, lib_dir: []const u8, manifest_path: []const u8, targets: []const Target, package: bool) !void {
    try w.writeAll(if (package)
        \\// Generated by `zig build package` from the libraries it built for each target: never edit by hand.
        \\// Each library is checked against its size and SHA-256 here before it is loaded.
        \\
    else
        \\// Generated by `zig build dist` from the cross-compiled libraries: never edit by hand.
        \\// CI rebuilds the libraries and fails when this file or a file under lib/ is stale.
        \\
    );
    try w.writeAll(
        \\
        \\/** Where the prebuilt libraries sit in the package, as a URL relative to this module. */
        \\export const prebuiltBaseUrl: URL = new URL("
    );
    // LIB_DIR relative to the manifest's folder: drop the folders they share, climb out of the rest.
    var from = std.mem.tokenizeScalar(u8, std.fs.path.dirname(manifest_path) orelse "", '/');
    var to = std.mem.tokenizeScalar(u8, lib_dir, '/');
    while (from.peek() != null and to.peek() != null and std.mem.eql(u8, from.peek().?, to.peek().?)) {
        _ = from.next();
        _ = to.next();
    }
    if (from.peek() == null) try w.writeAll("./");
    while (from.next()) |_| try w.writeAll("../");
    while (to.next()) |part| try w.print("{s}/", .{part});
    try w.writeAll("\", import.meta.url);\n");
    try w.writeAll(
        \\
        \\/** The prebuilt libraries, by platform key (`<os>-<arch>`, such as `linux-x86_64`): file name under `<os>-<arch>/`, size, SHA-256. */
        \\export const prebuiltLibraries: Readonly<
        \\  Record<string, { readonly file: string; readonly size: number; readonly sha256: string }>
        \\> = {
        \\
    );
    for (targets) |target| {
        var digest: [std.crypto.hash.sha2.Sha256.digest_length]u8 = undefined;
        std.crypto.hash.sha2.Sha256.hash(target.bytes, &digest, .{});
        try w.print(
            \\  "{s}": {{
            \\    file: "{s}",
            \\    size: {d},
            \\    sha256: "{s}",
            \\  }},
            \\
        , .{ target.key, target.file, target.bytes.len, std.fmt.bytesToHex(digest, .lower) });
    }
    try w.writeAll("};\n");
}
