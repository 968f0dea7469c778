//! The export table of libzerocopy: nothing but what Deno opens.

const zerocopy = @import("zerocopy.zig");
const demo = @import("demo.zig");

comptime {
    zerocopy.exportAbi();
    demo.exportDemo();
}

test {
    _ = zerocopy;
    _ = demo;
}
