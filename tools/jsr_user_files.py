#!/usr/bin/env python3
"""Writes the fresh project tools/check_jsr_package.sh runs as a JSR user would.

  tools/jsr_user_files.py PACKAGE PROJECT_DIR     PACKAGE: jsr:@zerocopy/zerocopy@<version>
  tools/jsr_user_files.py --author PACKAGE PROJECT_DIR   author.ts for examples/zig_author's package
  tools/jsr_user_files.py --zig-author ZIG_PROJECT_DIR   a Zig library from nothing, with `zig build package`
  tools/jsr_user_files.py --zig-author-user PACKAGE PROJECT_DIR   scratch.ts, which calls that library

readme.ts  the README's first example ("From JSR" section), as pasted, pinned to PACKAGE
main.ts    opens the library with no path, hands a buffer over, writes it, disposes it, checks the
           counters, prints "ok <path it loaded>"
tampered.ts expects HASH_MISMATCH and checks the refused file is not mapped into the process
"""
import os, re, sys

if sys.argv[1] == "--zig-author":
    # A Zig library written from nothing in a `zig init` project that already depends on zerocopy
    # through `zig fetch --save`: a frame producer, a function over a lent Float32Array, an
    # ArrayList handover, packaged with `zig build package`.
    project = sys.argv[2]
    open(f"{project}/build.zig", "w").write("""const std = @import("std");
const zerocopy_build = @import("zerocopy");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});
    const zerocopy = b.dependency("zerocopy", .{ .target = target, .optimize = optimize });
    b.installArtifact(b.addLibrary(.{
        .name = "scratch",
        .linkage = .dynamic,
        .root_module = b.createModule(.{
            .root_source_file = b.path("src/root.zig"),
            .target = target,
            .optimize = optimize,
            .link_libc = true,
            .imports = &.{.{ .name = "zerocopy", .module = zerocopy.module("zerocopy") }},
        }),
    }));
    const package = zerocopy_build.addPackage(b, .{
        .zerocopy = zerocopy.builder,
        .name = "scratch",
        .root_source_file = b.path("src/root.zig"),
        .sources = &.{"src/root.zig"},
        .package_name = "@scratch/frames",
        .version = "1.0.0",
        .license = "MIT",
    });
    b.step("package", "Write zig-out/package/ for deno publish").dependOn(package.write);
}
""")
    os.makedirs(f"{project}/src", exist_ok=True)
    open(f"{project}/src/root.zig", "w").write("""const std = @import("std");
pub const zerocopy = @import("zerocopy");

pub const bindings: zerocopy.bindings.Spec = .{
    .source = "src/root.zig",
    .groups = &.{.{ .name = "symbols", .exports = exports }},
};

comptime {
    zerocopy.exportAbi();
    zerocopy.exportAll(exports);
}

const allocator = zerocopy.default_allocator;

pub const exports = struct {
    /// A `width` x `height` frame whose byte at (x, y) is x + y, wrapped.
    pub fn make_frame(width: u32, height: u32, out: ?*zerocopy.Out(u8)) callconv(.c) zerocopy.Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        const len = std.math.mul(usize, width, height) catch return .size_overflow;
        const frame = zerocopy.allocate(u8, allocator, len) catch |err| return zerocopy.statusOf(err);
        for (frame, 0..) |*byte, i| byte.* = @truncate(i % width + i / width);
        target.handOverSlice(allocator, frame);
        return .ok;
    }

    /// The sum of a Float32Array Deno lends for the call.
    pub fn sum(values: ?[*]const f32, len: u32) callconv(.c) f64 {
        var total: f64 = 0;
        for ((values orelse return 0)[0..len]) |value| total += value;
        return total;
    }

    /// The first `n` squares, appended to an ArrayList and handed over as it is.
    pub fn squares(n: u32, out: ?*zerocopy.Out(u32)) callconv(.c) zerocopy.Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        var list: std.ArrayList(u32) = .empty;
        for (0..n) |i| list.append(allocator.*, @truncate(i * i)) catch {
            list.deinit(allocator.*);
            return .out_of_memory;
        };
        target.handOverArrayList(allocator, &list);
        return .ok;
    }
};
""")
    sys.exit(0)

if sys.argv[1] == "--zig-author-user":
    package, project = sys.argv[2:]
    open(f"{project}/scratch.ts", "w").write(f'''import {{ open }} from "{package}";

const frames = await open();
{{
  using frame = frames.make_frame(64, 48); // handed over by Zig
  using squares = frames.squares(10); // an ArrayList handed over as it is
  const sum = frames.sum(new Float32Array([1, 2, 3.5])); // lent, no copy
  if (frame.view[63 + 47 * 64] !== 110 || squares.view[9] !== 81 || sum !== 6.5) throw new Error("wrong results");
}}
const {{ liveBuffers }} = frames.library.stats();
if (liveBuffers !== 0) throw new Error(`${{liveBuffers}} buffers left`);
console.log(`ok ${{frames.library.path}} (${{frames.library.source}})`);
''')
    sys.exit(0)

if sys.argv[1] == "--author":
    # A Zig author's package (examples/zig_author): its three kinds of function, with no Zig.
    package, project = sys.argv[2:]
    open(f"{project}/author.ts", "w").write(f'''import {{ open }} from "{package}";

const examples = await open();
{{
  using frame = examples.make_frame(64, 48); // handed over: a Uint8Array over Zig's memory
  using matrix = examples.make_matrix(3, 4); // an ArrayList handed over as is
  const sum = examples.sum_f32(new Float32Array([1, 2, 3.5])); // lent, no copy
  if (frame.view.length !== 64 * 48 * 4 || matrix.view[11] !== 11 || sum !== 6.5) throw new Error("wrong results");
}}
const {{ liveBuffers }} = examples.library.stats();
if (liveBuffers !== 0) throw new Error(`${{liveBuffers}} buffers left`);
console.log(`ok ${{examples.library.path}} (${{examples.library.source}})`);
''')
    sys.exit(0)

package, project = sys.argv[1:]
readme = open("README.md").read()
section = readme[readme.index("## From JSR"):]
example = re.search(r"```ts\n(.*?)```", section, re.S)[1]
if '"jsr:@zerocopy/zerocopy"' not in example:
    sys.exit("jsr_user_files: the README's JSR example does not import \"jsr:@zerocopy/zerocopy\"")
open(f"{project}/readme.ts", "w").write(example.replace('"jsr:@zerocopy/zerocopy"', f'"{package}"'))

open(f"{project}/main.ts", "w").write(f'''import {{ openLibrary }} from "{package}";

const lib = await openLibrary();
const length = 1 << 20;
{{
  using numbers = lib.allocate("u32", length); // handed over by Zig's zc_allocate
  for (let i = 0; i < length; i += 4096) numbers.view[i] = i;
  if (numbers.view[4096] !== 4096 || lib.stats().liveBuffers !== 1) throw new Error("not handed over");
}}
const stats = lib.stats();
if (stats.liveBuffers !== 0 || stats.totalReleased !== 1) throw new Error(`not freed: ${{JSON.stringify(stats)}}`);
console.log(`ok ${{lib.path}} (${{lib.source}})`);
''')

open(f"{project}/tampered.ts", "w").write(f'''import {{ openLibrary, ZeroCopyError }} from "{package}";

try {{
  await openLibrary();
  console.log("loaded a tampered library");
}} catch (error) {{
  if (!(error instanceof ZeroCopyError) || error.code !== "HASH_MISMATCH") throw error;
  // The refused file must not be mapped into this process.
  // The cache keeps it under zerocopy/<sha256>/; other paths may contain "zerocopy" too.
  const mapped = /[/]zerocopy[/][0-9a-f]{{64}}[/]/.test(Deno.readTextFileSync("/proc/self/maps"));
  console.log(mapped ? "HASH_MISMATCH, but the file is mapped" : `HASH_MISMATCH, not loaded: ${{error.message}}`);
}}
''')
