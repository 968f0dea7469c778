//! The SQL exports of libzerocopy: DuckDB's connection, queries and results
//! (duckdb.zig) and Arrow sources registered with it (duckdb_scan.zig), all
//! named by handle.

const duckdb = @import("duckdb.zig");
const scan = @import("duckdb_scan.zig");

pub const exports = struct {
    pub const nonblocking = duckdb.exports.nonblocking;
    pub const zc_sql_duckdb_open = duckdb.exports.zc_sql_duckdb_open;
    pub const zc_sql_close = duckdb.exports.zc_sql_close;
    pub const zc_sql_query = duckdb.exports.zc_sql_query;
    pub const zc_sql_query_stream = duckdb.exports.zc_sql_query_stream;
    pub const zc_sql_result_error = duckdb.exports.zc_sql_result_error;
    pub const zc_sql_result_take = duckdb.exports.zc_sql_result_take;
    pub const zc_sql_result_close = duckdb.exports.zc_sql_result_close;
    pub const zc_sql_source_create = scan.exports.zc_sql_source_create;
    pub const zc_sql_source_add = scan.exports.zc_sql_source_add;
    pub const zc_sql_source_add_batch = scan.exports.zc_sql_source_add_batch;
    pub const zc_sql_source_close = scan.exports.zc_sql_source_close;
    pub const zc_sql_register = scan.exports.zc_sql_register;
    pub const zc_sql_unregister = scan.exports.zc_sql_unregister;
    pub const zc_sql_connection_error = scan.exports.zc_sql_connection_error;
};

test {
    _ = @import("duckdb_scan_test.zig");
}
