// Runs each query of tools/sql_peer_queries.json through the SQL subpath and prints
// one JSON line per query: its column names and its tagged rows (tools/sql_peer_rows.ts),
// for tools/sql_peer_check.py
// to compare with what Python's duckdb and pyarrow read from the same SQL.
//   deno run --allow-ffi --allow-read --allow-env tools/sql_peer_results.ts

import { connect } from "../sql.ts";
import { taggedRows } from "./sql_peer_rows.ts";

const queries: string[] = JSON.parse(
  await Deno.readTextFile(new URL("sql_peer_queries.json", import.meta.url)),
);

using conn = await connect();
for (const sql of queries) {
  using result = await conn.query(sql);
  console.log(JSON.stringify({ sql, ...taggedRows(result) }));
}
