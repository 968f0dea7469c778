"""Python's duckdb and pyarrow as an independent peer of the SQL subpath.

Reads the JSON lines tools/sql_peer_results.ts printed (stdin), runs each query
in Python's duckdb (the same release the subpath embeds), reads its result with
pyarrow, and requires the same column names and the same values, tagged by the
kind pyarrow gives each column. Timestamps compare as apache-arrow's getter gives
them: milliseconds since the epoch, a number.
"""

import json
import sys

import duckdb
import pyarrow as pa


def tagged(kind: pa.DataType, value):
    if value is None:
        return None
    if pa.types.is_integer(kind):
        return ["i", str(value)]
    if pa.types.is_floating(kind):
        return ["f", value]
    if pa.types.is_string(kind):
        return ["s", value]
    if pa.types.is_boolean(kind):
        return ["b", value]
    if pa.types.is_timestamp(kind):
        per_ms = {"s": 1e-3, "ms": 1, "us": 1e3, "ns": 1e6}[kind.unit]
        return ["t", value / per_ms]
    raise SystemExit(f"sql peer: no tag for {kind}")


def main() -> None:
    connection = duckdb.connect()
    checked = 0
    for line in sys.stdin:
        deno = json.loads(line)
        table = connection.sql(deno["sql"]).to_arrow_table()
        columns = table.column_names
        columns_as_int = [
            col.cast(pa.int64()) if pa.types.is_timestamp(col.type) else col for col in table.columns
        ]
        rows = [
            [tagged(table.schema.field(c).type, columns_as_int[c][r].as_py()) for c in range(len(columns))]
            for r in range(table.num_rows)
        ]
        if deno["columns"] != columns or deno["rows"] != rows:
            for r, (ours, theirs) in enumerate(zip(deno["rows"], rows)):
                if ours != theirs:
                    raise SystemExit(f"sql peer: {deno['sql']!r} row {r}: Deno read {ours}, pyarrow {theirs}")
            raise SystemExit(
                f"sql peer: {deno['sql']!r}: Deno read {deno['columns']} x {len(deno['rows'])} rows, "
                f"pyarrow {columns} x {len(rows)}"
            )
        checked += len(rows)
    print(f"sql peer: {checked} rows agree with duckdb {duckdb.__version__} and pyarrow {pa.__version__}")


if __name__ == "__main__":
    main()
