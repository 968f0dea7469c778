/**
 * SQL over Arrow with no copy on this side: DuckDB embedded in memory, its
 * query results read as apache-arrow tables whose columns view the Arrow
 * buffers the engine produced, given back to it exactly once, and Arrow data
 * Zig handed over registered as views DuckDB scans in place. libzerocopy
 * drives DuckDB; JavaScript only names its objects by handle. A subpath of
 * its own, so that only its users load DuckDB (from the npm package
 * `@duckdb/node-bindings-linux-x64`: Deno fetches it into its npm cache,
 * Node and Bun install it as this package's optional dependency). The same
 * `Connection` reaches SQLite, PostgreSQL or any other engine through its
 * ADBC driver (`connect({ driver })`). docs/sql.md says what works so far and
 * what is checked.
 *
 * @example Aggregate with DuckDB, read as Arrow
 * ```ts
 * import { connect } from "@zerocopy/zerocopy/sql";
 *
 * using conn = await connect();
 * using result = await conn.query("select sum(i)::bigint as total from range(1000) t(i)");
 * console.log(result.table.getChild("total")?.get(0)); // 499500n
 * ```
 *
 * @module
 */

export { connect, type ConnectOptions } from "./src/sql/connect.ts";
export { Connection, type RegisterSource } from "./src/sql/connection.ts";
export type { IngestMode, IngestSource, SqlValue } from "./src/sql/engine.ts";
export { QueryResult } from "./src/sql/query_result.ts";
export { QueryStream } from "./src/sql/query_stream.ts";
export { DUCKDB_VERSION } from "./src/sql/duckdb_library.ts";
export { ADBC_DRIVERS_VERSION } from "./src/sql/adbc/driver.ts";
