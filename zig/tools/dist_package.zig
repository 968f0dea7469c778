//! The files `zig build package` writes beside a Zig author's bindings and
//! prebuilt libraries: `mod.ts` (`open()`), `deno.json`, a `README.md` naming
//! the package's functions, flags and platforms, and the author's `LICENSE`.

const std = @import("std");

/// A Zig author's JSR package, as `--package` names it.
pub const Package = struct {
    /// The JSR name, `@scope/name`.
    name: []const u8,
    version: []const u8,
    /// An SPDX expression: JSR refuses a package without a license.
    license: []const u8,
    /// The library's name in build.zig, for its local build output.
    library: []const u8,
    /// The specifier the module imports zerocopy's TypeScript API from, versioned.
    zerocopy_import: []const u8,
    /// The author's license text, copied as LICENSE; none when null.
    license_file: ?[]const u8 = null,
};

/// One file of the package: its path from the build root and its text.
pub const File = struct { path: []const u8, text: []const u8 };

/// Every file of the package beside the manifest, the bindings and the libraries. `targets`
/// are the `os-arch` keys packaged; the bindings must already be written beside the manifest.
pub fn files(io: std.Io, arena: std.mem.Allocator, package: Package, manifest_path: []const u8, lib_dir: []const u8, targets: []const []const u8) ![]const File {
    const dir = std.fs.path.dirname(manifest_path) orelse ".";
    const manifest_file = std.fs.path.basename(manifest_path);
    const platforms = try std.mem.join(arena, ", ", targets);
    var list: std.ArrayList(File) = .empty;

    var module: std.Io.Writer.Allocating = .init(arena);
    try writePackageModule(&module.writer, package, manifest_file, platforms);
    try list.append(arena, .{ .path = try std.fmt.allocPrint(arena, "{s}/mod.ts", .{dir}), .text = module.written() });

    var config: std.Io.Writer.Allocating = .init(arena);
    try writeDenoJson(&config.writer, package, manifest_file, lib_dir[dir.len + 1 ..]);
    try list.append(arena, .{ .path = try std.fmt.allocPrint(arena, "{s}/deno.json", .{dir}), .text = config.written() });

    const cwd = std.Io.Dir.cwd();
    const bindings = try cwd.readFileAlloc(io, try std.fmt.allocPrint(arena, "{s}/bindings.ts", .{dir}), arena, .limited(16 << 20));
    var readme: std.Io.Writer.Allocating = .init(arena);
    try writeReadme(&readme.writer, package, platforms, functionsOf(bindings));
    try list.append(arena, .{ .path = try std.fmt.allocPrint(arena, "{s}/README.md", .{dir}), .text = readme.written() });

    if (package.license_file) |path| {
        const text = try cwd.readFileAlloc(io, path, arena, .limited(1 << 20));
        try list.append(arena, .{ .path = try std.fmt.allocPrint(arena, "{s}/LICENSE", .{dir}), .text = text });
    }
    return list.items;
}

/// The generated `Bindings` interface: every wrapper with its doc comment and TypeScript signature.
fn functionsOf(bindings: []const u8) []const u8 {
    const open = "export interface Bindings {";
    const start = std.mem.indexOf(u8, bindings, open) orelse return "";
    const end = std.mem.indexOfPos(u8, bindings, start, "\n}\n") orelse return "";
    return bindings[start + "export ".len .. end + 2];
}

fn writeReadme(w: *std.Io.Writer, package: Package, platforms: []const u8, functions: []const u8) !void {
    try w.print(
        \\# {0s}
        \\
        \\A Zig library for Deno whose functions hand buffers to Deno with no copy, through
        \\[zerocopy](https://jsr.io/@zerocopy/zerocopy). Its library is prebuilt for {1s}: users need Deno
        \\2.x and nothing else.
        \\
        \\```ts ignore
        \\import {{ open }} from "jsr:{0s}";
        \\
        \\const lib = await open(); // this platform's library, downloaded once, hash-checked on every open
        \\```
        \\
        \\## Flags
        \\
        \\`open()` with no argument downloads the library into Deno's cache directory once, then loads it from there.
        \\On Linux:
        \\
        \\```sh
        \\deno run --allow-ffi=$HOME/.cache/deno/zerocopy --allow-net=jsr.io --allow-env=DENO_DIR,XDG_CACHE_HOME,HOME,ZEROCOPY_LIB \
        \\  --allow-read=$HOME/.cache/deno/zerocopy --allow-write=$HOME/.cache/deno/zerocopy main.ts
        \\```
        \\
        \\On macOS the cache is `$HOME/Library/Caches/deno/zerocopy` (`--allow-env=DENO_DIR,HOME`); on Windows
        \\`%LOCALAPPDATA%\deno\zerocopy` (`--allow-env=DENO_DIR,LOCALAPPDATA,USERPROFILE`); `$DENO_DIR/zerocopy` when
        \\`DENO_DIR` is set; `--allow-ffi` scoped to that folder is enough. `open(path)` or `ZEROCOPY_LIB` loads
        \\another build of the library (grant `--allow-ffi` for its path).
        \\
        \\## Functions
        \\
        \\Each returned `ZeroCopyBuffer` views memory the library allocated: dispose it (`using`) to give it back.
        \\Typed arrays passed in are lent for the call, not copied. A failure is a `ZeroCopyError` with a `code`.
        \\
        \\```ts ignore
        \\{2s}
        \\```
        \\
        \\License: {3s}.
        \\
    , .{ package.name, platforms, functions, package.license });
}

fn writePackageModule(w: *std.Io.Writer, package: Package, manifest_file: []const u8, platforms: []const u8) !void {
    try w.print(
        \\// Generated by `zig build package` from the library's exports: never edit by hand.
        \\
        \\/**
        \\ * {0s}: a Zig library whose functions hand buffers to Deno with no copy, prebuilt for
        \\ * {4s}.
        \\ *
        \\ * @module
        \\ */
        \\
        \\import {{ openLibrary, type ZeroCopyLibrary }} from "{1s}";
        \\import {{ bind, type Bindings, symbols }} from "./bindings.ts";
        \\import {{ prebuiltBaseUrl, prebuiltLibraries }} from "./{2s}";
        \\
        \\export * from "./bindings.ts";
        \\
        \\/**
        \\ * Opens the library (checking its zerocopy ABI) and binds the wrappers. Looks at, in order:
        \\ * `path`; `ZEROCOPY_LIB`; the `zig build` output beside this package, only when it is a local
        \\ * folder (never the working directory); this package's prebuilt library for the platform,
        \\ * downloaded once into Deno's cache directory, hash-checked on every open and loaded from a
        \\ * private copy of the checked bytes. Under `--allow-ffi=<Deno's cache directory>/zerocopy`
        \\ * alone, the prebuilt library opens.
        \\ *
        \\ * @param path Path or file URL of the shared library.
        \\ * @returns The wrappers, and the library for `stats()` and the raw symbols.
        \\ */
        \\export async function open(
        \\  path?: string | URL,
        \\): Promise<Bindings & {{ readonly library: ZeroCopyLibrary<typeof symbols> }}> {{
        \\  const library = await openLibrary({{
        \\    path,
        \\    symbols,
        \\    name: "{3s}",
        \\    // `zig build package` writes this module into <prefix>/package/, the library into <prefix>/lib/.
        \\    buildDir: new URL("../lib/", import.meta.url),
        \\    prebuilt: {{ baseUrl: prebuiltBaseUrl, libraries: prebuiltLibraries }},
        \\  }});
        \\  return {{ ...bind(library), library }};
        \\}}
        \\
    , .{ package.name, package.zerocopy_import, manifest_file, package.library, platforms });
}

fn writeDenoJson(w: *std.Io.Writer, package: Package, manifest_file: []const u8, lib_dir: []const u8) !void {
    const license = if (package.license_file != null) ", \"LICENSE\"" else "";
    try w.print(
        \\{{
        \\  "name": "{s}",
        \\  "version": "{s}",
        \\  "license": "{s}",
        \\  "exports": "./mod.ts",
        \\  "publish": {{
        \\    "include": ["mod.ts", "bindings.ts", "README.md"{s}, "{s}", "{s}/**/*"]
        \\  }}
        \\}}
        \\
    , .{ package.name, package.version, package.license, license, manifest_file, lib_dir });
}
