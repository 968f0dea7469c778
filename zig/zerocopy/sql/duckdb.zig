//! DuckDB embedded, driven from Zig only: the database, its connection and
//! every query's result live in Zig memory behind handles (handles.zig), so the
//! host names them by number and never holds, writes or hands back a DuckDB
//! pointer or a C Data struct. A result's Arrow chunks go from DuckDB into a
//! `ArrowArray` Zig owns, then straight into foreign.zig's adoption, which
//! hands their buffers over into the host's descriptor slots.

const std = @import("std");
const duckdb = @import("duckdb_api.zig");
const c = @import("../arrow/c_data.zig");
const foreign = @import("../arrow/foreign.zig");
const handles = @import("../handles.zig");
const zerocopy = @import("../zerocopy.zig");
const Status = zerocopy.Status;
const Handle = handles.Handle;
const allocator = zerocopy.default_allocator.*;

/// A database in memory and its one connection.
pub const Connection = struct {
    api: *const duckdb.Api,
    database: duckdb.Database,
    connection: duckdb.Connection,
    /// Held by the call using the connection, and by a streaming result until it is closed:
    /// DuckDB's connection runs one statement at a time, and a new one ends a stream.
    busy: std.atomic.Value(bool) = .init(false),
    /// What the last `register`/`unregister` refused, for the host's message.
    message: std.ArrayList(u8) = .empty,

    pub fn tryAcquire(conn: *Connection) bool {
        return conn.busy.cmpxchgStrong(false, true, .acquire, .monotonic) == null;
    }

    pub fn releaseBusy(conn: *Connection) void {
        conn.busy.store(false, .release);
    }

    pub fn setMessage(conn: *Connection, text: []const u8) void {
        conn.message.clearRetainingCapacity();
        conn.message.appendSlice(allocator, text) catch {};
    }

    fn destroy(object: *anyopaque) void {
        const conn: *Connection = @ptrCast(@alignCast(object));
        conn.api.duckdb_disconnect(&conn.connection);
        conn.api.duckdb_close(&conn.database);
        conn.message.deinit(allocator);
        allocator.destroy(conn);
    }
};

/// One query's result: DuckDB's, its Arrow schema, and the chunk being adopted.
const QueryResult = struct {
    api: *const duckdb.Api,
    /// Pinned for the result's life: the database outlives every result of it.
    connection: Handle,
    conn: *Connection,
    streaming: bool,
    result: duckdb.Result = .{},
    has_result: bool = false,
    options: duckdb.ArrowOptions = null,
    schema: c.ArrowSchema = std.mem.zeroes(c.ArrowSchema),
    types: []duckdb.LogicalType = &.{},
    /// The chunk fetched and not yet adopted (a retry after `full` adopts it).
    pending: c.ArrowArray = std.mem.zeroes(c.ArrowArray),
    chunks: u64 = 0,
    done: bool = false,
    message: ?[]const u8 = null,
    message_owned: bool = false,
    taking: std.atomic.Value(bool) = .init(false),

    fn fail(result: *QueryResult, text: ?[*:0]const u8, fallback: []const u8) void {
        const span = if (text) |t| std.mem.span(t) else fallback;
        if (allocator.dupe(u8, if (span.len == 0) fallback else span)) |copy| {
            result.message = copy;
            result.message_owned = true;
        } else |_| result.message = "out of memory";
    }

    fn destroy(object: *anyopaque) void {
        const result: *QueryResult = @ptrCast(@alignCast(object));
        const api = result.api;
        if (result.pending.release) |release| release(&result.pending);
        if (result.schema.release) |release| release(&result.schema);
        for (result.types) |*t| api.duckdb_destroy_logical_type(t);
        allocator.free(result.types);
        if (result.options != null) api.duckdb_destroy_arrow_options(&result.options);
        if (result.has_result) api.duckdb_destroy_result(&result.result);
        if (result.message_owned) allocator.free(result.message.?);
        if (result.streaming) result.conn.releaseBusy();
        handles.global.unpin(result.connection);
        allocator.destroy(result);
    }

    /// The schema of the result's columns, from DuckDB's types and names.
    fn describe(result: *QueryResult) bool {
        const api = result.api;
        result.options = api.duckdb_result_get_arrow_options(&result.result);
        const count = api.duckdb_column_count(&result.result);
        result.types = allocator.alloc(duckdb.LogicalType, count) catch return false;
        @memset(result.types, null);
        const names = allocator.alloc([*:0]const u8, count) catch return false;
        defer allocator.free(names);
        for (0..count) |i| {
            result.types[i] = api.duckdb_column_logical_type(&result.result, i);
            names[i] = api.duckdb_column_name(&result.result, i) orelse "";
        }
        var err = api.duckdb_to_arrow_schema(result.options, result.types.ptr, names.ptr, count, &result.schema);
        defer api.duckdb_destroy_error_data(&err);
        if (api.duckdb_error_data_has_error(err)) {
            result.fail(api.duckdb_error_data_message(err), "DuckDB could not describe the result as Arrow");
            return false;
        }
        return true;
    }

    /// Fetches the next chunk into `pending`; false at the end or on an error (`message` set).
    fn fetch(result: *QueryResult) bool {
        const api = result.api;
        var chunk = api.duckdb_fetch_chunk(result.result);
        if (chunk == null) {
            if (api.duckdb_result_error(&result.result)) |text| {
                result.fail(text, "DuckDB failed while producing the result");
                return false;
            }
            // A result of no rows still has its columns: one empty chunk carries them. It is the last:
            // a streamed result fetched again past its end is an error in DuckDB.
            if (result.chunks > 0) return false;
            chunk = api.duckdb_create_data_chunk(result.types.ptr, result.types.len);
            if (chunk == null) return false;
            result.done = true;
        }
        defer api.duckdb_destroy_data_chunk(&chunk);
        var err = api.duckdb_data_chunk_to_arrow(result.options, chunk, &result.pending);
        defer api.duckdb_destroy_error_data(&err);
        if (api.duckdb_error_data_has_error(err)) {
            result.fail(api.duckdb_error_data_message(err), "DuckDB could not turn a chunk into Arrow");
            return false;
        }
        return result.pending.release != null;
    }
};

/// How a parameter is encoded in the buffer `zc_sql_query` takes: a tag byte,
/// then its value (bool: 1 byte; i64, f64: 8 bytes little-endian; text: a u32
/// length, then the bytes).
pub const ParameterTag = enum(u8) { null = 0, bool = 1, int64 = 2, float64 = 3, text = 4, _ };

fn bindAll(api: *const duckdb.Api, prepared: duckdb.Prepared, encoded: []const u8) ?[]const u8 {
    var at: usize = 0;
    var index: u64 = 1;
    while (at < encoded.len) : (index += 1) {
        const tag: ParameterTag = @fromBackingInt(@intCast(encoded[at]));
        at += 1;
        const state = switch (tag) {
            .null => api.duckdb_bind_null(prepared, index),
            .bool => blk: {
                if (at + 1 > encoded.len) return "a parameter is cut short";
                at += 1;
                break :blk api.duckdb_bind_boolean(prepared, index, encoded[at - 1] != 0);
            },
            .int64, .float64 => blk: {
                if (at + 8 > encoded.len) return "a parameter is cut short";
                const bits = std.mem.readInt(u64, encoded[at..][0..8], .little);
                at += 8;
                break :blk if (tag == .int64)
                    api.duckdb_bind_int64(prepared, index, @bitCast(bits))
                else
                    api.duckdb_bind_double(prepared, index, @bitCast(bits));
            },
            .text => blk: {
                if (at + 4 > encoded.len) return "a parameter is cut short";
                const len = std.mem.readInt(u32, encoded[at..][0..4], .little);
                at += 4;
                if (len > encoded.len - at) return "a parameter is cut short";
                at += len;
                break :blk api.duckdb_bind_varchar_length(prepared, index, encoded[at - len ..].ptr, len);
            },
            _ => return "a parameter has an unknown tag",
        };
        if (state != .success) return "DuckDB refused a parameter (is its number beyond the statement's?)";
    }
    if (index - 1 != api.duckdb_nparams(prepared)) return "the statement takes another number of parameters";
    return null;
}

/// Runs `sql` (with its parameters, or streaming) on the connection and fills `result`.
fn execute(result: *QueryResult, sql: [:0]const u8, parameters: ?[]const u8) void {
    const api = result.api;
    const connection = result.conn.connection;
    if (parameters == null and !result.streaming) {
        const state = api.duckdb_query(connection, sql.ptr, &result.result);
        result.has_result = true;
        if (state != .success) return result.fail(api.duckdb_result_error(&result.result), "DuckDB refused the query");
    } else {
        var prepared: duckdb.Prepared = null;
        defer api.duckdb_destroy_prepare(&prepared);
        if (api.duckdb_prepare(connection, sql.ptr, &prepared) != .success) {
            return result.fail(api.duckdb_prepare_error(prepared), "DuckDB could not prepare the statement");
        }
        if (bindAll(api, prepared, parameters orelse &.{})) |why| return result.fail(null, why);
        const state = if (result.streaming)
            api.duckdb_execute_prepared_streaming(prepared, &result.result)
        else
            api.duckdb_execute_prepared(prepared, &result.result);
        result.has_result = true;
        if (state != .success) return result.fail(api.duckdb_result_error(&result.result), "DuckDB refused the query");
    }
    _ = result.describe();
}

fn query(connection: Handle, sql_bytes: []const u8, parameters: ?[]const u8, streaming: bool, out: *u64) Status {
    if (std.mem.indexOfScalar(u8, sql_bytes, 0) != null) return .invalid_argument;
    const conn: *Connection = @ptrCast(@alignCast(handles.global.pin(connection, .sql_connection) orelse return .stale_handle));
    var keep_pin = false;
    defer if (!keep_pin) handles.global.unpin(connection);
    if (!conn.tryAcquire()) return .full;
    var keep_busy = false;
    defer if (!keep_busy) conn.releaseBusy();
    // Copies made before anything runs: the host's memory may change during a nonblocking call.
    const sql = allocator.dupeSentinel(u8, sql_bytes, 0) catch return .out_of_memory;
    defer allocator.free(sql);
    const encoded = if (parameters) |p| allocator.dupe(u8, p) catch return .out_of_memory else null;
    defer if (encoded) |e| allocator.free(e);
    const result = allocator.create(QueryResult) catch return .out_of_memory;
    result.* = .{ .api = conn.api, .connection = connection, .conn = conn, .streaming = streaming };
    execute(result, sql, encoded);
    const handle = handles.global.register(.sql_result, result) catch {
        result.streaming = false;
        keep_pin = true; // destroy unpins
        QueryResult.destroy(result);
        return .out_of_memory;
    };
    keep_pin = true;
    // A stream keeps the connection until it is closed; a failed one does not.
    keep_busy = streaming and result.message == null;
    if (!keep_busy) result.streaming = false;
    out.* = handle;
    return .ok;
}

fn take(handle: Handle, directory: []u8, slots: []zerocopy.Descriptor) Status {
    const result: *QueryResult = @ptrCast(@alignCast(handles.global.pin(handle, .sql_result) orelse return .stale_handle));
    defer handles.global.unpin(handle);
    if (result.taking.cmpxchgStrong(false, true, .acquire, .monotonic) != null) return .full;
    defer result.taking.store(false, .release);
    if (directory.len < foreign.header_bytes) return .invalid_argument;
    if (result.message != null) return .cancelled;
    if (result.pending.release == null) {
        if (result.done or !result.fetch()) {
            result.done = true;
            if (result.message != null) return .cancelled;
            @memset(directory[0..foreign.header_bytes], 0); // no node: the end
            return .ok;
        }
        result.chunks += 1;
    }
    const status = foreign.adopt(&result.schema, &result.pending, directory, slots);
    // Refused: released here; `full`: kept for the retry with more room.
    if (status != .ok and status != .full) {
        if (result.pending.release) |release| release(&result.pending);
        result.done = true;
    }
    return status;
}

pub const exports = struct {
    /// Exports Deno calls with `nonblocking: true`, on a worker thread.
    pub const nonblocking = .{ "zc_sql_query", "zc_sql_query_stream" };

    /// Opens the libduckdb at `path` (once per process; a later call must name
    /// the same file), then an in-memory database and a connection to it, and
    /// writes the connection's handle to `out`. `invalid_argument` when the
    /// library cannot be opened or lacks a function; `cancelled` when DuckDB
    /// cannot open the database.
    pub fn zc_sql_duckdb_open(path: ?[*]const u8, path_len: u64, out: ?*u64) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        const p = path orelse return .invalid_argument;
        const api = duckdb.load(p[0..@intCast(path_len)]) catch return .invalid_argument;
        const conn = allocator.create(Connection) catch return .out_of_memory;
        conn.* = .{ .api = api, .database = null, .connection = null };
        if (api.duckdb_open(null, &conn.database) != .success) {
            allocator.destroy(conn);
            return .cancelled;
        }
        if (api.duckdb_connect(conn.database, &conn.connection) != .success) {
            api.duckdb_close(&conn.database);
            allocator.destroy(conn);
            return .cancelled;
        }
        target.* = handles.global.register(.sql_connection, conn) catch {
            Connection.destroy(conn);
            return .out_of_memory;
        };
        return .ok;
    }

    /// Closes a connection and its database, now or once the last result or
    /// query using it is done. `stale_handle` for anything but a live connection.
    pub fn zc_sql_close(connection: u64) callconv(.c) Status {
        return if (handles.global.retire(connection, .sql_connection, Connection.destroy)) .ok else .stale_handle;
    }

    /// Runs the statements of `sql` (UTF-8, no NUL) to the end and writes a
    /// result handle to `out`, even for SQL DuckDB refused (its message is then
    /// read with `zc_sql_result_error`). With `parameters` (see `ParameterTag`),
    /// one statement prepared and bound. `full` while the connection is busy
    /// (a query or a stream of it); `stale_handle` for a closed connection.
    pub fn zc_sql_query(connection: u64, sql: ?[*]const u8, sql_len: u64, parameters: ?[*]const u8, parameters_len: u64, out: ?*u64) callconv(.c) Status {
        const s = sql orelse return .invalid_argument;
        const params: ?[]const u8 = if (parameters) |p| p[0..@intCast(parameters_len)] else null;
        return query(connection, s[0..@intCast(sql_len)], params, false, out orelse return .invalid_argument);
    }

    /// `zc_sql_query` for one statement whose chunks DuckDB produces as they
    /// are taken (prepared, with `parameters` bound when not null): the
    /// connection stays busy until the result is closed.
    pub fn zc_sql_query_stream(connection: u64, sql: ?[*]const u8, sql_len: u64, parameters: ?[*]const u8, parameters_len: u64, out: ?*u64) callconv(.c) Status {
        const s = sql orelse return .invalid_argument;
        const params: ?[]const u8 = if (parameters) |p| p[0..@intCast(parameters_len)] else null;
        return query(connection, s[0..@intCast(sql_len)], params, true, out orelse return .invalid_argument);
    }

    /// Copies the engine's message for a refused or failed query into `out`
    /// (up to `out_len` bytes) and returns its full length: 0 for none.
    pub fn zc_sql_result_error(result: u64, out: ?[*]u8, out_len: u64) callconv(.c) u64 {
        const r: *QueryResult = @ptrCast(@alignCast(handles.global.pin(result, .sql_result) orelse return 0));
        defer handles.global.unpin(result);
        const message = r.message orelse return 0;
        if (out) |o| @memcpy(o[0..@min(message.len, out_len)], message[0..@min(message.len, out_len)]);
        return message.len;
    }

    /// Adopts the result's next chunk as foreign.zig's `zc_arrow_foreign_adopt`
    /// does (the same directory, the same `full` to retry with more room, the
    /// same refusals); a directory of no node is the end. `cancelled` when the
    /// engine failed while producing it (`zc_sql_result_error` says why).
    pub fn zc_sql_result_take(result: u64, directory: ?[*]u8, directory_len: u64, buffers: ?[*]u8, buffers_len: u64) callconv(.c) Status {
        const d = directory orelse return .invalid_argument;
        const slots: []zerocopy.Descriptor = if (buffers) |b| slots: {
            if (!std.mem.isAligned(@intFromPtr(b), @alignOf(zerocopy.Descriptor))) return .invalid_argument;
            const typed: [*]zerocopy.Descriptor = @ptrCast(@alignCast(b));
            break :slots typed[0..@intCast(buffers_len)];
        } else &.{};
        return take(result, d[0..@intCast(directory_len)], slots);
    }

    /// Gives a result back to DuckDB: a stream's connection is free again.
    /// Buffers already adopted stay valid. `stale_handle` for anything but a live result.
    pub fn zc_sql_result_close(result: u64) callconv(.c) Status {
        return if (handles.global.retire(result, .sql_result, QueryResult.destroy)) .ok else .stale_handle;
    }
};
