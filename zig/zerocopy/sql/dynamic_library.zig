//! Opening a shared library by path where Zig's standard library can
//! (`std.DynLib`: dlopen on POSIX). Elsewhere (Windows) the same calls compile
//! and `openZ` fails, so the SQL exports answer "cannot load" rather than the
//! whole library failing to build.

const std = @import("std");
const builtin = @import("builtin");

/// Whether `DynLib.openZ` can succeed on this target.
pub const supported = builtin.os.tag != .windows;

/// `std.DynLib`, or a stand-in whose `openZ` always fails.
pub const DynLib = if (supported) std.DynLib else struct {
    pub fn openZ(_: [*:0]const u8) error{FileNotFound}!@This() {
        return error.FileNotFound;
    }
    pub fn lookup(_: *@This(), comptime T: type, _: [:0]const u8) ?T {
        return null;
    }
    pub fn close(_: *@This()) void {}
};
