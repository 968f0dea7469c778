//! A synchronous export's wrapper: its arguments checked and gated, the call,
//! and its result adopted, viewed as records, reshaped or imported as Arrow.
//! nonblocking.zig writes the asynchronous ones.

const std = @import("std");
const signature = @import("signature.zig");
const Signature = signature.Signature;
const List = @import("list.zig").List;
const gates = @import("gates.zig");

pub fn writeImplementation(w: *std.Io.Writer, comptime sig: Signature) !void {
    var params: List = .{};
    inline for (sig.params) |param| {
        if (comptime !param.visible()) continue;
        try params.add("{s}", .{param.name});
    }
    try params.write(w, 4, sig.name ++ ": (", ") => {");
    var body: gates.Body = .{};
    const out = try body.begin(w, sig);
    var args: List = .{};
    inline for (sig.params) |param| {
        const name = param.name;
        if (param.kind == .into) {
            try args.add("into", .{});
        } else if (param.kind == .job) {
            // A synchronous call blocks the thread that would poll it.
            try args.add("null", .{});
        } else if (param.kind == .lent) {
            // Checked for its element type too, so its length counts what Zig reads.
            try args.add("lendAs({s}, \"{s}\", \"{s}\", \"{s}\")", .{ name, @tagName(param.kind.lent), sig.name, name });
        } else if (param.kind == .descriptor) {
            try args.add("passDescriptor({s}, \"{s}\", \"{s}\")", .{ name, sig.name, name });
        } else if (param.kind == .memory) {
            try args.add("{s}Memory", .{name});
        } else {
            try gates.addArgument(&args, sig, param);
        }
    }
    try writeCall(out, sig, &args);
    try body.end(w, sig);
}

fn writeCall(w: *std.Io.Writer, comptime sig: Signature, args: *const List) !void {
    const call = "lib.symbols." ++ sig.name ++ "(";
    if (sig.records) |record| {
        try w.writeAll("      const buffer = lib.adopt(\"u8\", (out) => {\n");
        try args.write(w, 8, "return " ++ call, ");");
        try w.writeAll("      });\n      return new RecordView(buffer, " ++ record.name ++ "Layout);\n");
    } else if (sig.into) |found| {
        // The caller passes the region or ring; its adopt hands the call the out-parameter.
        const name = sig.params[found.index].name;
        var gate: List = .{};
        try gate.add("{s}", .{name});
        if (found.into.where == .ring) try gate.add("\"{s}\"", .{@tagName(found.into.tag)});
        try gate.add("\"{s}\"", .{sig.name});
        try gate.add("\"{s}\"", .{name});
        var head_buffer: [256]u8 = undefined;
        const gate_head = if (found.into.where == .ring) "Target = gateRing(" else "Target = gateRegion(";
        try gate.write(w, 6, try std.fmt.bufPrint(&head_buffer, "const {s}{s}", .{ name, gate_head }), ");");
        try w.print("      return {s}Target{s}(into) => {{\n", .{ name, comptime found.into.call() });
        try args.write(w, 8, "return " ++ call, ");");
        try w.writeAll("      });\n");
    } else if (sig.out) |tag| {
        const adopt = "lib.adopt(\"" ++ @tagName(tag) ++ "\", (out) => {";
        const named = sig.shape != null or sig.arrow_out;
        try w.writeAll(if (!named) "      return " ++ adopt ++ "\n" else "      const buffer = " ++ adopt ++ "\n");
        try args.write(w, 8, "return " ++ call, ");");
        try w.writeAll("      });\n");
        // A batch that fails the import is given back before the error is thrown.
        if (sig.arrow_out) try w.writeAll("      return zerocopyArrow.importBatch(buffer);\n");
        if (sig.shape) |dims| try writeReshape(w, sig, dims);
    } else switch (sig.result) {
        .status => {
            try args.write(w, 6, "const status = " ++ call, ");");
            try w.writeAll("      checkStatus(status, \"" ++ sig.name ++ "\");\n");
        },
        .void => try args.write(w, 6, call, ");"),
        else => if (sig.integer64_result) {
            try args.write(w, 6, "const result = " ++ call, ");");
            try w.writeAll("      return BigInt(result);\n");
        } else {
            try args.write(w, 6, "return " ++ call, ");");
        },
    }
    try w.writeAll("    },\n");
}

/// `return buffer.reshape([...]);` for a result shaped by `dims`, in a
/// wrapper's body: the synchronous and the nonblocking wrappers end alike.
pub fn writeReshape(w: *std.Io.Writer, comptime sig: Signature, comptime dims: anytype) !void {
    var shape: List = .{};
    inline for (dims) |dim| switch (dim) {
        .number => |number| try shape.add("{d}", .{number}),
        .expression => |expression| {
            var text: [512]u8 = undefined;
            try shape.add("{s}", .{try shapeExpression(&text, expression, sig)});
        },
    };
    try shape.write(w, 6, "return buffer.reshape([", "]);");
}

/// A shape dimension as TypeScript: each 64-bit parameter it names (a
/// `number | bigint`) read as a number, since a buffer's dimensions are numbers.
pub fn shapeExpression(buffer: []u8, comptime expression: []const u8, comptime sig: Signature) ![]const u8 {
    var out: std.Io.Writer = .fixed(buffer);
    var i: usize = 0;
    while (i < expression.len) {
        const c = expression[i];
        if (!std.ascii.isAlphabetic(c) and c != '_') {
            try out.writeByte(c);
            i += 1;
            continue;
        }
        var end = i;
        while (end < expression.len and (std.ascii.isAlphanumeric(expression[end]) or expression[end] == '_')) end += 1;
        const word = expression[i..end];
        if (i > 0 and expression[i - 1] == '.') {
            // A property (`rgba.length`), not a parameter.
            try out.writeAll(word);
            i = end;
            continue;
        }
        var is_integer64 = false;
        inline for (sig.params) |param| {
            if (param.integer64 and param.visible() and std.mem.eql(u8, param.name, word)) is_integer64 = true;
        }
        if (is_integer64) try out.print("Number({s})", .{word}) else try out.writeAll(word);
        i = end;
    }
    return out.buffered();
}
