//! The Arrow types the reader understands, parsed from C Data format
//! strings, and what each type's array must carry: its buffers, its
//! children, the width of a fixed-width value, the width of its offsets.

const std = @import("std");

pub const Kind = union(enum) {
    int: struct { signed: bool, bytes: u8 },
    float: u8,
    bool,
    /// UTF-8 strings with i32 offsets.
    utf8,
    /// The unit letter (s, m, u, n); the values are i64.
    timestamp: u8,
    fixed_size_list: u32,
    @"struct",
    /// UTF-8 strings with i64 offsets.
    large_utf8,
    /// Bytes with i32 offsets.
    binary,
    /// Bytes with i64 offsets.
    large_binary,
    /// `size` bytes per value.
    fixed_size_binary: u32,
    /// i32 days since the Unix epoch.
    date32,
    /// i64 milliseconds since the Unix epoch.
    date64,
    /// Since midnight: the unit letter; s and m are i32, u and n i64.
    time: u8,
    /// The unit letter; the values are i64.
    duration: u8,
    /// Little-endian two's complement of `bytes` bytes (16 or 32), scaled by 10^-scale.
    decimal: struct { precision: u8, scale: i32, bytes: u8 },
    /// M: i32 months; D: i32 days, i32 milliseconds; n: i32 months, i32 days, i64 nanoseconds.
    interval: u8,
    /// Rows of a child, by i32 offsets.
    list,
    /// Rows of a child, by i64 offsets.
    large_list,
    /// Rows of a child struct of a key and a value, by i32 offsets; read only where `Limits.maps` says.
    map,

    pub fn parse(format: []const u8) ?Kind {
        if (format.len == 1) return switch (format[0]) {
            'c' => .{ .int = .{ .signed = true, .bytes = 1 } },
            'C' => .{ .int = .{ .signed = false, .bytes = 1 } },
            's' => .{ .int = .{ .signed = true, .bytes = 2 } },
            'S' => .{ .int = .{ .signed = false, .bytes = 2 } },
            'i' => .{ .int = .{ .signed = true, .bytes = 4 } },
            'I' => .{ .int = .{ .signed = false, .bytes = 4 } },
            'l' => .{ .int = .{ .signed = true, .bytes = 8 } },
            'L' => .{ .int = .{ .signed = false, .bytes = 8 } },
            'f' => .{ .float = 4 },
            'g' => .{ .float = 8 },
            'b' => .bool,
            'u' => .utf8,
            'U' => .large_utf8,
            'z' => .binary,
            'Z' => .large_binary,
            else => null,
        };
        if (std.mem.eql(u8, format, "+s")) return .@"struct";
        if (std.mem.eql(u8, format, "+l")) return .list;
        if (std.mem.eql(u8, format, "+L")) return .large_list;
        if (std.mem.eql(u8, format, "+m")) return .map;
        if (std.mem.startsWith(u8, format, "+w:")) {
            const size = positive(format[3..]) orelse return null;
            return .{ .fixed_size_list = size };
        }
        if (std.mem.startsWith(u8, format, "w:")) {
            const size = positive(format[2..]) orelse return null;
            return .{ .fixed_size_binary = size };
        }
        if (format.len >= 4 and std.mem.startsWith(u8, format, "ts") and format[3] == ':' and
            std.mem.indexOfScalar(u8, "smun", format[2]) != null) return .{ .timestamp = format[2] };
        if (format.len == 3) {
            const unit = format[2];
            if (std.mem.eql(u8, format, "tdD")) return .date32;
            if (std.mem.eql(u8, format, "tdm")) return .date64;
            if (std.mem.startsWith(u8, format, "tt") and std.mem.indexOfScalar(u8, "smun", unit) != null) return .{ .time = unit };
            if (std.mem.startsWith(u8, format, "tD") and std.mem.indexOfScalar(u8, "smun", unit) != null) return .{ .duration = unit };
            if (std.mem.startsWith(u8, format, "ti") and std.mem.indexOfScalar(u8, "MDn", unit) != null) return .{ .interval = unit };
        }
        if (std.mem.startsWith(u8, format, "d:")) return parseDecimal(format[2..]);
        return null;
    }

    /// "P,S" or "P,S,W" (W 128 or 256), with 1 <= P <= the width's digits.
    fn parseDecimal(text: []const u8) ?Kind {
        var parts = std.mem.splitScalar(u8, text, ',');
        const precision = std.fmt.parseInt(u8, parts.next() orelse return null, 10) catch return null;
        const scale = std.fmt.parseInt(i32, parts.next() orelse return null, 10) catch return null;
        const bits = if (parts.next()) |w| std.fmt.parseInt(u16, w, 10) catch return null else 128;
        if (parts.next() != null) return null;
        const max_digits: u8 = switch (bits) {
            128 => 38,
            256 => 76,
            else => return null,
        };
        if (precision == 0 or precision > max_digits) return null;
        return .{ .decimal = .{ .precision = precision, .scale = scale, .bytes = @intCast(bits / 8) } };
    }

    fn positive(text: []const u8) ?u32 {
        const size = std.fmt.parseInt(u32, text, 10) catch return null;
        return if (size == 0 or size > std.math.maxInt(i32)) null else size;
    }

    /// Bytes per value of a fixed-width kind.
    pub fn width(kind: Kind) ?usize {
        return switch (kind) {
            .int => |int| int.bytes,
            .float => |bytes| bytes,
            .timestamp, .date64, .duration => 8,
            .date32 => 4,
            .time => |unit| if (unit == 's' or unit == 'm') 4 else 8,
            .decimal => |d| d.bytes,
            .interval => |unit| switch (unit) {
                'M' => 4,
                'D' => 8,
                else => 16,
            },
            .fixed_size_binary => |size| size,
            else => null,
        };
    }

    /// Bytes per offset of a kind whose rows are ranges (strings, bytes, lists).
    pub fn offsetWidth(kind: Kind) ?usize {
        return switch (kind) {
            .utf8, .binary, .list, .map => 4,
            .large_utf8, .large_binary, .large_list => 8,
            else => null,
        };
    }

    /// Whether a row's range is of bytes in the array's third buffer (not of a child's rows).
    pub fn isBinary(kind: Kind) bool {
        return switch (kind) {
            .utf8, .binary, .large_utf8, .large_binary => true,
            else => false,
        };
    }

    /// Buffers the C Data Interface gives an array of this kind, validity included.
    pub fn buffers(kind: Kind) i64 {
        if (kind.isBinary()) return 3;
        return switch (kind) {
            .fixed_size_list, .@"struct" => 1,
            else => 2,
        };
    }

    /// Whether a dictionary's indices may be of this kind.
    pub fn isIndex(kind: Kind) bool {
        return kind == .int;
    }
};
