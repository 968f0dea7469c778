//! Queries and bulk ingest through an ADBC connection (adbc_connection.zig),
//! each one statement made, run and released under the connection's lock.
//! A query's result is the driver's `ArrowArrayStream`, moved into a stream
//! Zig owns (arrow/stream.zig) that keeps the statement alive; a batch Deno
//! lends (parameters, rows to ingest) is checked by the reader and handed to
//! the driver as struct copies Zig made, pointing at the lent buffers.

const std = @import("std");
const adbc = @import("adbc.zig");
const adbc_connection = @import("adbc_connection.zig");
const c = @import("../arrow/c_data.zig");
const reader = @import("../arrow/reader.zig");
const stream = @import("../arrow/stream.zig");
const struct_copy = @import("../arrow/struct_copy.zig");
const lent_stream = @import("../arrow/lent_stream.zig");
const abi = @import("../abi.zig");
const handles = @import("../handles.zig");
const zerocopy = @import("../zerocopy.zig");
const ArrowArray = c.ArrowArray;
const ArrowArrayStream = c.ArrowArrayStream;
const ArrowSchema = c.ArrowSchema;
const Connection = adbc_connection.Connection;
const Message = adbc_connection.Message;
const Status = abi.Status;

/// A statement whose result stream is still read: it holds the connection.
const Statement = struct {
    connection: *Connection,
    statement: adbc.Statement = .{},
    /// The stream's release handed to the connection's lock (`later`).
    release: adbc_connection.Deferred = .{ .locked = releaseLocked, .after = releaseAfter },
    release_stream: ?*const fn (*anyopaque) void = null,
    stream: ?*anyopaque = null,

    fn lock(context: *anyopaque) void {
        const self: *Statement = @ptrCast(@alignCast(context));
        self.connection.lock();
    }

    fn unlock(context: *anyopaque) void {
        const self: *Statement = @ptrCast(@alignCast(context));
        self.connection.unlock();
    }

    fn drop(context: *anyopaque) void {
        const self: *Statement = @ptrCast(@alignCast(context));
        const connection = self.connection;
        connection.lock();
        var err: adbc.Error = .{};
        _ = connection.driver.StatementRelease.?(&self.statement, &err);
        err.deinit();
        connection.unlock();
        zerocopy.default_allocator.destroy(self);
        connection.unref();
    }

    /// Releases the stream, then the statement, without waiting for a call running on the connection.
    fn later(context: *anyopaque, release_stream: *const fn (*anyopaque) void, s: *anyopaque) void {
        const self: *Statement = @ptrCast(@alignCast(context));
        self.release_stream = release_stream;
        self.stream = s;
        self.connection.runLocked(&self.release);
    }

    fn releaseLocked(work: *adbc_connection.Deferred) void {
        const self: *Statement = @alignCast(@fieldParentPtr("release", work));
        self.release_stream.?(self.stream.?);
        var err: adbc.Error = .{};
        _ = self.connection.driver.StatementRelease.?(&self.statement, &err);
        err.deinit();
    }

    fn releaseAfter(work: *adbc_connection.Deferred) void {
        const self: *Statement = @alignCast(@fieldParentPtr("release", work));
        const connection = self.connection;
        zerocopy.default_allocator.destroy(self);
        connection.unref();
    }

    fn owner(self: *Statement) stream.Owner {
        return .{ .context = self, .lock = lock, .unlock = unlock, .drop = drop, .later = later };
    }
};

/// A batch Deno lends, as the structs it points at.
const LentBatch = struct { *const ArrowSchema, *const ArrowArray };

/// A lent batch, checked; null when none was lent, error.Refused with a message.
fn checked(schema: ?*const ArrowSchema, array: ?*const ArrowArray, message: Message) error{Refused}!?LentBatch {
    const s = schema orelse return null;
    const a = array orelse return null;
    const root = reader.Column.init(s, a, 0) catch |err| {
        message.say("the lent batch was refused: {s}", .{@errorName(err)});
        return error.Refused;
    };
    if (root.kind != .@"struct") {
        message.say("the lent batch's root is not a struct", .{});
        return error.Refused;
    }
    return .{ s, a };
}

/// Runs `sql` with `params` (one row per parameter set) bound, and registers its result stream.
fn query(connection: *Connection, sql: [:0]const u8, params: ?LentBatch, message: Message) ?handles.Handle {
    const self = zerocopy.default_allocator.create(Statement) catch {
        message.say("out of memory", .{});
        return null;
    };
    self.* = .{ .connection = connection };
    connection.ref();
    var result: ArrowArrayStream = std.mem.zeroes(ArrowArrayStream);
    const ran = run: {
        connection.lock();
        defer connection.unlock();
        const d = &connection.driver;
        var err: adbc.Error = .{};
        const code = d.StatementNew.?(&connection.connection, &self.statement, &err);
        if (code != adbc.status_ok) {
            message.driver("StatementNew", code, &err);
            zerocopy.default_allocator.destroy(self);
            connection.unref(); // never the last: the caller's pin holds the handle's
            return null;
        }
        self.statement.private_driver = d;
        break :run execute(d, &self.statement, sql, params, &result, message);
    };
    if (!ran) {
        Statement.drop(self);
        return null;
    }
    const handle = stream.adopt(&result, self.owner()) catch {
        message.say("out of memory", .{});
        return null;
    };
    if (stream.openHandle(handle) != .ok) {
        const n = stream.exports.zc_arrow_stream_message(handle, message.out.ptr, message.out.len -| 1);
        if (message.out.len > 0) message.out[@intCast(n)] = 0;
        stream.exports.zc_arrow_stream_release(handle);
        return null;
    }
    return handle;
}

/// Sets the statement's SQL, binds `params` and runs it into `result`, under
/// the connection's lock; false when refused, with the message saying why.
fn execute(d: *const adbc.Driver, statement: *adbc.Statement, sql: [:0]const u8, params: ?LentBatch, result: *ArrowArrayStream, message: Message) bool {
    var err: adbc.Error = .{};
    var code = d.StatementSetSqlQuery.?(statement, sql.ptr, &err);
    if (code == adbc.status_ok) if (params) |p| {
        code = bind(d, statement, p, &err, message) orelse return false;
    };
    if (code == adbc.status_ok) code = d.StatementExecuteQuery.?(statement, result, null, &err);
    if (code != adbc.status_ok) {
        message.driver("the query", code, &err);
        return false;
    }
    return true;
}

/// Binds copies of the lent parameter structs; the driver owns the copies.
fn bind(d: *const adbc.Driver, statement: *adbc.Statement, params: LentBatch, err: *adbc.Error, message: Message) ?adbc.StatusCode {
    var schema: ArrowSchema = undefined;
    var array: ArrowArray = undefined;
    struct_copy.copy(params[0], &schema) catch {
        message.say("out of memory", .{});
        return null;
    };
    struct_copy.copyArray(params[1], &array) catch {
        schema.release.?(&schema);
        message.say("out of memory", .{});
        return null;
    };
    const code = d.StatementBind.?(statement, &array, &schema, err);
    // Whatever the driver did not take is given back here.
    if (array.release) |r| r(&array);
    if (schema.release) |r| r(&schema);
    return code;
}

pub const IngestMode = enum(u32) { create = 0, append = 1, replace = 2, create_append = 3 };

/// Loads the rows of `source` (a lent stream, arrow/lent_stream.zig) into `table`, in one statement.
fn ingest(connection: *Connection, table: [:0]const u8, mode: IngestMode, source: *ArrowArrayStream, rows: *i64, message: Message) bool {
    const d = &connection.driver;
    var statement: adbc.Statement = .{};
    var err: adbc.Error = .{};
    connection.lock();
    defer connection.unlock();
    // From here the stream is the driver's to release; if it never takes it, it is released below.
    defer if (source.release) |r| r(source);
    var code = d.StatementNew.?(&connection.connection, &statement, &err);
    if (code != adbc.status_ok) {
        message.driver("StatementNew", code, &err);
        return false;
    }
    statement.private_driver = d;
    defer {
        _ = d.StatementRelease.?(&statement, &err);
        err.deinit();
    }
    const mode_name: [:0]const u8 = switch (mode) {
        .create => "adbc.ingest.mode.create",
        .append => "adbc.ingest.mode.append",
        .replace => "adbc.ingest.mode.replace",
        .create_append => "adbc.ingest.mode.create_append",
    };
    code = d.StatementSetOption.?(&statement, "adbc.ingest.target_table", table.ptr, &err);
    if (code == adbc.status_ok) code = d.StatementSetOption.?(&statement, "adbc.ingest.mode", mode_name.ptr, &err);
    if (code == adbc.status_ok) code = d.StatementBindStream.?(&statement, source, &err);
    if (code == adbc.status_ok) code = d.StatementExecuteQuery.?(&statement, null, rows, &err);
    if (code != adbc.status_ok) {
        message.driver("the ingest", code, &err);
        return false;
    }
    return true;
}

fn messageOf(out: ?[*]u8, len: u64) Message {
    const m: Message = .{ .out = if (out) |o| o[0..@intCast(len)] else &.{} };
    if (m.out.len > 0) m.out[0] = 0;
    return m;
}

/// `text[0..len]`, which must end in its NUL.
fn terminated(text: ?[*]const u8, len: u64) ?[:0]const u8 {
    const t = text orelse return null;
    if (len == 0 or t[@intCast(len - 1)] != 0) return null;
    const slice = t[0..@intCast(len - 1) :0];
    return if (std.mem.indexOfScalar(u8, slice, 0) == null) slice else null;
}

pub const exports = struct {
    /// Exports Deno calls with `nonblocking: true`, on a worker thread.
    pub const nonblocking = .{ "zc_adbc_connect", "zc_adbc_query", "zc_adbc_ingest" };

    /// Loads the ADBC driver at `path` (NUL-terminated, `path_len` bytes with
    /// the NUL), initializes it through `entrypoint`, sets the database
    /// options (`options`: key, NUL, value, NUL, ...) and connects; the
    /// connection's handle goes to `out`. On failure `message` gets why.
    pub fn zc_adbc_connect(path: ?[*]const u8, path_len: u64, entrypoint: ?[*]const u8, entrypoint_len: u64, options: ?[*]const u8, options_len: u64, message: ?[*]u8, message_len: u64, out: ?*stream.StreamOut) callconv(.c) Status {
        const m = messageOf(message, message_len);
        const target = out orelse return .invalid_argument;
        target.handle = 0;
        const p = terminated(path, path_len) orelse return .invalid_argument;
        const e = terminated(entrypoint, entrypoint_len) orelse return .invalid_argument;
        const o: []const u8 = if (options) |bytes| bytes[0..@intCast(options_len)] else &.{};
        if (o.len > 0 and o[o.len - 1] != 0) return .invalid_argument;
        const connection = adbc_connection.connect(p, e, o, m) orelse return .invalid_argument;
        target.handle = adbc_connection.register(connection) orelse return .out_of_memory;
        return .ok;
    }

    /// Runs `sql` (NUL-terminated) on the connection, with the lent batch
    /// `params_schema`/`params_array` bound as parameters when not null; the
    /// result stream's handle goes to `out` (read it with `zc_arrow_stream_next`).
    /// The lent batch must outlive the stream. On failure `message` gets the driver's message.
    pub fn zc_adbc_query(connection: u64, sql: ?[*]const u8, sql_len: u64, params_schema: ?*const ArrowSchema, params_array: ?*const ArrowArray, message: ?[*]u8, message_len: u64, out: ?*stream.StreamOut) callconv(.c) Status {
        const m = messageOf(message, message_len);
        const target = out orelse return .invalid_argument;
        target.handle = 0;
        const text = terminated(sql, sql_len) orelse return .invalid_argument;
        const params = checked(params_schema, params_array, m) catch return .invalid_argument;
        const self = adbc_connection.pin(connection) orelse return .stale_handle;
        defer handles.global.unpin(connection);
        target.handle = query(self, text, params, m) orelse return .invalid_argument;
        return .ok;
    }

    /// Loads the batches of the lent stream `lent` (a handle of
    /// `zc_arrow_lent_stream_new`, given to the driver here) into `table`
    /// (NUL-terminated) through ADBC bulk ingest, in one statement (`mode`: 0
    /// create, 1 append, 2 replace, 3 create or append); the rows the driver
    /// reports go to `rows` (-1 when unknown).
    pub fn zc_adbc_ingest(connection: u64, table: ?[*]const u8, table_len: u64, mode: u32, lent: u64, message: ?[*]u8, message_len: u64, rows: ?*i64) callconv(.c) Status {
        const m = messageOf(message, message_len);
        const count = rows orelse return .invalid_argument;
        count.* = -1;
        const name = terminated(table, table_len) orelse return .invalid_argument;
        if (mode > 3) return .invalid_argument;
        const self = adbc_connection.pin(connection) orelse return .stale_handle;
        defer handles.global.unpin(connection);
        const source = lent_stream.give(lent) orelse {
            m.say("the lent stream was given already, has no batch, or names nothing", .{});
            return .invalid_argument;
        };
        return if (ingest(self, name, @fromBackingInt(@intCast(mode)), source, count, m)) .ok else .invalid_argument;
    }

    /// Statements alive over the connection: one per result stream not yet
    /// released (a release waiting for a running call counts until it ran).
    pub fn zc_adbc_statements(connection: u64) callconv(.c) u64 {
        const self = adbc_connection.pin(connection) orelse return 0;
        defer handles.global.unpin(connection);
        return self.statements();
    }

    /// Closes the connection: its handle is refused from now on, and the
    /// driver's objects are released once no result stream needs them.
    pub fn zc_adbc_close(connection: u64) callconv(.c) void {
        adbc_connection.close(connection);
    }
};

test {
    _ = adbc_connection;
}
