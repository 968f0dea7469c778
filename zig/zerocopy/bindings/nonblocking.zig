//! Wrappers of nonblocking exports: each returns a Promise and keeps what it
//! passes alive and pinned until the call settles.

const std = @import("std");
const signature = @import("signature.zig");
const wrapper = @import("wrapper.zig");
const List = @import("list.zig").List;
const gates = @import("gates.zig");
const Signature = signature.Signature;

/// A nonblocking export's wrapper: `startCall` checks and pins what it passes
/// (abort first: an aborted signal calls nothing), `settle` runs the call,
/// polls its job, unpins, and turns an abort into the signal's reason.
pub fn writeImplementation(w: *std.Io.Writer, comptime sig: Signature) !void {
    var params: List = .{};
    inline for (sig.params) |param| {
        if (comptime !param.visible()) continue;
        try params.add("{s}", .{param.name});
    }
    try params.add("options", .{});
    try params.write(w, 4, sig.name ++ ": async (", ") => {");
    var body: gates.Body = .{};
    const out = try body.begin(w, sig);
    var buffers: List = .{};
    var kept: List = .{};
    inline for (sig.params) |param| switch (param.kind) {
        .descriptor => try buffers.add("{s}", .{param.name}),
        // Held until the call settles: pinned, shared, or through a shadow (gate_nonblocking.ts).
        .lent => try kept.add("lendAs({s}, \"{s}\", \"{s}\", \"{s}\")", .{ param.name, @tagName(param.kind.lent), sig.name, param.name }),
        .memory => try kept.add("{s}Memory", .{param.name}),
        // A lent batch holds what its structs point at itself, until it is disposed.
        else => {},
    };
    var start: List = .{};
    try start.add("\"{s}\"", .{sig.name});
    try start.add("options", .{});
    try start.add("{s}", .{try joined(&buffers)});
    try start.add("{s}", .{try joined(&kept)});
    try start.add("{s}", .{if (sig.job != null) "true" else "false"});
    try start.write(out, 6, "const call = startCall(", ");");
    var args: List = .{};
    comptime var buffer_index: usize = 0;
    comptime var kept_index: usize = 0;
    inline for (sig.params) |param| {
        if (param.kind == .job) {
            try args.add("call.job", .{});
        } else if (param.kind == .descriptor) {
            try args.add("call.descriptors[{d}]", .{buffer_index});
            buffer_index += 1;
        } else if (param.kind == .lent or param.kind == .memory) {
            try args.add("call.lent[{d}]", .{kept_index});
            kept_index += 1;
        } else {
            try gates.addArgument(&args, sig, param);
        }
    }
    const call = "return lib.symbols." ++ sig.name ++ "(";
    if (sig.records) |record| {
        try out.writeAll("      const buffer = await lib.adoptAsync(\"u8\", (out) => {\n");
        try out.writeAll("        return call.settle(() => {\n");
        try args.write(out, 10, call, ");");
        try out.writeAll("        });\n      });\n");
        try out.writeAll("      return new RecordView(buffer, " ++ record.name ++ "Layout);\n");
    } else if (sig.out) |tag| {
        try out.writeAll("      const buffer = await lib.adoptAsync(\"" ++ @tagName(tag) ++ "\", (out) => {\n");
        try out.writeAll("        return call.settle(() => {\n");
        try args.write(out, 10, call, ");");
        try out.writeAll("        });\n      });\n");
        if (sig.shape) |dims| try wrapper.writeReshape(out, sig, dims) else try out.writeAll(if (sig.arrow_out) "      return zerocopyArrow.importBatch(buffer);\n" else "      return buffer;\n");
    } else {
        const head = switch (sig.result) {
            .status => "      const status = await call.settle(() => {\n",
            .void => "      await call.settle(() => {\n",
            else => if (sig.integer64_result) "      const result = await call.settle(() => {\n" else "      return await call.settle(() => {\n",
        };
        try out.writeAll(head);
        try args.write(out, 8, call, ");");
        try out.writeAll("      });\n");
        switch (sig.result) {
            .status => try out.writeAll("      checkStatus(status, \"" ++ sig.name ++ "\");\n"),
            .void => {},
            else => if (sig.integer64_result) try out.writeAll("      return BigInt(result);\n"),
        }
    }
    try out.writeAll("    },\n");
    try body.end(w, sig);
}

/// A list's items as a TypeScript array literal.
fn joined(list: *const List) ![]const u8 {
    const static = struct {
        var text: [1024]u8 = undefined;
    };
    var out: std.Io.Writer = .fixed(&static.text);
    try out.writeByte('[');
    for (0..list.count) |i| {
        if (i > 0) try out.writeAll(", ");
        try out.writeAll(list.item(i));
    }
    try out.writeByte(']');
    return out.buffered();
}
