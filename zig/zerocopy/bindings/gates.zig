//! What a generated wrapper does before it calls: integers checked, memory
//! parameters through the gate, a batch lent; and what its JSDoc says of the
//! pointers it takes.

const std = @import("std");
const signature = @import("signature.zig");
const List = @import("list.zig").List;
const Signature = signature.Signature;
const Param = signature.Param;

/// What the JSDoc says of each pointer parameter: the memory one takes, and
/// that a raw pointer is the caller's own promise (nothing can check it).
pub fn pointerNotes(comptime sig: Signature) []const u8 {
    var notes: []const u8 = "";
    for (sig.params) |param| {
        if (!param.visible()) continue;
        switch (param.kind) {
            .memory => |memory| notes = notes ++ std.fmt.comptimePrint(
                " `{s}`: a TypedArray, DataView or ArrayBuffer of at least {d} bytes, aligned to {d}, not resizable{s}; " ++
                    "anything else throws a ZeroCopyError before the call.",
                .{ param.name, memory.size, memory.alignment, if (memory.nullable) ", or null" else "" },
            ),
            .pointer => notes = notes ++ " `" ++ param.name ++ "` is a raw pointer (`" ++ param.zig ++
                "`) passed as is: only `Deno.UnsafePointer` makes one, and Zig follows it unchecked, so it must point at " ++
                "memory that holds what the function reads or writes and stays valid for the call.",
            else => {},
        }
    }
    return notes;
}

/// Each memory parameter through the gate, before anything is lent or called.
pub fn writeMemoryGates(w: *std.Io.Writer, comptime sig: Signature) !void {
    inline for (sig.params) |param| {
        if (comptime !param.visible() or param.kind != .memory) continue;
        const memory = param.kind.memory;
        var gate: List = .{};
        try gate.add("lib", .{});
        try gate.add("{s}", .{param.name});
        try gate.add("{d}", .{memory.size});
        try gate.add("{d}", .{memory.alignment});
        try gate.add("{s}", .{if (memory.nullable) "true" else "false"});
        try gate.add("\"{s}\"", .{sig.name});
        try gate.add("\"{s}\"", .{param.name});
        var head_buffer: [256]u8 = undefined;
        try gate.write(w, 6, try std.fmt.bufPrint(&head_buffer, "const {s}Memory = gateMemory(", .{param.name}), ");");
    }
}

/// The batch an export takes, checked and lent as C Data structs until the
/// wrapper returns (`writeLentBody`): a bad one calls nothing.
pub fn writeLentBatch(w: *std.Io.Writer, comptime sig: Signature) !void {
    const index = sig.arrow_in orelse return;
    const name = sig.params[index].name;
    var lend: List = .{};
    try lend.add("lib", .{});
    try lend.add("{s}", .{name});
    try lend.add("\"{s}\"", .{sig.name});
    try lend.add("\"{s}\"", .{name});
    // Held for another thread: pinned or shadowed, never memory JavaScript can free meanwhile.
    if (sig.nonblocking) try lend.add("{{ nonblocking: true }}", .{});
    var head_buffer: [256]u8 = undefined;
    try lend.write(w, 6, try std.fmt.bufPrint(&head_buffer, "const {s}Lent = zerocopyArrow.lendBatchArgument(", .{name}), ");");
}

/// Where a wrapper's statements go after its checks: straight out, or, with a
/// lent batch, gathered to be written inside `try { … } finally` (`writeLentBody`).
pub const Body = struct {
    buffer: [16 * 1024]u8 = undefined,
    writer: std.Io.Writer = undefined,

    /// Writes `sig`'s checks, gates and lent batch to `w`; returns where the rest goes.
    pub fn begin(body: *Body, w: *std.Io.Writer, comptime sig: Signature) !*std.Io.Writer {
        try writeIntegerChecks(w, sig);
        try writeMemoryGates(w, sig);
        try writeLentBatch(w, sig);
        if (sig.arrow_in == null) return w;
        body.writer = .fixed(&body.buffer);
        return &body.writer;
    }

    /// Writes what was gathered, inside `try { … } finally`; nothing was without a lent batch.
    pub fn end(body: *Body, w: *std.Io.Writer, comptime sig: Signature) !void {
        if (sig.arrow_in != null) try writeLentBody(w, sig, body.writer.buffered());
    }
};

/// A wrapper's statements after its lent batch (`body`, which ends with the
/// wrapper's closing `},`), two spaces deeper in `try { … } finally`, which
/// gives the batch back however the call ends, as `using` would, in the
/// runtimes that cannot parse `using` (Node 22).
pub fn writeLentBody(w: *std.Io.Writer, comptime sig: Signature, body: []const u8) !void {
    const close = "    },\n";
    std.debug.assert(std.mem.endsWith(u8, body, close));
    try w.writeAll("      try {\n");
    var lines = std.mem.splitScalar(u8, body[0 .. body.len - close.len], '\n');
    while (lines.next()) |line| {
        if (line.len == 0) continue;
        try w.print("  {s}\n", .{line});
    }
    try w.print("      }} finally {{\n        {s}Lent[Symbol.dispose]();\n      }}\n", .{sig.params[sig.arrow_in.?].name});
    try w.writeAll(close);
}

/// The argument for a parameter the synchronous and the nonblocking wrappers
/// pass alike: a lent batch's structs, the out-parameter, an array's length,
/// a number. Jobs, regions, descriptors and lent memory each passes its own way.
pub fn addArgument(args: *List, comptime sig: Signature, comptime param: Param) !void {
    if (param.kind == .arrow_schema or param.kind == .arrow_array) {
        try addLentBatch(args, sig, param);
    } else if (param.kind == .out or param.kind == .records or param.kind == .arrow_out) {
        try args.add("out", .{});
    } else if (param.length_of) |array| {
        const length = sig.params[array].name;
        // The engine's count: a subclass's `length` getter could claim more than Zig may read.
        if (param.integer64) try args.add("BigInt(lentLength({s}))", .{length}) else try args.add("lentLength({s})", .{length});
    } else if (param.integer64) {
        try args.add("{s}Ffi", .{param.name});
    } else {
        try args.add("{s}", .{param.name});
    }
}

/// The argument for a lent batch's `ArrowSchema` or `ArrowArray` parameter.
pub fn addLentBatch(args: *List, comptime sig: Signature, comptime param: Param) !void {
    const name = sig.params[sig.arrow_in.?].name;
    try args.add("{s}Lent.{s}", .{ name, if (param.kind == .arrow_schema) "schema" else "array" });
}

/// A float or bool parameter, whose argument Deno's FFI would refuse with an untyped error.
pub fn checkedScalar(comptime param: Param) bool {
    return param.kind == .scalar and (param.kind.scalar[0] == 'f' or std.mem.eql(u8, param.kind.scalar, "bool"));
}

/// Numbers and booleans are checked before the call, so a bad one hands nothing over.
pub fn writeIntegerChecks(w: *std.Io.Writer, comptime sig: Signature) !void {
    inline for (sig.params) |param| {
        if (comptime !param.visible()) continue;
        if (comptime checkedScalar(param)) {
            var check: List = .{};
            try check.add("{s}", .{param.name});
            try check.add("\"{s}\"", .{param.ffi});
            try check.add("\"{s}\"", .{sig.name});
            try check.add("\"{s}\"", .{param.name});
            try check.write(w, 6, "checkScalar(", ");");
            continue;
        }
        if (comptime !(param.integer64 or param.integer32)) continue;
        const name = param.name;
        var conversion: List = .{};
        try conversion.add("{s}", .{name});
        try conversion.add("\"{s}\"", .{param.ffi});
        try conversion.add("\"{s}\"", .{sig.name});
        try conversion.add("\"{s}\"", .{name});
        var head_buffer: [256]u8 = undefined;
        const head = if (param.integer64)
            try std.fmt.bufPrint(&head_buffer, "const {s}Ffi = toFfiInteger(", .{name})
        else
            "checkInteger(";
        try conversion.write(w, 6, head, ");");
    }
}
