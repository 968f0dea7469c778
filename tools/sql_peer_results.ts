// Runs each query of tools/sql_peer_queries.json through the SQL subpath and prints
// one JSON line per query: its column names and its rows, each value tagged with
// the kind its Arrow type gives it ("i" integer as a decimal string, "f" float,
// "s" string, "b" bool, "t" timestamp as apache-arrow's getter gives it: milliseconds),
// for tools/sql_peer_check.py
// to compare with what Python's duckdb and pyarrow read from the same SQL.
//   deno run --allow-ffi --allow-read --allow-env tools/sql_peer_results.ts

import { type DataType, Type } from "apache-arrow";
import { connect } from "../sql.ts";

const queries: string[] = JSON.parse(
  await Deno.readTextFile(new URL("sql_peer_queries.json", import.meta.url)),
);

function tagged(type: DataType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case Type.Int:
      return ["i", String(value)];
    case Type.Float:
      return ["f", value];
    case Type.Utf8:
      return ["s", value];
    case Type.Bool:
      return ["b", value];
    case Type.Timestamp:
      return ["t", value];
    default:
      throw new Error(`no tag for ${type}`);
  }
}

using conn = await connect();
for (const sql of queries) {
  using result = await conn.query(sql);
  const table = result.table;
  const fields = result.batches.length > 0 ? table.schema.fields : [];
  const rows: unknown[][] = [];
  for (let row = 0; row < table.numRows; row++) {
    rows.push(fields.map((field) => tagged(field.type, table.getChild(field.name)!.get(row))));
  }
  console.log(JSON.stringify({ sql, columns: fields.map((field) => field.name), rows }));
}
