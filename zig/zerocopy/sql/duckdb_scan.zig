//! Arrow data registered with DuckDB as a view over a table function whose
//! callbacks are these: DuckDB scans the batches in place, reading only the
//! columns a query projects, as many times and from as many threads as its
//! queries want. Nothing runs on the host's thread during a scan.
//!
//! A source is a copy, in Zig memory, of the C Data structs of each batch
//! (never of their buffers), checked by the Arrow reader when it is added: the
//! scan follows only pointers Zig copied, and checks every offset it reads
//! (of strings and bytes) against the character buffer's length the last
//! offset gave when the batch was added (the host's lend checked the offsets
//! against the buffers then), and every dictionary index against the
//! dictionary's length, so memory the host can still write changes values,
//! never where a read goes. The host keeps the buffers alive until the source is closed
//! (src/sql/register_source.ts).
//!
//! DuckDB cannot drop a table function, so the function only knows its source
//! by handle: once the source is unregistered, a query that still names the
//! function is refused at bind, and no scan can start.

const std = @import("std");
const duckdb = @import("duckdb_api.zig");
const c = @import("../arrow/c_data.zig");
const reader = @import("../arrow/reader.zig");
const batch_memory = @import("../arrow/batch.zig");
const handles = @import("../handles.zig");
const zerocopy = @import("../zerocopy.zig");
const sql = @import("duckdb.zig");
const vectors = @import("duckdb_vectors.zig");
const strings = @import("duckdb_strings.zig");
const dictionaries = @import("duckdb_dictionary.zig");
const maps = @import("duckdb_maps.zig");
const Node = vectors.Node;
const max_fields = vectors.max_fields;
const Status = zerocopy.Status;
const Handle = handles.Handle;
const allocator = zerocopy.default_allocator.*;

const Batch = struct { rows: usize, columns: []Node };
/// Up to a vector's worth of rows of one batch: what one scan call emits.
const Unit = struct { batch: u32, first: usize, rows: usize };

pub const Source = struct {
    arena: std.heap.ArenaAllocator,
    batches: std.ArrayList(Batch) = .empty,
    units: std.ArrayList(Unit) = .empty,
    rows: u64 = 0,
    registered: bool = false,
    /// Where it is registered: only that connection's `zc_sql_unregister` of that name closes it.
    connection: Handle = 0,
    view: []const u8 = "",
    /// Batches this library handed over, held until the source goes.
    pins: std.ArrayList(batch_memory.Pinned) = .empty,

    fn destroy(object: *anyopaque) void {
        const source: *Source = @ptrCast(@alignCast(object));
        for (source.pins.items) |pinned| pinned.unpin();
        source.arena.deinit();
        allocator.destroy(source);
    }

    /// Copies and checks one batch's structs (lent for this call only); every
    /// buffer must lie in `memory` when it is known.
    fn add(source: *Source, schema: *const c.ArrowSchema, array: *const c.ArrowArray, memory: ?[]const u8, vector_size: usize) (reader.Error || error{OutOfMemory})!void {
        const arena = source.arena.allocator();
        const root = try reader.Column.initWithin(schema, array, 0, .{ .memory = memory, .maps = true });
        if (root.kind != .@"struct" or array.null_count > 0 or root.childCount() == 0) return error.InvalidLayout;
        const columns = try arena.alloc(Node, root.childCount());
        for (columns, 0..) |*column, i| column.* = try copy(arena, try root.child(i));
        const batch: Batch = .{ .rows = root.len(), .columns = columns };
        if (source.batches.items.len > 0) {
            const first = source.batches.items[0].columns;
            if (first.len != columns.len) return error.InvalidLayout;
            for (first, columns) |a, b| if (!a.sameShape(b)) return error.InvalidLayout;
        }
        const index: u32 = @intCast(source.batches.items.len);
        try source.batches.append(arena, batch);
        var first: usize = 0;
        while (first < batch.rows) : (first += vector_size) {
            try source.units.append(arena, .{ .batch = index, .first = first, .rows = @min(vector_size, batch.rows - first) });
        }
        source.rows += batch.rows;
    }
};

/// Whether the scan fills DuckDB's vectors from this kind (duckdb_vectors.zig); the reader knows more.
fn scannable(kind: reader.Kind) bool {
    return switch (kind) {
        .int, .float, .bool, .utf8, .large_utf8, .binary, .large_binary, .timestamp => true,
        .date32, .date64, .time, .duration, .fixed_size_list, .list, .large_list, .@"struct" => true,
        .fixed_size_binary, .interval, .map => true,
        // DuckDB's DECIMAL holds up to 38 digits, at a scale from 0 to its precision: a decimal256
        // of no more is read (each value checked to fit), as DuckDB's own Arrow scan refuses any.
        .decimal => |d| d.precision <= 38 and d.scale >= 0 and d.scale <= d.precision,
    };
}

fn copy(arena: std.mem.Allocator, column: reader.Column) (reader.Error || error{OutOfMemory})!Node {
    if (!scannable(column.kind)) return error.UnsupportedFormat;
    const array = column.array;
    const format = column.schema.formatString();
    const start = column.shift + @as(usize, @intCast(array.offset));
    var node: Node = .{
        .kind = column.kind,
        .zoned = column.kind == .timestamp and format.len > 4,
        .name = try arena.dupeSentinel(u8, column.schema.nameString(), 0),
        .start = start,
        .length = column.len(),
        .validity = if (array.null_count != 0) array.buffer(0) else null,
        .values = array.buffer(1),
        .characters = if (column.kind.isBinary()) array.buffer(2) else null,
        .characters_len = 0,
        .children = try arena.alloc(Node, column.childCount()),
    };
    if (node.children.len > max_fields) return error.OverBudget;
    if (try column.dictionary()) |values| {
        // Values by index (apache-arrow makes every string column so): each index is checked against
        // the dictionary's length when a scan reads it. Values of one level, written one by one.
        if (values.childCount() > 0 or values.schema.dictionary != null) return error.UnsupportedFormat;
        const dictionary = try arena.create(Node);
        dictionary.* = try copy(arena, values);
        node.dictionary = dictionary;
    }
    if (column.kind.isBinary() and node.length > 0) {
        // The last offset bounds the characters a scan may read: each offset a scan reads is checked
        // against it then (the host may rewrite offsets meanwhile), so none is walked here: O(1) in rows.
        const first = strings.offset(node, start);
        const last = strings.offset(node, start + node.length);
        if (first < 0 or last < first) return error.InvalidLayout;
        node.characters_len = std.math.cast(usize, last) orelse return error.InvalidLayout;
        if (node.characters_len > 0 and node.characters == null) return error.InvalidLayout;
        if (column.memory) |memory| if (node.characters) |characters| {
            const at = @intFromPtr(characters) -% @intFromPtr(memory.ptr);
            if (@intFromPtr(characters) < @intFromPtr(memory.ptr) or at > memory.len or node.characters_len > memory.len - at) return error.InvalidLayout;
        };
    }
    for (node.children, 0..) |*child, i| child.* = try copy(arena, try column.child(i));
    if (node.kind == .map and !maps.checkable(node.children[0].children[0])) return error.UnsupportedFormat;
    return node;
}

/// What DuckDB keeps with the function: its source's handle, and nothing it could outlive.
const FunctionInfo = struct { source: Handle };
/// What a query bound: the source, pinned until DuckDB drops the plan.
const BindData = struct { handle: Handle, source: *Source };
/// One scan of a query: the next unit to emit, and the columns it projects.
const ScanState = struct { next: std.atomic.Value(usize) = .init(0), columns: []u64 };
/// One thread of a scan: the dictionaries it wrote out for the batch it scans.
const ThreadState = struct { dictionaries: dictionaries.Cache = .{} };

fn freeFunctionInfo(data: ?*anyopaque) callconv(.c) void {
    allocator.destroy(@as(*FunctionInfo, @ptrCast(@alignCast(data orelse return))));
}

fn freeBindData(data: ?*anyopaque) callconv(.c) void {
    const bound: *BindData = @ptrCast(@alignCast(data orelse return));
    handles.global.unpin(bound.handle);
    allocator.destroy(bound);
}

fn freeScanState(data: ?*anyopaque) callconv(.c) void {
    const state: *ScanState = @ptrCast(@alignCast(data orelse return));
    allocator.free(state.columns);
    allocator.destroy(state);
}

fn freeThreadState(data: ?*anyopaque) callconv(.c) void {
    const state: *ThreadState = @ptrCast(@alignCast(data orelse return));
    state.dictionaries.deinit(duckdb.get(), allocator);
    allocator.destroy(state);
}

fn bind(info: duckdb.BindInfo) callconv(.c) void {
    const api = duckdb.get();
    const function: *FunctionInfo = @ptrCast(@alignCast(api.duckdb_bind_get_extra_info(info) orelse return));
    const object = handles.global.pin(function.source, .sql_source) orelse
        return api.duckdb_bind_set_error(info, "this Arrow source was unregistered: register it again");
    const source: *Source = @ptrCast(@alignCast(object));
    const bound = allocator.create(BindData) catch {
        handles.global.unpin(function.source);
        return api.duckdb_bind_set_error(info, "out of memory");
    };
    bound.* = .{ .handle = function.source, .source = source };
    api.duckdb_bind_set_bind_data(info, bound, freeBindData);
    for (source.batches.items[0].columns) |column| {
        var t = vectors.logicalType(api, column);
        defer api.duckdb_destroy_logical_type(&t);
        api.duckdb_bind_add_result_column(info, column.name.ptr, t);
    }
    api.duckdb_bind_set_cardinality(info, source.rows, true);
}

fn init(info: duckdb.InitInfo) callconv(.c) void {
    const api = duckdb.get();
    const bound: *BindData = @ptrCast(@alignCast(api.duckdb_init_get_bind_data(info) orelse return));
    const count = api.duckdb_init_get_column_count(info);
    const state = allocator.create(ScanState) catch return api.duckdb_init_set_error(info, "out of memory");
    const columns = allocator.alloc(u64, count) catch {
        allocator.destroy(state);
        return api.duckdb_init_set_error(info, "out of memory");
    };
    for (columns, 0..) |*column, i| column.* = api.duckdb_init_get_column_index(info, i);
    state.* = .{ .columns = columns };
    api.duckdb_init_set_init_data(info, state, freeScanState);
    api.duckdb_init_set_max_threads(info, @max(1, bound.source.units.items.len));
}

fn initThread(info: duckdb.InitInfo) callconv(.c) void {
    const api = duckdb.get();
    const state = allocator.create(ThreadState) catch return api.duckdb_init_set_error(info, "out of memory");
    state.* = .{};
    api.duckdb_init_set_init_data(info, state, freeThreadState);
}

/// DuckDB's message for a column the scan could not fill (it copies it).
fn setError(api: *const duckdb.Api, info: duckdb.FunctionInfo, column: []const u8, err: strings.ScanError) void {
    const what = switch (err) {
        error.OutOfBounds => "an offset or dictionary index points past its data (or changed after it was registered: do not write to a registered source)",
        error.OutOfRange => "a value does not fit its DuckDB type (a decimal of more digits than its precision or than DuckDB's 38, a date or duration out of range)",
        error.OutOfMemory => "out of memory",
        error.InvalidMap => "a map has a null key or the same key twice, which DuckDB's MAP cannot hold",
    };
    var message: [640:0]u8 = undefined;
    const text = std.fmt.bufPrintSentinel(&message, "column \"{s}\" of a registered Arrow source: {s}", .{ column[0..@min(column.len, 256)], what }, 0) catch unreachable;
    api.duckdb_function_set_error(info, text.ptr);
}

fn scan(info: duckdb.FunctionInfo, output: duckdb.DataChunk) callconv(.c) void {
    const api = duckdb.get();
    const bound: *BindData = @ptrCast(@alignCast(api.duckdb_function_get_bind_data(info) orelse return));
    const state: *ScanState = @ptrCast(@alignCast(api.duckdb_function_get_init_data(info) orelse return));
    const thread: *ThreadState = @ptrCast(@alignCast(api.duckdb_function_get_local_init_data(info) orelse return));
    const source = bound.source;
    const index = state.next.fetchAdd(1, .monotonic);
    if (index >= source.units.items.len) return api.duckdb_data_chunk_set_size(output, 0);
    const unit = source.units.items[index];
    const batch = source.batches.items[unit.batch];
    thread.dictionaries.enter(api, unit.batch);
    for (state.columns, 0..) |column, j| {
        // Anything past the source's columns (a row id DuckDB asks for) stays unwritten.
        if (column >= batch.columns.len) continue;
        const node = batch.columns[column];
        const vector = api.duckdb_data_chunk_get_vector(output, j);
        const filled = if (dictionaries.selectable(node))
            dictionaries.fillSelection(api, &thread.dictionaries, allocator, node, vector, unit.first, unit.rows)
        else
            vectors.fill(api, node, vector, unit.first, unit.rows);
        filled catch |err| return setError(api, info, node.name, err);
    }
    api.duckdb_data_chunk_set_size(output, unit.rows);
}

var function_counter = std.atomic.Value(u64).init(0);

/// `"name"` with every quote doubled, as a SQL identifier.
fn appendIdentifier(list: *std.ArrayList(u8), name: []const u8) error{OutOfMemory}!void {
    try list.append(allocator, '"');
    for (name) |byte| {
        if (byte == '"') try list.append(allocator, '"');
        try list.append(allocator, byte);
    }
    try list.append(allocator, '"');
}

/// Runs a statement of the connection's own, keeping DuckDB's message on failure.
fn run(conn: *sql.Connection, statement: [:0]const u8) Status {
    const api = conn.api;
    var result: duckdb.Result = .{};
    defer api.duckdb_destroy_result(&result);
    if (api.duckdb_query(conn.connection, statement.ptr, &result) == .success) return .ok;
    conn.setMessage(std.mem.span(api.duckdb_result_error(&result) orelse "DuckDB refused the statement"));
    return .invalid_argument;
}

fn register(conn: *sql.Connection, connection: Handle, source_handle: Handle, name: []const u8) Status {
    const api = conn.api;
    const source: *Source = @ptrCast(@alignCast(handles.global.pin(source_handle, .sql_source) orelse return .stale_handle));
    defer handles.global.unpin(source_handle);
    if (source.registered or source.batches.items.len == 0) return .invalid_argument;
    const view = source.arena.allocator().dupe(u8, name) catch return .out_of_memory;
    var function_name: [40:0]u8 = undefined;
    const fname = std.fmt.bufPrintSentinel(&function_name, "zerocopy_arrow_scan_{d}", .{function_counter.fetchAdd(1, .monotonic)}, 0) catch unreachable;
    var function = api.duckdb_create_table_function();
    defer api.duckdb_destroy_table_function(&function);
    const info = allocator.create(FunctionInfo) catch return .out_of_memory;
    info.* = .{ .source = source_handle };
    api.duckdb_table_function_set_name(function, fname.ptr);
    api.duckdb_table_function_set_extra_info(function, info, freeFunctionInfo);
    api.duckdb_table_function_set_bind(function, bind);
    api.duckdb_table_function_set_init(function, init);
    api.duckdb_table_function_set_local_init(function, initThread);
    api.duckdb_table_function_set_function(function, scan);
    api.duckdb_table_function_supports_projection_pushdown(function, true);
    if (api.duckdb_register_table_function(conn.connection, function) != .success) {
        conn.setMessage("DuckDB refused the scan's table function");
        return .invalid_argument;
    }
    var statement: std.ArrayList(u8) = .empty;
    defer statement.deinit(allocator);
    statement.appendSlice(allocator, "create temporary view ") catch return .out_of_memory;
    appendIdentifier(&statement, name) catch return .out_of_memory;
    statement.print(allocator, " as select * from {s}()\x00", .{fname}) catch return .out_of_memory;
    const status = run(conn, statement.items[0 .. statement.items.len - 1 :0]);
    if (status != .ok) return status;
    source.registered = true;
    source.connection = connection;
    source.view = view;
    return .ok;
}

fn unregister(conn: *sql.Connection, connection: Handle, source_handle: Handle, name: []const u8) Status {
    // A live source of another connection or view, or never registered, stays as it is: this
    // connection's view of that name (of another source, or of the user's own) is not dropped either.
    const source: *Source = @ptrCast(@alignCast(handles.global.pin(source_handle, .sql_source) orelse return .stale_handle));
    const owned = source.registered and source.connection == connection and std.mem.eql(u8, source.view, name);
    handles.global.unpin(source_handle);
    if (!owned) return .invalid_argument;
    var statement: std.ArrayList(u8) = .empty;
    defer statement.deinit(allocator);
    statement.appendSlice(allocator, "drop view if exists ") catch return .out_of_memory;
    appendIdentifier(&statement, name) catch return .out_of_memory;
    statement.append(allocator, 0) catch return .out_of_memory;
    // The source goes first, whatever DuckDB says next: its function refuses to bind from now on.
    if (!handles.global.retire(source_handle, .sql_source, Source.destroy)) return .stale_handle;
    return run(conn, statement.items[0 .. statement.items.len - 1 :0]);
}

/// The connection, pinned and held busy for one statement of the host's thread.
fn withConnection(connection: Handle, name: ?[*]const u8, name_len: u64, source: Handle, comptime action: fn (*sql.Connection, Handle, Handle, []const u8) Status) Status {
    const n = (name orelse return .invalid_argument)[0..@intCast(name_len)];
    if (n.len == 0 or std.mem.indexOfScalar(u8, n, 0) != null) return .invalid_argument;
    const conn: *sql.Connection = @ptrCast(@alignCast(handles.global.pin(connection, .sql_connection) orelse return .stale_handle));
    defer handles.global.unpin(connection);
    if (!conn.tryAcquire()) return .full;
    defer conn.releaseBusy();
    return action(conn, connection, source, n);
}

pub const exports = struct {
    /// A new, empty Arrow source for `zc_sql_register`, its handle written to `out`.
    pub fn zc_sql_source_create(out: ?*u64) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        const source = allocator.create(Source) catch return .out_of_memory;
        source.* = .{ .arena = .init(allocator) };
        target.* = handles.global.register(.sql_source, source) catch {
            Source.destroy(source);
            return .out_of_memory;
        };
        return .ok;
    }

    /// Adds a batch to a source not yet registered: its structs (lent for this
    /// call) are checked and copied, its buffers are not and must outlive the
    /// source. Every batch must have the first's columns. `invalid_argument`
    /// for a refused batch (`unsupported_format` names none: the host checked
    /// the formats), `stale_handle` for anything but a live source.
    pub fn zc_sql_source_add(source: u64, schema: ?*const c.ArrowSchema, array: ?*const c.ArrowArray) callconv(.c) Status {
        const s = schema orelse return .invalid_argument;
        const a = array orelse return .invalid_argument;
        const object: *Source = @ptrCast(@alignCast(handles.global.pin(source, .sql_source) orelse return .stale_handle));
        defer handles.global.unpin(source);
        if (object.registered) return .invalid_argument;
        const api = duckdb.getIfLoaded() orelse return .invalid_argument;
        object.add(s, a, null, @intCast(api.duckdb_vector_size())) catch |err| return switch (err) {
            error.OutOfMemory => .out_of_memory,
            else => .invalid_argument,
        };
        return .ok;
    }

    /// Adds a batch this library handed over (its descriptor, or any copy of
    /// it), read from the structs in Zig's memory and held by the source: a
    /// release of the batch meanwhile frees it once the source is closed.
    /// O(columns). `invalid_argument` for anything but a live batch of this
    /// library, or one of other columns than the first.
    pub fn zc_sql_source_add_batch(source: u64, batch: ?*const zerocopy.Descriptor) callconv(.c) Status {
        const pinned = batch_memory.pin(batch orelse return .invalid_argument) orelse return .invalid_argument;
        const object: *Source = @ptrCast(@alignCast(handles.global.pin(source, .sql_source) orelse {
            pinned.unpin();
            return .stale_handle;
        }));
        defer handles.global.unpin(source);
        const api = duckdb.getIfLoaded() orelse {
            pinned.unpin();
            return .invalid_argument;
        };
        if (object.registered) {
            pinned.unpin();
            return .invalid_argument;
        }
        object.pins.append(object.arena.allocator(), pinned) catch {
            pinned.unpin();
            return .out_of_memory;
        };
        object.add(pinned.schema(), pinned.array(), pinned.memory(), @intCast(api.duckdb_vector_size())) catch |err| return switch (err) {
            error.OutOfMemory => .out_of_memory,
            else => .invalid_argument,
        };
        return .ok;
    }

    /// Makes a source queryable on a connection as the temporary view `name`
    /// (UTF-8, no NUL). `invalid_argument` when DuckDB refuses (the message is
    /// read with `zc_sql_connection_error`), `full` while the connection is busy.
    pub fn zc_sql_register(connection: u64, source: u64, name: ?[*]const u8, name_len: u64) callconv(.c) Status {
        return withConnection(connection, name, name_len, source, register);
    }

    /// Drops the view `name` and closes the source: it is refused from now on,
    /// and freed once no query uses it. `invalid_argument`, and nothing
    /// dropped or closed, unless the source is registered on this connection
    /// as `name`.
    pub fn zc_sql_unregister(connection: u64, source: u64, name: ?[*]const u8, name_len: u64) callconv(.c) Status {
        return withConnection(connection, name, name_len, source, unregister);
    }

    /// Closes a source that was never registered.
    pub fn zc_sql_source_close(source: u64) callconv(.c) Status {
        return if (handles.global.retire(source, .sql_source, Source.destroy)) .ok else .stale_handle;
    }

    /// Copies DuckDB's message for the connection's last refused registration
    /// into `out` (up to `out_len` bytes) and returns its full length.
    pub fn zc_sql_connection_error(connection: u64, out: ?[*]u8, out_len: u64) callconv(.c) u64 {
        const conn: *sql.Connection = @ptrCast(@alignCast(handles.global.pin(connection, .sql_connection) orelse return 0));
        defer handles.global.unpin(connection);
        const message = conn.message.items;
        if (out) |o| @memcpy(o[0..@min(message.len, out_len)], message[0..@min(message.len, out_len)]);
        return message.len;
    }
};
