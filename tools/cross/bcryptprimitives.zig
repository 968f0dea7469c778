//! Wine 8 (Debian 12) lacks bcryptprimitives.dll, whose ProcessPrng the Rust standard library in
//! Deno's Windows build imports; this stand-in forwards to advapi32's RtlGenRandom.
const std = @import("std");

extern "advapi32" fn SystemFunction036(buffer: [*]u8, length: u32) callconv(.winapi) u8;

export fn ProcessPrng(data: [*]u8, length: usize) callconv(.winapi) c_int {
    var done: usize = 0;
    while (done < length) {
        const chunk: u32 = @intCast(@min(length - done, std.math.maxInt(u32)));
        if (SystemFunction036(data + done, chunk) == 0) return 0;
        done += chunk;
    }
    return 1;
}
