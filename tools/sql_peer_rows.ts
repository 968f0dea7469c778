// What the SQL peers' Deno halves share: a result's column names and rows, each value tagged with the
// kind its Arrow type gives it ("i" integer as a decimal string, "f" float, "s" string, "b" bool, "t"
// timestamp as apache-arrow's getter gives it: milliseconds), the way tools/sql_peer_common.py tags
// what Python's duckdb and pyarrow read.

import { type DataType, Type } from "apache-arrow";
import type { QueryResult } from "../sql.ts";

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

/** The column names and tagged rows of `result`. */
export function taggedRows(result: QueryResult): { columns: string[]; rows: unknown[][] } {
  const fields = result.batches.length > 0 ? result.table.schema.fields : [];
  const rows: unknown[][] = [];
  for (let row = 0; row < result.numRows; row++) {
    rows.push(fields.map((field) => tagged(field.type, result.table.getChild(field.name)!.get(row))));
  }
  return { columns: fields.map((field) => field.name), rows };
}
