//! Out-parameters that hand over into memory the host mapped already: a
//! region, a region batch or a ring.

const abi = @import("../abi.zig");
const ElementType = abi.ElementType;

/// A parameter through which a function hands over into memory the host
/// mapped already: what it hands over into, and the element type.
pub const Into = struct {
    where: enum { region, batch, ring },
    tag: ElementType,

    pub fn of(comptime T: type) ?Into {
        if (@typeInfo(T) != .@"struct" or !@hasDecl(T, "hands_over_into")) return null;
        return .{ .where = T.hands_over_into, .tag = T.element_type };
    }

    /// The TypeScript parameter the wrapper takes in place of the out-parameter.
    pub fn parameter(comptime into: Into) []const u8 {
        return if (into.where == .ring) "Ring<\"" ++ @tagName(into.tag) ++ "\">" else "Region";
    }

    /// What the wrapper returns.
    pub fn returns(comptime into: Into) []const u8 {
        const view = "TypedArrayOf[\"" ++ @tagName(into.tag) ++ "\"]";
        return switch (into.where) {
            .region => view,
            .batch => view ++ "[]",
            .ring => "RingSlot<\"" ++ @tagName(into.tag) ++ "\">",
        };
    }

    /// The call the wrapper makes on the `Region` or `Ring`, up to its callback.
    pub fn call(comptime into: Into) []const u8 {
        return switch (into.where) {
            .region => ".adopt(\"" ++ @tagName(into.tag) ++ "\", ",
            .batch => ".adoptBatch(\"" ++ @tagName(into.tag) ++ "\", ",
            // A ring knows its element type.
            .ring => ".next(",
        };
    }

    pub fn zigName(comptime into: Into) []const u8 {
        const name = switch (into.where) {
            .region => "RegionOut",
            .batch => "BatchOut",
            .ring => "RingOut",
        };
        return "*zerocopy." ++ name ++ "(" ++ @tagName(into.tag) ++ ")";
    }
};
