// Loads the same table into each ADBC driver (SQLite, DuckDB's driver, and PostgreSQL when
// ZEROCOPY_POSTGRES_URI names a server) through bulk ingest, runs each query of
// tools/sql_adbc_peer_queries.json and prints one JSON line per driver and query: column names and
// tagged rows (tools/sql_peer_rows.ts), for tools/sql_adbc_peer_check.py to compare with Python's duckdb and pyarrow
// on the same data (built there in SQL from the same formulas).
//   deno run --allow-ffi --allow-read --allow-env tools/sql_adbc_peer_results.ts

import { Float64, Int32, Table, Utf8, vectorFromArray } from "apache-arrow";
import { connect } from "../sql.ts";
import { taggedRows } from "./sql_peer_rows.ts";

const ROWS = 5000;
const queries: string[] = JSON.parse(
  await Deno.readTextFile(new URL("sql_adbc_peer_queries.json", import.meta.url)),
);
const ids = Array.from({ length: ROWS }, (_, i) => i);
// The formulas tools/sql_adbc_peer_check.py builds the same table from.
const peer = new Table({
  id: vectorFromArray(ids, new Int32()),
  v: vectorFromArray(ids.map((i) => i * 1.5), new Float64()),
  s: vectorFromArray(ids.map((i) => (i % 7 === 3 ? null : `r${i}`)), new Utf8()),
  g: vectorFromArray(ids.map((i) => i % 10), new Int32()),
});

const uri = Deno.env.get("ZEROCOPY_POSTGRES_URI");
const targets = [
  { driver: "sqlite", uri: ":memory:" },
  { driver: "duckdb", uri: undefined },
  ...(uri === undefined ? [] : [{ driver: "postgresql", uri }]),
];
for (const target of targets) {
  await using conn = await connect(target);
  const table = `peer_${Deno.pid}`;
  await conn.ingest(table, peer);
  for (const template of queries) {
    const sql = template.replaceAll("peer", table);
    using result = await conn.query(sql);
    console.log(JSON.stringify({ driver: target.driver, sql: template, ...taggedRows(result) }));
  }
  (await conn.query(`drop table ${table}`))[Symbol.dispose]();
}
