//! A connection through an ADBC driver, in Zig's memory behind a handle: the
//! driver's shared library (dlopened here, from a path the host resolved), the
//! function table its init function filled, and the database and connection
//! it made. The host names it by handle only, so every driver function Zig
//! calls was read from memory the host cannot write.
//!
//! Calls on one connection are serialized by its lock (ADBC objects are not
//! thread-safe); each runs on the thread of the nonblocking call that makes
//! it. A query's result stream keeps its statement and the connection alive:
//! closing the connection retires its handle, and the driver's objects are
//! released once the last stream over them is.

const std = @import("std");
const adbc = @import("adbc.zig");
const abi = @import("../abi.zig");
const handles = @import("../handles.zig");
const DynLib = @import("dynamic_library.zig").DynLib;
const BlockingMutex = @import("../blocking_mutex.zig").BlockingMutex;
const zerocopy = @import("../zerocopy.zig");
const Status = abi.Status;

/// Work handed to a connection's lock without waiting for it (`Connection.runLocked`).
pub const Deferred = struct {
    /// Runs under the connection's lock.
    locked: *const fn (*Deferred) void,
    /// Runs once the lock is let go; may drop a reference to the connection.
    after: *const fn (*Deferred) void,
    next: ?*Deferred = null,
};

pub const Connection = struct {
    library: DynLib,
    driver: adbc.Driver = .{},
    database: adbc.Database = .{},
    connection: adbc.Connection = .{},
    mutex: BlockingMutex = .{},
    /// One for the handle, one for each statement alive.
    refs: std.atomic.Value(usize) = .init(1),
    database_ready: bool = false,
    connection_ready: bool = false,
    /// Work waiting for the lock: run by whoever holds it before letting go.
    /// Read and written under `deferred_lock` only.
    deferred: ?*Deferred = null,
    deferred_lock: std.atomic.Mutex = .unlocked,

    pub fn lock(self: *Connection) void {
        self.mutex.lock();
    }

    /// Runs the work handed over meanwhile, then lets the lock go.
    pub fn unlock(self: *Connection) void {
        const done = self.runDeferred();
        self.mutex.unlock();
        finish(done);
        self.drain();
    }

    /// Runs `work` under the lock without waiting for it: now if the lock is
    /// free, else by the thread holding it, before it lets go (so a release on
    /// the JavaScript thread never waits for a query running on the connection).
    pub fn runLocked(self: *Connection, work: *Deferred) void {
        self.ref(); // the connection outlives this call, whoever runs `work`
        defer self.unref();
        while (!self.deferred_lock.tryLock()) std.atomic.spinLoopHint();
        work.next = self.deferred;
        self.deferred = work;
        self.deferred_lock.unlock();
        self.drain();
    }

    /// Runs what waits, for as long as work waits and the lock is free. A
    /// holder that let go before seeing the work drains again after letting go.
    fn drain(self: *Connection) void {
        while (self.waiting()) {
            if (!self.mutex.tryLock()) return; // its holder runs the work at its unlock
            const done = self.runDeferred();
            self.mutex.unlock();
            finish(done);
        }
    }

    /// Whether work waits, read under `deferred_lock` as it is written. A
    /// holder that let go and finds nothing here is then ordered before the
    /// handing thread's `tryLock`, which sees the lock free: with a bare load
    /// each could miss the other's write (store, then load of another
    /// location), and the work would wait for a next holder that may never come.
    fn waiting(self: *Connection) bool {
        while (!self.deferred_lock.tryLock()) std.atomic.spinLoopHint();
        defer self.deferred_lock.unlock();
        return self.deferred != null;
    }

    /// Takes the waiting work and runs its locked part; the lock is held.
    fn runDeferred(self: *Connection) ?*Deferred {
        while (!self.deferred_lock.tryLock()) std.atomic.spinLoopHint();
        const taken = self.deferred;
        self.deferred = null;
        self.deferred_lock.unlock();
        var work = taken;
        while (work) |w| : (work = w.next) w.locked(w);
        return taken;
    }

    fn finish(done: ?*Deferred) void {
        var work = done;
        while (work) |w| {
            work = w.next; // `after` may free `w`
            w.after(w);
        }
    }

    /// Statements alive over the connection (a query's result stream holds
    /// one), while its handle is; exact when no release is running.
    pub fn statements(self: *Connection) usize {
        return self.refs.load(.acquire) - 1;
    }

    pub fn ref(self: *Connection) void {
        _ = self.refs.fetchAdd(1, .monotonic);
    }

    /// Drops one reference; the last releases the driver's objects and closes the library.
    pub fn unref(self: *Connection) void {
        if (self.refs.fetchSub(1, .acq_rel) != 1) return;
        var err: adbc.Error = .{};
        if (self.connection_ready) _ = self.driver.ConnectionRelease.?(&self.connection, &err);
        err.deinit();
        if (self.database_ready) _ = self.driver.DatabaseRelease.?(&self.database, &err);
        err.deinit();
        if (self.driver.release) |r| _ = r(&self.driver, &err);
        err.deinit();
        // The driver's code stays mapped: a driver may leave threads or
        // atexit handlers behind, and unmapping under them would crash.
        zerocopy.default_allocator.destroy(self);
    }

    fn destroyHandle(object: *anyopaque) void {
        const self: *Connection = @ptrCast(@alignCast(object));
        self.unref();
    }
};

/// Where a failing call's message goes: the host's buffer, NUL-terminated, cut to fit.
pub const Message = struct {
    out: []u8,

    pub fn say(self: Message, comptime format: []const u8, args: anytype) void {
        if (self.out.len == 0) return;
        const text = std.fmt.bufPrint(self.out[0 .. self.out.len - 1], format, args) catch self.out[0 .. self.out.len - 1];
        self.out[text.len] = 0;
    }

    /// Says what the driver reported, and releases its error.
    pub fn driver(self: Message, what: []const u8, code: adbc.StatusCode, err: *adbc.Error) void {
        const text = err.text();
        self.say("{s} failed (ADBC status {d}): {s}", .{ what, code, if (text.len > 0) text else "no message" });
        err.deinit();
    }
};

/// Loads the driver at `path`, initializes it through `entrypoint`, sets each
/// database option (`options`: key, NUL, value, NUL, ...) and connects.
pub fn connect(path: [:0]const u8, entrypoint: [:0]const u8, options: []const u8, message: Message) ?*Connection {
    var library = DynLib.openZ(path.ptr) catch {
        message.say("cannot load the ADBC driver \"{s}\" (dlopen failed: not a shared library for this platform, or a dependency is missing)", .{path});
        return null;
    };
    const init = library.lookup(adbc.InitFn, entrypoint) orelse {
        library.close();
        message.say("\"{s}\" has no function \"{s}\": not an ADBC driver, or another entry point", .{ path, entrypoint });
        return null;
    };
    const self = zerocopy.default_allocator.create(Connection) catch {
        library.close();
        message.say("out of memory", .{});
        return null;
    };
    self.* = .{ .library = library };
    var err: adbc.Error = .{};
    var code = init(adbc.version_1_1_0, &self.driver, &err);
    if (code == adbc.status_not_implemented) {
        err.deinit();
        self.driver = .{};
        code = init(adbc.version_1_0_0, &self.driver, &err);
    }
    if (code != adbc.status_ok) {
        message.driver("the driver's init", code, &err);
        zerocopy.default_allocator.destroy(self);
        return null;
    }
    if (!connectDatabase(self, options, message)) {
        self.unref();
        return null;
    }
    return self;
}

fn connectDatabase(self: *Connection, options: []const u8, message: Message) bool {
    const d = &self.driver;
    inline for (.{ "DatabaseNew", "DatabaseSetOption", "DatabaseInit", "DatabaseRelease", "ConnectionNew", "ConnectionInit", "ConnectionRelease", "StatementNew", "StatementSetSqlQuery", "StatementExecuteQuery", "StatementRelease", "StatementSetOption", "StatementBind", "StatementBindStream" }) |name| {
        if (@field(d, name) == null) {
            message.say("the driver did not fill in {s}", .{name});
            return false;
        }
    }
    var err: adbc.Error = .{};
    var code = d.DatabaseNew.?(&self.database, &err);
    if (code != adbc.status_ok) return fail(message, "DatabaseNew", code, &err);
    self.database.private_driver = d;
    self.database_ready = true;
    var pairs = std.mem.splitScalar(u8, options, 0);
    while (pairs.next()) |key| {
        if (key.len == 0) break;
        const value = pairs.next() orelse break;
        // Both lie in `options`, each followed by its NUL.
        const key_z: [*:0]const u8 = @ptrCast(key.ptr);
        const value_z: [*:0]const u8 = @ptrCast(value.ptr);
        code = d.DatabaseSetOption.?(&self.database, key_z, value_z, &err);
        if (code != adbc.status_ok) return fail(message, "setting a database option", code, &err);
    }
    code = d.DatabaseInit.?(&self.database, &err);
    if (code != adbc.status_ok) return fail(message, "DatabaseInit", code, &err);
    code = d.ConnectionNew.?(&self.connection, &err);
    if (code != adbc.status_ok) return fail(message, "ConnectionNew", code, &err);
    self.connection.private_driver = d;
    self.connection_ready = true;
    code = d.ConnectionInit.?(&self.connection, &self.database, &err);
    if (code != adbc.status_ok) return fail(message, "ConnectionInit", code, &err);
    return true;
}

fn fail(message: Message, what: []const u8, code: adbc.StatusCode, err: *adbc.Error) bool {
    message.driver(what, code, err);
    return false;
}

/// Registers a connection under a new handle.
pub fn register(self: *Connection) ?handles.Handle {
    // What JavaScript holds open through the handle is closed even when its worker ends (napi_guard.zig).
    handles.setCloser(.adbc, close);
    return handles.global.register(.adbc, self) catch {
        self.unref();
        return null;
    };
}

/// The connection `handle` names, pinned until `handles.global.unpin(handle)`.
pub fn pin(handle: handles.Handle) ?*Connection {
    return @ptrCast(@alignCast(handles.global.pin(handle, .adbc) orelse return null));
}

/// Ends the handle: the connection is released once no statement needs it.
pub fn close(handle: handles.Handle) void {
    _ = handles.global.retire(handle, .adbc, Connection.destroyHandle);
}

const TestWork = struct {
    deferred: Deferred = .{ .locked = locked, .after = after },
    ran_locked: std.atomic.Value(u32) = .init(0),
    ran_after: std.atomic.Value(u32) = .init(0),
    connection: *Connection,

    fn locked(work: *Deferred) void {
        const self: *TestWork = @alignCast(@fieldParentPtr("deferred", work));
        // The lock is held by whoever runs this: a second taker would fail.
        std.debug.assert(!self.connection.mutex.tryLock());
        _ = self.ran_locked.fetchAdd(1, .monotonic);
    }

    fn after(work: *Deferred) void {
        const self: *TestWork = @alignCast(@fieldParentPtr("deferred", work));
        _ = self.ran_after.fetchAdd(1, .monotonic);
    }
};

/// The tests' other thread: takes the lock, says so through `holding`, and lets go once `release` is set;
/// its unlock runs what was handed over meanwhile.
fn holdUntilReleased(c: *Connection, holding: *std.atomic.Value(bool), release: *std.atomic.Value(bool)) void {
    c.lock();
    holding.store(true, .release);
    while (!release.load(.acquire)) std.atomic.spinLoopHint();
    c.unlock();
}

test "runLocked runs at once on a free lock, and otherwise by the holder at its unlock, once, without waiting" {
    var connection: Connection = .{ .library = undefined };
    var free: TestWork = .{ .connection = &connection };
    connection.runLocked(&free.deferred);
    try std.testing.expectEqual(@as(u32, 1), free.ran_locked.load(.monotonic));
    try std.testing.expectEqual(@as(u32, 1), free.ran_after.load(.monotonic));

    var held: TestWork = .{ .connection = &connection };
    var holding: std.atomic.Value(bool) = .init(false);
    var release: std.atomic.Value(bool) = .init(false);
    const holder = try std.Thread.spawn(.{}, holdUntilReleased, .{ &connection, &holding, &release });
    while (!holding.load(.acquire)) std.atomic.spinLoopHint();
    connection.runLocked(&held.deferred); // returns while the other thread holds the lock
    try std.testing.expectEqual(@as(u32, 0), held.ran_locked.load(.monotonic));
    release.store(true, .release);
    holder.join();
    try std.testing.expectEqual(@as(u32, 1), held.ran_locked.load(.monotonic));
    try std.testing.expectEqual(@as(u32, 1), held.ran_after.load(.monotonic));
    try std.testing.expectEqual(@as(usize, 1), connection.refs.load(.monotonic));
}

test "runLocked while other threads take and let go of the lock: each work runs once, none is left waiting" {
    var connection: Connection = .{ .library = undefined };
    const rounds = 5000;
    const works = try std.testing.allocator.alloc(TestWork, rounds);
    defer std.testing.allocator.free(works);
    for (works) |*w| w.* = .{ .connection = &connection };
    var stop: std.atomic.Value(bool) = .init(false);
    var holders: [2]std.Thread = undefined;
    for (&holders) |*h| h.* = try std.Thread.spawn(.{}, struct {
        fn run(c: *Connection, s: *std.atomic.Value(bool)) void {
            while (!s.load(.acquire)) {
                c.lock();
                c.unlock();
            }
        }
    }.run, .{ &connection, &stop });
    for (works) |*w| connection.runLocked(&w.deferred);
    stop.store(true, .release);
    for (holders) |h| h.join();
    // No holder is left to run anything: what was handed over ran already, or never will.
    for (works) |*w| {
        try std.testing.expectEqual(@as(u32, 1), w.ran_locked.load(.monotonic));
        try std.testing.expectEqual(@as(u32, 1), w.ran_after.load(.monotonic));
    }
    try std.testing.expectEqual(@as(usize, 1), connection.refs.load(.monotonic));
}

test "work handed over while the holder runs earlier work is run by that holder after it lets go" {
    const Gate = struct {
        deferred: Deferred = .{ .locked = locked, .after = after },
        entered: std.atomic.Value(bool) = .init(false),
        go: std.atomic.Value(bool) = .init(false),

        // Holds the holder between taking the waiting work and letting the lock go.
        fn locked(work: *Deferred) void {
            const self: *@This() = @alignCast(@fieldParentPtr("deferred", work));
            self.entered.store(true, .release);
            while (!self.go.load(.acquire)) std.atomic.spinLoopHint();
        }

        fn after(_: *Deferred) void {}
    };
    var connection: Connection = .{ .library = undefined };
    var gate: Gate = .{};
    var late: TestWork = .{ .connection = &connection };
    var holding: std.atomic.Value(bool) = .init(false);
    var release: std.atomic.Value(bool) = .init(false);
    const holder = try std.Thread.spawn(.{}, holdUntilReleased, .{ &connection, &holding, &release });
    while (!holding.load(.acquire)) std.atomic.spinLoopHint();
    connection.runLocked(&gate.deferred);
    release.store(true, .release);
    while (!gate.entered.load(.acquire)) std.atomic.spinLoopHint();
    // The holder took the list (now empty) and still holds the lock: this returns without running `late`.
    connection.runLocked(&late.deferred);
    try std.testing.expectEqual(@as(u32, 0), late.ran_locked.load(.monotonic));
    gate.go.store(true, .release);
    holder.join();
    try std.testing.expectEqual(@as(u32, 1), late.ran_locked.load(.monotonic));
    try std.testing.expectEqual(@as(u32, 1), late.ran_after.load(.monotonic));
    try std.testing.expectEqual(@as(usize, 1), connection.refs.load(.monotonic));
}
