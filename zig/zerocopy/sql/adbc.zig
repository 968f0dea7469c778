//! The structs of ADBC (Arrow Database Connectivity, adbc.h, API revision
//! 1.1.0) that a client calls a driver through: `AdbcDriver`'s function table
//! as `AdbcDriverInit` fills it, and the database, connection, statement and
//! error structs the driver's functions take.

const std = @import("std");
const c = @import("../arrow/c_data.zig");
const ArrowArray = c.ArrowArray;
const ArrowArrayStream = c.ArrowArrayStream;
const ArrowSchema = c.ArrowSchema;

pub const StatusCode = u8;
pub const status_ok: StatusCode = 0;
pub const status_not_implemented: StatusCode = 2;

pub const version_1_0_0: c_int = 1_000_000;
pub const version_1_1_0: c_int = 1_001_000;

pub const Error = extern struct {
    message: ?[*:0]u8 = null,
    vendor_code: i32 = 0,
    sqlstate: [5]u8 = .{ 0, 0, 0, 0, 0 },
    release: ?*const fn (*Error) callconv(.c) void = null,
    private_data: ?*anyopaque = null,
    private_driver: ?*Driver = null,

    /// The driver's message, if any (valid until `deinit`).
    pub fn text(self: *const Error) []const u8 {
        return std.mem.span(self.message orelse return "");
    }

    pub fn deinit(self: *Error) void {
        if (self.release) |r| r(self);
        self.* = .{};
    }
};

/// What a database, connection or statement is to its driver.
pub const Object = extern struct {
    private_data: ?*anyopaque = null,
    private_driver: ?*Driver = null,
};
pub const Database = Object;
pub const Connection = Object;
pub const Statement = Object;

const Fn = fn () callconv(.c) void;

pub const Driver = extern struct {
    private_data: ?*anyopaque = null,
    private_manager: ?*anyopaque = null,
    release: ?*const fn (*Driver, *Error) callconv(.c) StatusCode = null,

    DatabaseInit: ?*const fn (*Database, *Error) callconv(.c) StatusCode = null,
    DatabaseNew: ?*const fn (*Database, *Error) callconv(.c) StatusCode = null,
    DatabaseSetOption: ?*const fn (*Database, [*:0]const u8, [*:0]const u8, *Error) callconv(.c) StatusCode = null,
    DatabaseRelease: ?*const fn (*Database, *Error) callconv(.c) StatusCode = null,

    ConnectionCommit: ?*const Fn = null,
    ConnectionGetInfo: ?*const Fn = null,
    ConnectionGetObjects: ?*const Fn = null,
    ConnectionGetTableSchema: ?*const Fn = null,
    ConnectionGetTableTypes: ?*const Fn = null,
    ConnectionInit: ?*const fn (*Connection, *Database, *Error) callconv(.c) StatusCode = null,
    ConnectionNew: ?*const fn (*Connection, *Error) callconv(.c) StatusCode = null,
    ConnectionSetOption: ?*const Fn = null,
    ConnectionReadPartition: ?*const Fn = null,
    ConnectionRelease: ?*const fn (*Connection, *Error) callconv(.c) StatusCode = null,
    ConnectionRollback: ?*const Fn = null,

    StatementBind: ?*const fn (*Statement, *ArrowArray, *ArrowSchema, *Error) callconv(.c) StatusCode = null,
    StatementBindStream: ?*const fn (*Statement, *ArrowArrayStream, *Error) callconv(.c) StatusCode = null,
    StatementExecuteQuery: ?*const fn (*Statement, ?*ArrowArrayStream, ?*i64, *Error) callconv(.c) StatusCode = null,
    StatementExecutePartitions: ?*const Fn = null,
    StatementGetParameterSchema: ?*const Fn = null,
    StatementNew: ?*const fn (*Connection, *Statement, *Error) callconv(.c) StatusCode = null,
    StatementPrepare: ?*const fn (*Statement, *Error) callconv(.c) StatusCode = null,
    StatementRelease: ?*const fn (*Statement, *Error) callconv(.c) StatusCode = null,
    StatementSetOption: ?*const fn (*Statement, [*:0]const u8, [*:0]const u8, *Error) callconv(.c) StatusCode = null,
    StatementSetSqlQuery: ?*const fn (*Statement, [*:0]const u8, *Error) callconv(.c) StatusCode = null,
    StatementSetSubstraitPlan: ?*const Fn = null,

    /// The functions added in 1.1.0, filled only when the driver accepts that
    /// revision: never called here, but the driver may write all of them.
    revision_1_1_0: [32]?*const Fn = @splat(null),
};

pub const InitFn = *const fn (version: c_int, driver: *anyopaque, err: *Error) callconv(.c) StatusCode;

comptime {
    std.debug.assert(@sizeOf(Error) == 48);
    std.debug.assert(@offsetOf(Driver, "StatementSetSubstraitPlan") == 8 * 28);
    std.debug.assert(@offsetOf(Driver, "StatementExecuteQuery") == 8 * 20);
}
