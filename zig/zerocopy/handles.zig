//! Handles: how Zig recognizes the owners JavaScript names back to it (a
//! region, a ring, an Arrow batch, a buffer in transit to another worker)
//! without reading memory that may already be freed or that the host can write.
//!
//! A handle is `(tag << 16 | generation) << 32 | index` into a table Zig
//! owns. The table never frees its entries, only the objects they point to,
//! so looking a handle up reads Zig's own live memory whatever the handle is:
//! a stale one (its object released), a replayed one (a transfer taken
//! already), one of another kind, or a forged number all fail the generation,
//! state or kind check and are refused. An entry's generation grows with each
//! reuse; one that would wrap is never reused, so no old handle can ever match
//! again. The tag tells one library's table from another's (each shared
//! library links its own): every library numbers its entries from 0, so
//! without it a region handed to another library's function would name that
//! library's region of the same index and generation.
//!
//! Every operation holds one spin lock for a few instructions, so producers on
//! several threads, nonblocking calls and workers may use handles at once. An
//! object stays allocated while any thread has it pinned: its release only
//! retires the entry, and the last unpin destroys it.

const std = @import("std");
const Allocator = std.mem.Allocator;

pub const Handle = u64;

/// What an entry holds: a handle of one kind never finds an object of another.
pub const Kind = enum(u8) { free = 0, region = 1, ring = 2, transfer = 3, batch = 4, stream = 5, adbc = 6, lent_stream = 7, sql_connection = 8, sql_result = 9, sql_source = 10 };

/// Frees the object of a retired entry, once no thread has it pinned.
pub const DestroyFn = *const fn (object: *anyopaque) void;

pub const Table = struct {
    lock: std.atomic.Mutex = .unlocked,
    entries: std.ArrayList(Entry) = .empty,
    /// Indexes of free entries whose generation may still grow.
    free: std.ArrayList(u32) = .empty,
    /// Holds the table itself, never the objects.
    allocator: Allocator,

    const Entry = struct {
        generation: u32 = first_generation,
        kind: Kind = .free,
        /// Released by its owner; the last unpin destroys the object.
        retired: bool = false,
        pins: u32 = 0,
        object: ?*anyopaque = null,
        destroy: ?DestroyFn = null,
    };

    /// Generations start at 1, so no handle is 0 (the null owner).
    const first_generation: u32 = 1;
    /// The generation's bits below the tag.
    const max_generation: u32 = (1 << 16) - 1;

    /// 16 bits from this table's address, never 0: tables of two libraries
    /// in one process lie at different addresses, so they almost always
    /// differ (and a handle must match index and generation as well). An
    /// entry retired after 65,535 reuses costs a few bytes; a wider tag is
    /// worth more.
    fn tag(self: *const Table) u32 {
        const mixed = @as(u64, @intFromPtr(self)) *% 0x9e3779b97f4a7c15;
        return @intCast((mixed >> 48) % 65535 + 1);
    }

    fn handleOf(self: *const Table, generation: u32, index: u32) Handle {
        return @as(u64, self.tag() << 16 | generation) << 32 | index;
    }

    /// The generation `handle` names in this table, or null for another table's tag.
    fn generationOf(self: *const Table, handle: Handle) ?u32 {
        const high: u32 = @intCast(handle >> 32);
        return if (high >> 16 == self.tag()) high & max_generation else null;
    }

    pub fn init(allocator: Allocator) Table {
        return .{ .allocator = allocator };
    }

    /// Frees the table's own memory; objects still registered are not touched.
    pub fn deinit(self: *Table) void {
        self.entries.deinit(self.allocator);
        self.free.deinit(self.allocator);
        self.* = undefined;
    }

    /// Records `object` under a new handle.
    pub fn register(self: *Table, kind: Kind, object: *anyopaque) Allocator.Error!Handle {
        std.debug.assert(kind != .free);
        self.acquireLock();
        defer self.lock.unlock();
        // Room for the index on the free list too, so a release never has to allocate.
        try self.free.ensureTotalCapacity(self.allocator, self.entries.items.len + 1);
        const index: u32 = self.free.pop() orelse blk: {
            if (self.entries.items.len >= std.math.maxInt(u32)) return error.OutOfMemory;
            try self.entries.append(self.allocator, .{});
            break :blk @intCast(self.entries.items.len - 1);
        };
        const entry = &self.entries.items[index];
        entry.* = .{ .generation = entry.generation, .kind = kind, .object = object };
        return self.handleOf(entry.generation, index);
    }

    /// The object `handle` names if it is live and of `kind`, pinned until
    /// `unpin(handle)`: it is not destroyed meanwhile, even if released.
    pub fn pin(self: *Table, handle: Handle, kind: Kind) ?*anyopaque {
        self.acquireLock();
        defer self.lock.unlock();
        const entry = self.live(handle, kind) orelse return null;
        entry.pins += 1;
        return entry.object;
    }

    /// The object `handle` names if it is live and of `kind`, with the table
    /// locked until `unlockLive()`: cheaper than `pin` and `unpin` (one lock
    /// round trip, no count) for a few instructions' use, during which no
    /// other call on this table may run on this thread.
    pub fn lockLive(self: *Table, handle: Handle, kind: Kind) ?*anyopaque {
        self.acquireLock();
        const entry = self.live(handle, kind) orelse {
            self.lock.unlock();
            return null;
        };
        return entry.object;
    }

    /// Ends a successful `lockLive`.
    pub fn unlockLive(self: *Table) void {
        self.lock.unlock();
    }

    /// Ends a `pin`; the last unpin of a retired entry destroys its object.
    pub fn unpin(self: *Table, handle: Handle) void {
        self.acquireLock();
        const entry = &self.entries.items[indexOf(handle)];
        std.debug.assert(entry.generation == self.generationOf(handle) and entry.pins > 0);
        entry.pins -= 1;
        const doomed = if (entry.retired and entry.pins == 0) self.vacate(indexOf(handle)) else null;
        self.lock.unlock();
        if (doomed) |d| d.destroy(d.object);
    }

    /// Ends `handle`: it is refused from now on, and `destroy(object)` runs now,
    /// or at the last unpin. False, touching nothing, when it names nothing live of `kind`.
    pub fn retire(self: *Table, handle: Handle, kind: Kind, destroy: DestroyFn) bool {
        self.acquireLock();
        const entry = self.live(handle, kind) orelse {
            self.lock.unlock();
            return false;
        };
        entry.retired = true;
        entry.destroy = destroy;
        const doomed = if (entry.pins == 0) self.vacate(indexOf(handle)) else null;
        self.lock.unlock();
        if (doomed) |d| d.destroy(d.object);
        return true;
    }

    /// Removes `handle` and returns its object, which the caller now owns;
    /// null when it names nothing live of `kind` (taken already, or forged).
    pub fn take(self: *Table, handle: Handle, kind: Kind) ?*anyopaque {
        self.acquireLock();
        defer self.lock.unlock();
        const entry = self.live(handle, kind) orelse return null;
        if (entry.pins != 0) return null;
        const object = entry.object;
        _ = self.vacate(indexOf(handle));
        return object;
    }

    /// The kind of what `handle` names while it is live; null for a stale,
    /// retired or forged handle.
    pub fn kindOf(self: *Table, handle: Handle) ?Kind {
        self.acquireLock();
        defer self.lock.unlock();
        const index = indexOf(handle);
        if (index >= self.entries.items.len) return null;
        const entry = &self.entries.items[index];
        if (entry.kind == .free or entry.retired or entry.generation != self.generationOf(handle)) return null;
        return entry.kind;
    }

    /// Entries registered and not yet vacated.
    pub fn count(self: *Table) usize {
        self.acquireLock();
        defer self.lock.unlock();
        var n: usize = 0;
        for (self.entries.items) |entry| n += @intFromBool(entry.kind != .free);
        return n;
    }

    fn live(self: *Table, handle: Handle, kind: Kind) ?*Entry {
        const index = indexOf(handle);
        if (index >= self.entries.items.len) return null;
        const entry = &self.entries.items[index];
        if (entry.kind != kind or entry.retired or entry.generation != self.generationOf(handle)) return null;
        return entry;
    }

    const Doomed = struct { object: *anyopaque, destroy: DestroyFn };

    /// Frees entry `index` under the lock; returns what to destroy after it.
    fn vacate(self: *Table, index: u32) ?Doomed {
        const entry = &self.entries.items[index];
        const doomed: ?Doomed = if (entry.destroy) |destroy| .{ .object = entry.object.?, .destroy = destroy } else null;
        const exhausted = entry.generation == max_generation;
        entry.* = .{ .generation = if (exhausted) entry.generation else entry.generation + 1 };
        // An exhausted entry stays free forever: reusing it would wrap its generation.
        if (!exhausted) self.free.appendAssumeCapacity(index);
        return doomed;
    }

    fn acquireLock(self: *Table) void {
        while (!self.lock.tryLock()) std.atomic.spinLoopHint();
    }
};

fn indexOf(handle: Handle) u32 {
    return @truncate(handle);
}

/// The table of every region, ring, batch and transfer this library made. Its memory
/// comes from libc, not from the checked allocator, which tests watch for leaks.
pub var global: Table = .{ .allocator = std.heap.c_allocator };

/// Ends a handle whose owner went away without ending it, as the owner's
/// `close` would: what `napi_guard.zig` runs once the owner's isolate dropped it.
/// Must do nothing for a handle that is stale by then.
pub const CloseFn = *const fn (handle: Handle) void;

var closers: [@typeInfo(Kind).@"enum".field_names.len]std.atomic.Value(?CloseFn) = @splat(.init(null));

/// Lets handles of `kind` be closed for an owner that is gone; set by the
/// module that makes them, before it hands out the first.
pub fn setCloser(kind: Kind, close: CloseFn) void {
    closers[@backingInt(kind)].store(close, .release);
}

/// How to close what `handle` names, if it is live and of a kind with a closer.
pub fn closerOf(handle: Handle) ?CloseFn {
    const kind = global.kindOf(handle) orelse return null;
    return closers[@backingInt(kind)].load(.acquire);
}

const testing = std.testing;

fn countDestroy(object: *anyopaque) void {
    const counter: *u32 = @ptrCast(@alignCast(object));
    counter.* += 1;
}

test "a handle finds its object until retired, then never again" {
    var table: Table = .init(testing.allocator);
    defer table.deinit();
    var destroyed: u32 = 0;
    const handle = try table.register(.region, &destroyed);
    try testing.expect(handle != 0);
    try testing.expectEqual(@as(?*anyopaque, &destroyed), table.pin(handle, .region));
    table.unpin(handle);
    try testing.expectEqual(@as(?*anyopaque, null), table.pin(handle, .ring));
    try testing.expect(table.retire(handle, .region, countDestroy));
    try testing.expectEqual(@as(u32, 1), destroyed);
    try testing.expect(!table.retire(handle, .region, countDestroy));
    try testing.expectEqual(@as(?*anyopaque, null), table.pin(handle, .region));
    // The entry is reused under a new generation: the old handle still fails.
    var other: u32 = 0;
    const next = try table.register(.region, &other);
    try testing.expectEqual(@as(u32, @truncate(handle)), @as(u32, @truncate(next)));
    try testing.expect(next != handle);
    try testing.expectEqual(@as(?*anyopaque, null), table.pin(handle, .region));
    try testing.expectEqual(@as(?*anyopaque, &other), table.take(next, .region));
    try testing.expectEqual(@as(u32, 1), destroyed);
}

test "a pinned object outlives its retirement until the last unpin" {
    var table: Table = .init(testing.allocator);
    defer table.deinit();
    var destroyed: u32 = 0;
    const handle = try table.register(.ring, &destroyed);
    _ = table.pin(handle, .ring).?;
    _ = table.pin(handle, .ring).?;
    try testing.expect(table.retire(handle, .ring, countDestroy));
    try testing.expectEqual(@as(?*anyopaque, null), table.pin(handle, .ring));
    try testing.expectEqual(@as(?*anyopaque, null), table.take(handle, .ring));
    table.unpin(handle);
    try testing.expectEqual(@as(u32, 0), destroyed);
    table.unpin(handle);
    try testing.expectEqual(@as(u32, 1), destroyed);
    try testing.expectEqual(@as(usize, 0), table.count());
}

test "lockLive finds a live object of its kind only, and leaves the table usable after unlockLive" {
    var table: Table = .init(testing.allocator);
    defer table.deinit();
    var destroyed: u32 = 0;
    const handle = try table.register(.region, &destroyed);
    try testing.expectEqual(@as(?*anyopaque, &destroyed), table.lockLive(handle, .region));
    table.unlockLive();
    try testing.expectEqual(@as(?*anyopaque, null), table.lockLive(handle, .ring));
    try testing.expectEqual(@as(?*anyopaque, null), table.lockLive(handle + 1, .region));
    try testing.expect(table.retire(handle, .region, countDestroy));
    try testing.expectEqual(@as(u32, 1), destroyed);
    try testing.expectEqual(@as(?*anyopaque, null), table.lockLive(handle, .region));
}

test "take hands the object over once: a replayed or forged handle gets nothing" {
    var table: Table = .init(testing.allocator);
    defer table.deinit();
    var object: u8 = 0;
    const handle = try table.register(.transfer, &object);
    try testing.expectEqual(@as(?*anyopaque, null), table.take(handle, .region));
    try testing.expectEqual(@as(?*anyopaque, &object), table.take(handle, .transfer));
    try testing.expectEqual(@as(?*anyopaque, null), table.take(handle, .transfer));
    var random = std.Random.DefaultPrng.init(0x5eed);
    for (0..10_000) |_| {
        const forged = random.random().int(u64);
        try testing.expectEqual(@as(?*anyopaque, null), table.take(forged, .transfer));
        try testing.expectEqual(@as(?*anyopaque, null), table.pin(forged, .region));
        try testing.expect(!table.retire(forged, .ring, countDestroy));
    }
    try testing.expectEqual(@as(?*anyopaque, null), table.pin(0, .region));
}

test "an entry whose generation would wrap is never reused" {
    var table: Table = .init(testing.allocator);
    defer table.deinit();
    var object: u8 = 0;
    const first = try table.register(.region, &object);
    table.entries.items[0].generation = Table.max_generation - 1;
    _ = table.take(first, .region); // generation mismatch: nothing happens
    const nearly = table.handleOf(Table.max_generation - 1, 0);
    try testing.expectEqual(@as(?*anyopaque, &object), table.take(nearly, .region));
    const last = try table.register(.region, &object);
    try testing.expectEqual(table.handleOf(Table.max_generation, 0), last);
    try testing.expectEqual(@as(?*anyopaque, &object), table.take(last, .region));
    // Every old generation of entry 0 stays refused: the next one is a new entry.
    const fresh = try table.register(.region, &object);
    try testing.expectEqual(@as(u32, 1), indexOf(fresh));
    for ([_]Handle{ first, nearly, last, table.handleOf(0, 0), table.handleOf(1, 0) }) |old| {
        try testing.expectEqual(@as(?*anyopaque, null), table.pin(old, .region));
    }
    try testing.expectEqual(@as(usize, 1), table.count());
}

test "a handle of another table is refused, even one with the same index and generation" {
    var tables: [2]Table = .{ .init(testing.allocator), .init(testing.allocator) };
    defer for (&tables) |*table| table.deinit();
    try testing.expect(tables[0].tag() != tables[1].tag());
    var objects: [2]u8 = .{ 0, 0 };
    const first = try tables[0].register(.region, &objects[0]);
    const second = try tables[1].register(.region, &objects[1]);
    try testing.expectEqual(indexOf(first), indexOf(second));
    try testing.expect(first != second);
    try testing.expectEqual(@as(?*anyopaque, null), tables[1].pin(first, .region));
    try testing.expectEqual(@as(?*anyopaque, null), tables[0].take(second, .region));
    try testing.expect(!tables[1].retire(first, .region, countDestroy));
    try testing.expectEqual(@as(?*anyopaque, &objects[1]), tables[1].pin(second, .region));
    tables[1].unpin(second);
}

test "threads register, pin and release at once without losing or doubling an entry" {
    var table: Table = .init(std.heap.c_allocator);
    defer table.deinit();
    const Worker = struct {
        fn run(t: *Table, destroyed: *std.atomic.Value(u32), failures: *std.atomic.Value(u32)) void {
            var handles: [64]Handle = undefined;
            for (0..200) |_| {
                for (&handles) |*h| h.* = t.register(.region, destroyed) catch return failures.store(1, .monotonic);
                for (handles) |h| {
                    if (t.pin(h, .region) != @as(?*anyopaque, destroyed)) _ = failures.fetchAdd(1, .monotonic);
                    t.unpin(h);
                }
                for (handles) |h| {
                    if (!t.retire(h, .region, destroyAtomic)) _ = failures.fetchAdd(1, .monotonic);
                    if (t.pin(h, .region) != null) _ = failures.fetchAdd(1, .monotonic);
                }
            }
        }
        fn destroyAtomic(object: *anyopaque) void {
            const counter: *std.atomic.Value(u32) = @ptrCast(@alignCast(object));
            _ = counter.fetchAdd(1, .monotonic);
        }
    };
    var destroyed = std.atomic.Value(u32).init(0);
    var failures = std.atomic.Value(u32).init(0);
    var threads: [4]std.Thread = undefined;
    for (&threads) |*thread| thread.* = try std.Thread.spawn(.{}, Worker.run, .{ &table, &destroyed, &failures });
    for (threads) |thread| thread.join();
    try testing.expectEqual(@as(u32, 0), failures.load(.monotonic));
    try testing.expectEqual(@as(u32, 4 * 200 * 64), destroyed.load(.monotonic));
    try testing.expectEqual(@as(usize, 0), table.count());
    try testing.expect(table.entries.items.len <= 4 * 64);
}

test "kindOf names a live handle's kind only; closerOf finds the kind's closer" {
    var table: Table = .init(testing.allocator);
    defer table.deinit();
    var object: u32 = 0;
    const handle = try table.register(.ring, &object);
    try testing.expectEqual(Kind.ring, table.kindOf(handle).?);
    try testing.expectEqual(@as(?Kind, null), table.kindOf(handle + 1));
    try testing.expectEqual(@as(?Kind, null), table.kindOf(handle ^ (1 << 32)));
    try testing.expect(table.retire(handle, .ring, countDestroy));
    try testing.expectEqual(@as(?Kind, null), table.kindOf(handle));

    const Closer = struct {
        fn close(_: Handle) void {}
    };
    const live = try global.register(.lent_stream, &object);
    defer _ = global.take(live, .lent_stream);
    try testing.expectEqual(@as(?CloseFn, null), closerOf(live));
    setCloser(.lent_stream, Closer.close);
    defer closers[@backingInt(Kind.lent_stream)].store(null, .release);
    try testing.expectEqual(@as(?CloseFn, Closer.close), closerOf(live));
    try testing.expectEqual(@as(?CloseFn, null), closerOf(live + 1));
}
