//! `Out(T)`: the typed out-parameter through which an export hands over memory.

const std = @import("std");
const Allocator = std.mem.Allocator;
const abi = @import("abi.zig");
const handover = @import("handover.zig");
const Descriptor = abi.Descriptor;
const ElementType = abi.ElementType;

/// Where a function hands memory of `T` over: declare the parameter as
/// `out: ?*zerocopy.Out(T)`. It has the layout of `Descriptor`, and the element
/// type lets generated bindings return a `ZeroCopyBuffer` of the right TypedArray.
pub fn Out(comptime T: type) type {
    return extern struct {
        descriptor: Descriptor,

        pub const Element = T;
        pub const element_type = ElementType.of(T);

        /// Hands over `slice`, which `allocator` allocated with exactly `slice.len` elements.
        pub fn handOverSlice(self: *@This(), allocator: *const Allocator, slice: []T) void {
            handover.handOverSlice(T, allocator, slice, &self.descriptor);
        }

        /// Hands over an `ArrayList`'s memory as it is, leaving `list` empty.
        pub fn handOverArrayList(self: *@This(), allocator: *const Allocator, list: *std.ArrayList(T)) void {
            handover.handOverArrayList(T, allocator, list, &self.descriptor);
        }

        /// Marks the out-parameter empty, so a failed call hands nothing over.
        pub fn clear(self: *@This()) void {
            self.descriptor = .released;
        }
    };
}

/// Whether `T` is an `Out(...)`: what generated bindings turn into a returned buffer.
pub fn isOut(comptime T: type) bool {
    return @typeInfo(T) == .@"struct" and @hasDecl(T, "Element") and T == Out(T.Element);
}

comptime {
    for (ElementType.known) |tag| std.debug.assert(@sizeOf(Out(tag.Type())) == @sizeOf(Descriptor));
}

test "Out hands a slice over into its descriptor and clears it" {
    var out: Out(u16) = undefined;
    out.clear();
    try std.testing.expectEqual(Descriptor.released, out.descriptor);
    const items = try handover.allocate(u16, &std.testing.allocator, 4);
    out.handOverSlice(&std.testing.allocator, items);
    try std.testing.expectEqual(ElementType.u16, out.descriptor.element_type);
    handover.release(&out.descriptor);
    try std.testing.expect(isOut(Out(f32)) and !isOut(Descriptor));
}
