//! The part of DuckDB's C API (duckdb.h, 1.5) that the SQL exports call,
//! bound by name from the libduckdb the host names by path: opened once per
//! process with `std.DynLib`, never searched for. Only Zig calls it; the host
//! sees handles (duckdb.zig), never a DuckDB pointer.

const std = @import("std");
const c = @import("../arrow/c_data.zig");

pub const idx_t = u64;
pub const State = enum(c_int) { success = 0, failure = 1, _ };

pub const Database = ?*anyopaque;
pub const Connection = ?*anyopaque;
pub const Prepared = ?*anyopaque;
pub const LogicalType = ?*anyopaque;
pub const DataChunk = ?*anyopaque;
pub const Vector = ?*anyopaque;
pub const ArrowOptions = ?*anyopaque;
pub const ErrorData = ?*anyopaque;
pub const TableFunction = ?*anyopaque;
pub const BindInfo = ?*anyopaque;
pub const InitInfo = ?*anyopaque;
pub const FunctionInfo = ?*anyopaque;
pub const SelectionVector = ?*anyopaque;
/// `sel_t`: a row of the vector a selection picks.
pub const sel_t = u32;

/// `duckdb_result`: passed by value to `duckdb_fetch_chunk`, so its layout matters.
pub const Result = extern struct {
    deprecated_column_count: idx_t = 0,
    deprecated_row_count: idx_t = 0,
    deprecated_rows_changed: idx_t = 0,
    deprecated_columns: ?*anyopaque = null,
    deprecated_error_message: ?[*:0]u8 = null,
    internal_data: ?*anyopaque = null,
};

/// `duckdb_string_t` holding a string of at most `inline_bytes` bytes in place.
pub const String = extern struct {
    length: u32,
    inlined: [inline_bytes]u8 = @splat(0),

    pub const inline_bytes = 12;
};

/// `duckdb_list_entry`, what a LIST vector holds: a range of its child's rows.
pub const ListEntry = extern struct { offset: u64, length: u64 };

/// `duckdb_interval`, what an INTERVAL vector holds.
pub const Interval = extern struct { months: i32, days: i32, micros: i64 };

comptime {
    std.debug.assert(@sizeOf(Interval) == 16);
    std.debug.assert(@sizeOf(ListEntry) == 16);
    std.debug.assert(@sizeOf(Result) == 48);
    std.debug.assert(@sizeOf(String) == 16);
}

/// duckdb.h's `DUCKDB_TYPE`, the values this module creates.
pub const Type = enum(c_int) {
    boolean = 1,
    tinyint = 2,
    smallint = 3,
    integer = 4,
    bigint = 5,
    utinyint = 6,
    usmallint = 7,
    uinteger = 8,
    ubigint = 9,
    float = 10,
    double = 11,
    timestamp = 12,
    date = 13,
    time = 14,
    interval = 15,
    varchar = 17,
    blob = 18,
    timestamp_s = 20,
    timestamp_ms = 21,
    timestamp_ns = 22,
    timestamp_tz = 31,
    _,
};

pub const DeleteCallback = *const fn (?*anyopaque) callconv(.c) void;
pub const BindCallback = *const fn (BindInfo) callconv(.c) void;
pub const InitCallback = *const fn (InitInfo) callconv(.c) void;
pub const ScanCallback = *const fn (FunctionInfo, DataChunk) callconv(.c) void;

/// Every function called, by its C name.
pub const Api = struct {
    duckdb_open: *const fn (?[*:0]const u8, *Database) callconv(.c) State,
    duckdb_close: *const fn (*Database) callconv(.c) void,
    duckdb_connect: *const fn (Database, *Connection) callconv(.c) State,
    duckdb_disconnect: *const fn (*Connection) callconv(.c) void,
    duckdb_query: *const fn (Connection, [*:0]const u8, *Result) callconv(.c) State,
    duckdb_result_error: *const fn (*Result) callconv(.c) ?[*:0]const u8,
    duckdb_destroy_result: *const fn (*Result) callconv(.c) void,
    duckdb_column_count: *const fn (*Result) callconv(.c) idx_t,
    duckdb_column_name: *const fn (*Result, idx_t) callconv(.c) ?[*:0]const u8,
    duckdb_column_logical_type: *const fn (*Result, idx_t) callconv(.c) LogicalType,
    duckdb_result_get_arrow_options: *const fn (*Result) callconv(.c) ArrowOptions,
    duckdb_destroy_arrow_options: *const fn (*ArrowOptions) callconv(.c) void,
    duckdb_fetch_chunk: *const fn (Result) callconv(.c) DataChunk,
    duckdb_create_data_chunk: *const fn ([*]LogicalType, idx_t) callconv(.c) DataChunk,
    duckdb_destroy_data_chunk: *const fn (*DataChunk) callconv(.c) void,
    duckdb_data_chunk_to_arrow: *const fn (ArrowOptions, DataChunk, *c.ArrowArray) callconv(.c) ErrorData,
    duckdb_to_arrow_schema: *const fn (ArrowOptions, [*]LogicalType, [*]const [*:0]const u8, idx_t, *c.ArrowSchema) callconv(.c) ErrorData,
    duckdb_error_data_has_error: *const fn (ErrorData) callconv(.c) bool,
    duckdb_error_data_message: *const fn (ErrorData) callconv(.c) ?[*:0]const u8,
    duckdb_destroy_error_data: *const fn (*ErrorData) callconv(.c) void,
    duckdb_prepare: *const fn (Connection, [*:0]const u8, *Prepared) callconv(.c) State,
    duckdb_prepare_error: *const fn (Prepared) callconv(.c) ?[*:0]const u8,
    duckdb_destroy_prepare: *const fn (*Prepared) callconv(.c) void,
    duckdb_nparams: *const fn (Prepared) callconv(.c) idx_t,
    duckdb_bind_null: *const fn (Prepared, idx_t) callconv(.c) State,
    duckdb_bind_boolean: *const fn (Prepared, idx_t, bool) callconv(.c) State,
    duckdb_bind_int64: *const fn (Prepared, idx_t, i64) callconv(.c) State,
    duckdb_bind_double: *const fn (Prepared, idx_t, f64) callconv(.c) State,
    duckdb_bind_varchar_length: *const fn (Prepared, idx_t, [*]const u8, idx_t) callconv(.c) State,
    duckdb_execute_prepared: *const fn (Prepared, *Result) callconv(.c) State,
    duckdb_execute_prepared_streaming: *const fn (Prepared, *Result) callconv(.c) State,
    duckdb_create_logical_type: *const fn (Type) callconv(.c) LogicalType,
    duckdb_create_struct_type: *const fn ([*]LogicalType, [*]const [*:0]const u8, idx_t) callconv(.c) LogicalType,
    duckdb_create_array_type: *const fn (LogicalType, idx_t) callconv(.c) LogicalType,
    duckdb_create_decimal_type: *const fn (u8, u8) callconv(.c) LogicalType,
    duckdb_create_list_type: *const fn (LogicalType) callconv(.c) LogicalType,
    duckdb_create_map_type: *const fn (LogicalType, LogicalType) callconv(.c) LogicalType,
    duckdb_destroy_logical_type: *const fn (*LogicalType) callconv(.c) void,
    duckdb_vector_size: *const fn () callconv(.c) idx_t,
    duckdb_create_table_function: *const fn () callconv(.c) TableFunction,
    duckdb_destroy_table_function: *const fn (*TableFunction) callconv(.c) void,
    duckdb_table_function_set_name: *const fn (TableFunction, [*:0]const u8) callconv(.c) void,
    duckdb_table_function_set_extra_info: *const fn (TableFunction, ?*anyopaque, ?DeleteCallback) callconv(.c) void,
    duckdb_table_function_set_bind: *const fn (TableFunction, BindCallback) callconv(.c) void,
    duckdb_table_function_set_init: *const fn (TableFunction, InitCallback) callconv(.c) void,
    duckdb_table_function_set_local_init: *const fn (TableFunction, InitCallback) callconv(.c) void,
    duckdb_table_function_set_function: *const fn (TableFunction, ScanCallback) callconv(.c) void,
    duckdb_table_function_supports_projection_pushdown: *const fn (TableFunction, bool) callconv(.c) void,
    duckdb_register_table_function: *const fn (Connection, TableFunction) callconv(.c) State,
    duckdb_bind_get_extra_info: *const fn (BindInfo) callconv(.c) ?*anyopaque,
    duckdb_bind_add_result_column: *const fn (BindInfo, [*:0]const u8, LogicalType) callconv(.c) void,
    duckdb_bind_set_bind_data: *const fn (BindInfo, ?*anyopaque, ?DeleteCallback) callconv(.c) void,
    duckdb_bind_set_cardinality: *const fn (BindInfo, idx_t, bool) callconv(.c) void,
    duckdb_bind_set_error: *const fn (BindInfo, [*:0]const u8) callconv(.c) void,
    duckdb_init_get_bind_data: *const fn (InitInfo) callconv(.c) ?*anyopaque,
    duckdb_init_set_init_data: *const fn (InitInfo, ?*anyopaque, ?DeleteCallback) callconv(.c) void,
    duckdb_init_get_column_count: *const fn (InitInfo) callconv(.c) idx_t,
    duckdb_init_get_column_index: *const fn (InitInfo, idx_t) callconv(.c) idx_t,
    duckdb_init_set_max_threads: *const fn (InitInfo, idx_t) callconv(.c) void,
    duckdb_init_set_error: *const fn (InitInfo, [*:0]const u8) callconv(.c) void,
    duckdb_function_get_bind_data: *const fn (FunctionInfo) callconv(.c) ?*anyopaque,
    duckdb_function_get_init_data: *const fn (FunctionInfo) callconv(.c) ?*anyopaque,
    duckdb_function_get_local_init_data: *const fn (FunctionInfo) callconv(.c) ?*anyopaque,
    duckdb_function_set_error: *const fn (FunctionInfo, [*:0]const u8) callconv(.c) void,
    duckdb_data_chunk_set_size: *const fn (DataChunk, idx_t) callconv(.c) void,
    duckdb_data_chunk_get_vector: *const fn (DataChunk, idx_t) callconv(.c) Vector,
    duckdb_vector_get_data: *const fn (Vector) callconv(.c) ?[*]u8,
    duckdb_vector_ensure_validity_writable: *const fn (Vector) callconv(.c) void,
    duckdb_vector_get_validity: *const fn (Vector) callconv(.c) ?[*]u64,
    duckdb_vector_assign_string_element_len: *const fn (Vector, idx_t, [*]const u8, idx_t) callconv(.c) void,
    duckdb_struct_vector_get_child: *const fn (Vector, idx_t) callconv(.c) Vector,
    duckdb_array_vector_get_child: *const fn (Vector) callconv(.c) Vector,
    duckdb_list_vector_get_child: *const fn (Vector) callconv(.c) Vector,
    duckdb_list_vector_reserve: *const fn (Vector, idx_t) callconv(.c) State,
    duckdb_list_vector_set_size: *const fn (Vector, idx_t) callconv(.c) State,
    duckdb_create_vector: *const fn (LogicalType, idx_t) callconv(.c) Vector,
    duckdb_destroy_vector: *const fn (*Vector) callconv(.c) void,
    duckdb_vector_reference_vector: *const fn (Vector, Vector) callconv(.c) void,
    duckdb_slice_vector: *const fn (Vector, SelectionVector, idx_t) callconv(.c) void,
    duckdb_create_selection_vector: *const fn (idx_t) callconv(.c) SelectionVector,
    duckdb_destroy_selection_vector: *const fn (SelectionVector) callconv(.c) void,
    duckdb_selection_vector_get_data_ptr: *const fn (SelectionVector) callconv(.c) ?[*]sel_t,
};

const dynamic_library = @import("dynamic_library.zig");

/// libduckdb cannot be opened on this target (no `std.DynLib`).
pub const supported = dynamic_library.supported;

pub const LoadError = error{ Unsupported, OpenFailed, MissingSymbol, OtherLibrary };

var api: Api = undefined;
var loaded_path: [std.fs.max_path_bytes]u8 = undefined;
var loaded_len: usize = 0;
var loaded = std.atomic.Value(bool).init(false);
var lock: std.atomic.Mutex = .unlocked;

/// The API of the libduckdb at `path`, opened and bound the first time; a later
/// call must name the same file (one DuckDB per process), and the library stays
/// open for the process's life (DuckDB's threads may outlive a connection).
pub fn load(path: []const u8) LoadError!*const Api {
    if (!supported) return error.Unsupported;
    while (!lock.tryLock()) std.atomic.spinLoopHint();
    defer lock.unlock();
    if (loaded.load(.acquire)) {
        if (!std.mem.eql(u8, loaded_path[0..loaded_len], path)) return error.OtherLibrary;
        return &api;
    }
    if (path.len == 0 or path.len >= loaded_path.len or std.mem.indexOfScalar(u8, path, 0) != null) return error.OpenFailed;
    @memcpy(loaded_path[0..path.len], path);
    loaded_path[path.len] = 0;
    var library = dynamic_library.DynLib.openZ(loaded_path[0..path.len :0]) catch return error.OpenFailed;
    var found: Api = undefined;
    inline for (@typeInfo(Api).@"struct".field_names) |name| {
        @field(found, name) = library.lookup(@FieldType(Api, name), name) orelse {
            library.close();
            return error.MissingSymbol;
        };
    }
    api = found;
    loaded_len = path.len;
    loaded.store(true, .release);
    return &api;
}

/// The API if `load` succeeded already.
pub fn getIfLoaded() ?*const Api {
    return if (loaded.load(.acquire)) &api else null;
}

/// The API once `load` succeeded; for callbacks DuckDB makes after it.
pub fn get() *const Api {
    std.debug.assert(loaded.load(.acquire));
    return &api;
}
