//! Fuzzes the reader of lent C Data structs (`zerocopy.arrow.reader`): a
//! valid batch is copied into hand-built structs, a few of its fields, child
//! pointers, buffer pointers, format bytes and buffer bytes are changed at
//! random, and the checksum must end in a value or a typed error, within the
//! walk's budget. The buffers sit against an inaccessible page, so a read past
//! the memory the reader was told of faults instead of passing unseen.
//!
//! Only what a lender can lie about and the reader can check is changed: a
//! child pointer always points at one of the structs (a C Data consumer cannot
//! tell a wild pointer from a real one), anything else may be anything.
//!
//!     zig build fuzz -Dfuzz-seconds=10 -Dfuzz-seed=7

const builtin = @import("builtin");
const std = @import("std");
const zerocopy = @import("zerocopy");
const arrow = zerocopy.arrow;
const reader = arrow.reader;
const Node = @import("hand_built.zig").Node;

const max_nodes = 32;
const format_bytes = 24;

/// The valid batch every iteration starts from, by index rather than address.
const Template = struct {
    specs: [max_nodes]Spec = undefined,
    count: usize = 0,
    data: []const u8,

    const Spec = struct {
        format: [format_bytes]u8,
        length: i64,
        offset: i64,
        null_count: i64,
        n_buffers: i64,
        /// Offsets into `data`; null for an absent buffer.
        buffers: [3]?usize,
        children: [Node.max_children]u8,
        n_children: usize,
        /// The node of a dictionary-encoded column's values.
        dictionary: ?u8,
    };

    fn add(t: *Template, schema: *const arrow.ArrowSchema, array: *const arrow.ArrowArray, base: usize) usize {
        const index = t.count;
        t.count += 1;
        const spec = &t.specs[index];
        spec.* = .{
            .format = @splat(0),
            .length = array.length,
            .offset = array.offset,
            .null_count = array.null_count,
            .n_buffers = array.n_buffers,
            .buffers = .{ null, null, null },
            .children = undefined,
            .n_children = @intCast(array.n_children),
            .dictionary = null,
        };
        const format = schema.formatString();
        @memcpy(spec.format[0..format.len], format);
        for (0..@intCast(array.n_buffers)) |i| {
            if (array.buffers.?[i]) |ptr| spec.buffers[i] = @intFromPtr(ptr) - base;
        }
        for (0..spec.n_children) |i| spec.children[i] = @intCast(t.add(schema.child(i), array.child(i), base));
        if (schema.dictionary) |values| spec.dictionary = @intCast(t.add(values, array.dictionary.?, base));
        return index;
    }
};

/// The structs and memory one iteration reads.
const Arena = struct {
    nodes: [max_nodes]Node = undefined,
    formats: [max_nodes][format_bytes]u8 = undefined,
    /// The buffers' memory, ending where the inaccessible page starts.
    memory: []u8,
    mapping: []align(std.heap.page_size_min) u8,

    fn init(data_len: usize) !Arena {
        const page = std.heap.pageSize();
        const usable = std.mem.alignForward(usize, data_len, page);
        // Windows has no mprotect: there the memory's end is not guarded.
        const guarded = builtin.os.tag != .windows;
        const mapping = if (guarded)
            try std.posix.mmap(null, usable + page, .{ .READ = true, .WRITE = true }, .{ .TYPE = .PRIVATE, .ANONYMOUS = true }, -1, 0)
        else
            try std.heap.page_allocator.alignedAlloc(u8, .fromByteUnits(std.heap.page_size_min), usable + page);
        if (guarded and std.c.mprotect(@ptrCast(@alignCast(mapping.ptr + usable)), page, .{}) != 0) return error.ProtectFailed;
        // 64-aligned like the batch's own memory, and as close to the guard page as that allows.
        const start = usable - std.mem.alignForward(usize, data_len, 64);
        return .{ .memory = mapping[start..usable], .mapping = mapping };
    }

    fn deinit(arena: *Arena) void {
        if (builtin.os.tag != .windows) std.posix.munmap(arena.mapping) else std.heap.page_allocator.free(arena.mapping);
    }

    fn reset(arena: *Arena, t: *const Template) void {
        @memset(arena.memory, 0);
        @memcpy(arena.memory[0..t.data.len], t.data);
        for (t.specs[0..t.count], 0..) |spec, i| {
            arena.formats[i] = spec.format;
            const node = &arena.nodes[i];
            node.init(@ptrCast(&arena.formats[i]), spec.length, spec.n_buffers);
            node.array.offset = spec.offset;
            node.array.null_count = spec.null_count;
            for (spec.buffers, &node.buffers) |at, *ptr| ptr.* = if (at) |a| arena.memory.ptr + a else null;
            var kids: [Node.max_children]*Node = undefined;
            for (spec.children[0..spec.n_children], kids[0..spec.n_children]) |child, *kid| kid.* = &arena.nodes[child];
            node.adopt(kids[0..spec.n_children]);
            // Entries past the count point at real structs too: a count that grows reads no garbage.
            for (spec.n_children..Node.max_children) |k| {
                node.schema_children[k] = &arena.nodes[0].schema;
                node.array_children[k] = &arena.nodes[0].array;
            }
            node.schema.children = &node.schema_children;
            node.array.children = &node.array_children;
            if (spec.dictionary) |d| {
                node.schema.dictionary = &arena.nodes[d].schema;
                node.array.dictionary = &arena.nodes[d].array;
            }
        }
    }
};

fn interesting(random: std.Random, current: i64) i64 {
    const values = [_]i64{ 0, 1, -1, 2, 7, 8, 64, 1 << 20, 1 << 31, 1 << 40, 1 << 48, 1 << 62, std.math.maxInt(i64), std.math.minInt(i64) };
    return switch (random.uintLessThan(u8, 4)) {
        0 => values[random.uintLessThan(usize, values.len)],
        1 => current +% random.intRangeAtMost(i64, -3, 3),
        2 => random.int(i64),
        else => random.intRangeAtMost(i64, 0, 64),
    };
}

const formats = [_][]const u8{
    "+s",    "+w:1",      "+w:4",           "+w:0", "+w:4294967295", "u",   "b",   "c",   "i",   "l",      "g",
    "tsn:",  "tsu:UTC",   "e",              "",     "+l",            "+w:", "+L",  "U",   "z",   "Z",      "w:3",
    "w:0",   "tdD",       "tdm",            "ttm",  "ttn",           "tDu", "tin", "tiM", "tiD", "d:10,2", "d:40,2,256",
    "d:0,1", "d:10,2,64", "+w:99999999999",
};

fn mutate(arena: *Arena, count: usize, random: std.Random) void {
    const nodes = arena.nodes[0..count];
    const node = &nodes[random.uintLessThan(usize, count)];
    const other = &nodes[random.uintLessThan(usize, count)];
    switch (random.uintLessThan(u8, 14)) {
        0 => node.array.length = interesting(random, node.array.length),
        1 => node.array.offset = interesting(random, node.array.offset),
        2 => node.array.null_count = interesting(random, node.array.null_count),
        3 => node.array.n_buffers = interesting(random, node.array.n_buffers),
        4 => node.array.n_children = interesting(random, node.array.n_children),
        5 => node.schema.n_children = interesting(random, node.schema.n_children),
        6 => {
            // A child shared (a DAG) or an ancestor (a cycle).
            const used: usize = @intCast(std.math.clamp(node.array.n_children, 1, Node.max_children));
            const k = random.uintLessThan(usize, if (random.boolean()) used else Node.max_children);
            if (random.boolean()) node.schema_children[k] = &other.schema;
            if (random.boolean()) node.array_children[k] = &other.array;
        },
        7 => if (random.boolean()) {
            node.array.children = null;
        } else {
            node.schema.children = null;
        },
        8 => {
            const i = random.uintLessThan(usize, 3);
            node.buffers[i] = switch (random.uintLessThan(u8, 4)) {
                0 => null,
                1 => other.buffers[random.uintLessThan(usize, 3)],
                2 => arena.memory.ptr + random.uintLessThan(usize, arena.memory.len + 256),
                else => @ptrFromInt(@intFromPtr(arena.memory.ptr) -% random.uintLessThan(usize, 4096)),
            };
        },
        9 => node.array.buffers = null,
        10 => {
            const i = @intFromPtr(node) - @intFromPtr(&arena.nodes[0]);
            const text = &arena.formats[i / @sizeOf(Node)];
            if (random.boolean()) {
                const format = formats[random.uintLessThan(usize, formats.len)];
                text.* = @splat(0);
                @memcpy(text[0..format.len], format);
            } else text[random.uintLessThan(usize, format_bytes - 1)] = random.int(u8);
        },
        11 => {
            const at = random.uintLessThan(usize, arena.memory.len);
            arena.memory[at] = if (random.boolean()) random.int(u8) else 0xff;
        },
        12 => if (random.boolean()) {
            node.array.release = null;
        } else {
            node.schema.release = null;
        },
        else => {
            // A dictionary: on both structs (a cycle when `other` is an ancestor), or on one only.
            if (random.uintLessThan(u8, 3) != 0) node.array.dictionary = &other.array;
            if (random.uintLessThan(u8, 3) != 0) node.schema.dictionary = &other.schema;
        },
    }
}

/// A batch of every supported type, with nulls, offsets and nesting.
fn sampleBatch(out: *zerocopy.Descriptor) !void {
    const items_column: arrow.Column = .{
        .name = "item",
        .values = .{ .f32 = &.{ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 } },
        .validity = &.{ true, true, false, true, true, true, true, false, true, true, true, true, true, true },
    };
    const valid = [_]bool{ true, false, true, true, false, true, true };
    const numbers: arrow.Column = .{ .name = "item", .values = .{ .i32 = &.{ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 } }, .validity = &.{ true, true, false, true, true, true, true, true, true, true } };
    const words: arrow.Column = .{ .name = "item", .values = .{ .utf8 = &.{ "red", "", "blue é", "x" } } };
    try arrow.handOverBatch(zerocopy.default_allocator, &.{
        .{ .name = "i8", .values = .{ .i8 = &.{ 1, -2, 3, 4, 5, 6, 7 } }, .validity = &valid, .offset = 1 },
        .{ .name = "u16", .values = .{ .u16 = &.{ 1, 2, 3, 4, 5, 6, 7 } }, .offset = 1 },
        .{ .name = "i64", .values = .{ .i64 = &.{ 1, 2, 3, 4, 5, 6, 7 } }, .validity = &valid, .offset = 1 },
        .{ .name = "f64", .values = .{ .f64 = &.{ 1, 2, 3, 4, 5, 6, 7 } }, .offset = 1 },
        .{ .name = "bool", .values = .{ .bool = &.{ true, false, true, true, false, false, true } }, .validity = &valid, .offset = 1 },
        .{ .name = "utf8", .values = .{ .utf8 = &.{ "a", "", "ccc", "dd", "", "e", "ffff" } }, .validity = &valid, .offset = 1 },
        .{ .name = "ts", .values = .{ .timestamp = .{ .unit = .nanosecond, .tz = "UTC", .values = &.{ 1, 2, 3, 4, 5, 6, 7 } } }, .offset = 1 },
        .{ .name = "vec", .values = .{ .fixed_size_list = .{ .size = 2, .items = &items_column } }, .validity = &valid, .offset = 1 },
        .{ .name = "point", .values = .{ .@"struct" = &.{
            .{ .name = "x", .values = .{ .i32 = &.{ 1, 2, 3, 4, 5, 6, 7 } }, .validity = &valid },
            .{ .name = "y", .values = .{ .utf8 = &.{ "p", "q", "r", "s", "t", "u", "v" } } },
        } }, .offset = 1 },
        .{ .name = "list", .values = .{ .list = .{ .offsets = &.{ 0, 1, 1, 3, 6, 6, 8, 10 }, .items = &numbers } }, .validity = &valid, .offset = 1 },
        .{ .name = "large_list", .values = .{ .large_list = .{ .offsets = &.{ 0, 0, 1, 2, 2, 3, 4, 4 }, .items = &words } }, .offset = 1 },
        .{ .name = "dict", .values = .{ .dictionary = .{ .indices = .{ .i16 = &.{ 0, 3, 1, 2, 2, 0, 3 } }, .values = &words } }, .validity = &valid, .offset = 1 },
        .{ .name = "large_utf8", .values = .{ .large_utf8 = &.{ "a", "", "ccc", "dd", "", "e", "ffff" } }, .offset = 1 },
        .{ .name = "decimal", .values = .{ .decimal128 = .{ .precision = 10, .scale = 2, .values = &.{ 1, -2, 3, 4, 5, 6, 7 } } }, .validity = &valid, .offset = 1 },
    }, out);
}

const error_names = @typeInfo(reader.Error).error_set.error_names.?;

pub const Outcome = struct {
    iterations: usize = 0,
    accepted: usize = 0,
    refused: [error_names.len]usize = @splat(0),

    fn count(outcome: *Outcome, result: reader.Error!u64) void {
        outcome.iterations += 1;
        _ = result catch |err| {
            inline for (error_names, 0..) |name, i| {
                if (err == @field(reader.Error, name)) outcome.refused[i] += 1;
            }
            return;
        };
        outcome.accepted += 1;
    }
};

/// Runs until `iterations` or `deadline` (nanoseconds of the awake clock), whichever comes first.
pub fn run(io: std.Io, seed: u64, iterations: usize, seconds: u64) !Outcome {
    var descriptor: zerocopy.Descriptor = undefined;
    try sampleBatch(&descriptor);
    const data = descriptor.ptr.?[0..descriptor.len];
    var schema: arrow.ArrowSchema = undefined;
    var array: arrow.ArrowArray = undefined;
    try arrow.moveOut(&descriptor, &schema, &array);
    defer schema.release.?(&schema);
    defer array.release.?(&array);
    var template: Template = .{ .data = data };
    _ = template.add(&schema, &array, @intFromPtr(data.ptr));

    var arena: Arena = try .init(data.len);
    defer arena.deinit();
    var prng = std.Random.DefaultPrng.init(seed);
    const random = prng.random();
    const started = std.Io.Timestamp.now(io, .awake);
    var outcome: Outcome = .{};
    while (outcome.iterations < iterations) {
        if (outcome.iterations % 256 == 0) {
            const elapsed = started.durationTo(std.Io.Timestamp.now(io, .awake));
            if (elapsed.nanoseconds >= @as(i96, seconds) * std.time.ns_per_s) break;
        }
        arena.reset(&template);
        for (0..1 + random.uintLessThan(usize, 4)) |_| mutate(&arena, template.count, random);
        const limits: reader.Limits = .{ .max_children = Node.max_children, .memory = arena.memory };
        outcome.count(reader.checksumWithin(&arena.nodes[0].schema, &arena.nodes[0].array, limits));
    }
    return outcome;
}

pub fn main(init: std.process.Init) !u8 {
    const args = try init.minimal.args.toSlice(init.arena.allocator());
    const seconds = try std.fmt.parseInt(u64, if (args.len > 1) args[1] else "10", 10);
    const seed = try std.fmt.parseInt(u64, if (args.len > 2) args[2] else "1", 10);
    const outcome = try run(init.io, seed, std.math.maxInt(usize), seconds);
    std.debug.print("arrow import fuzz, seed {d}: {d} iterations in {d} s, {d} read", .{ seed, outcome.iterations, seconds, outcome.accepted });
    inline for (error_names, 0..) |name, i| std.debug.print(", {d} {s}", .{ outcome.refused[i], name });
    std.debug.print("\n", .{});
    // Every kind of outcome must occur, or the mutations have stopped reaching the reader.
    if (outcome.accepted == 0) return 1;
    for (outcome.refused) |n| if (n == 0) return 1;
    return 0;
}

test "a short run of the fuzzer reads some batches and refuses others with every error" {
    const outcome = try run(std.testing.io, 0x5eed, 20_000, 60);
    try std.testing.expect(outcome.accepted > 0);
    for (outcome.refused) |n| try std.testing.expect(n > 0);
}
