//! Loads a prebuilt library the way a host process does and uses its ABI exports with no Deno:
//! the fallback `deno task cross` runs where an emulator cannot run Deno itself (wine 8).
//!   load_library PATH     prints "ok <abi version> <bytes handed over>" or fails
const std = @import("std");

/// The descriptor as zerocopy's ABI lays it out: six 64-bit words (see zig/zerocopy/abi.zig).
const Descriptor = extern struct { ptr: ?[*]u8, len: u64, cap: u64, release: ?*anyopaque, private: ?*anyopaque, element_type: u32, flags: u32 };
const Stats = extern struct { live_buffers: u64, live_bytes: u64, total_handed_over: u64, total_released: u64 };

/// std.DynLib has no Windows implementation in Zig 0.17, so Windows goes through kernel32 directly.
const Library = if (@import("builtin").os.tag == .windows) struct {
    handle: *anyopaque,
    extern "kernel32" fn LoadLibraryA(name: [*:0]const u8) callconv(.winapi) ?*anyopaque;
    extern "kernel32" fn GetProcAddress(module: *anyopaque, name: [*:0]const u8) callconv(.winapi) ?*anyopaque;
    fn open(path: [:0]const u8) !@This() {
        return .{ .handle = LoadLibraryA(path) orelse return error.LoadFailed };
    }
    fn lookup(self: *@This(), comptime T: type, name: [:0]const u8) ?T {
        return @ptrCast(GetProcAddress(self.handle, name) orelse return null);
    }
} else struct {
    inner: std.DynLib,
    fn open(path: [:0]const u8) !@This() {
        return .{ .inner = try std.DynLib.open(path) };
    }
    fn lookup(self: *@This(), comptime T: type, name: [:0]const u8) ?T {
        return self.inner.lookup(T, name);
    }
};

pub fn main(init: std.process.Init) !u8 {
    const args = try init.minimal.args.toSlice(init.arena.allocator());
    var library = try Library.open(args[1]);
    const abiVersion = library.lookup(*const fn () callconv(.c) u32, "zc_abi_version") orelse return error.NoAbiVersion;
    const layout = library.lookup(*const fn () callconv(.c) [*:0]const u8, "zc_layout") orelse return error.NoLayout;
    const allocate = library.lookup(*const fn (u32, u64, *Descriptor) callconv(.c) i32, "zc_allocate") orelse return error.NoAllocate;
    const release = library.lookup(*const fn (*Descriptor) callconv(.c) void, "zc_release") orelse return error.NoRelease;
    const stats = library.lookup(*const fn (*Stats) callconv(.c) i32, "zc_stats") orelse return error.NoStats;

    if (!std.mem.startsWith(u8, std.mem.span(layout()), "{\"abi_version\":")) return error.BadLayout;
    var descriptor: Descriptor = std.mem.zeroes(Descriptor);
    if (allocate(2, 1 << 20, &descriptor) != 0) return error.AllocateFailed; // 2: u8
    @memset(descriptor.ptr.?[0..descriptor.len], 0xab);
    var counters: Stats = undefined;
    if (stats(&counters) != 0 or counters.live_buffers != 1) return error.NotCounted;
    release(&descriptor);
    if (stats(&counters) != 0 or counters.live_buffers != 0 or counters.total_released != 1) return error.NotReleased;
    std.debug.print("ok abi {d}, 1 MiB handed over, written and released\n", .{abiVersion()});
    return 0;
}
