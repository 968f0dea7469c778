"""Python's duckdb and pyarrow as an independent peer of the SQL subpath's ADBC drivers.

Reads the JSON lines tools/sql_adbc_peer_results.ts printed (stdin): for each driver, the rows a query
gave over a table Deno built and ingested through that driver. Builds the same table in Python's duckdb
from the same formulas, runs each query there, reads the result with pyarrow and requires the same
column names and values, tagged by kind (integers of any width compare as integers).
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
    raise SystemExit(f"sql adbc peer: no tag for {kind}")


def main() -> None:
    connection = duckdb.connect()
    connection.sql(
        "create table peer as select i::integer as id, i * 1.5::double as v, "
        "case when i % 7 = 3 then null else 'r' || i end as s, (i % 10)::integer as g from range(5000) t(i)"
    )
    expected = {}
    checked = 0
    drivers = set()
    for line in sys.stdin:
        deno = json.loads(line)
        sql = deno["sql"]
        if sql not in expected:
            table = connection.sql(sql).to_arrow_table()
            rows = [
                [tagged(table.schema.field(c).type, table.column(c)[r].as_py()) for c in range(table.num_columns)]
                for r in range(table.num_rows)
            ]
            expected[sql] = (table.column_names, rows)
        columns, rows = expected[sql]
        if deno["columns"] != columns or deno["rows"] != rows:
            for r, (ours, theirs) in enumerate(zip(deno["rows"], rows)):
                if ours != theirs:
                    raise SystemExit(f"sql adbc peer: {deno['driver']} {sql!r} row {r}: Deno read {ours}, pyarrow {theirs}")
            raise SystemExit(
                f"sql adbc peer: {deno['driver']} {sql!r}: Deno read {deno['columns']} x {len(deno['rows'])} rows, "
                f"pyarrow {columns} x {len(rows)}"
            )
        checked += len(rows)
        drivers.add(deno["driver"])
    if not drivers:
        raise SystemExit("sql adbc peer: no results read")
    print(
        f"sql adbc peer: {checked} rows from {', '.join(sorted(drivers))} agree with duckdb {duckdb.__version__} "
        f"and pyarrow {pa.__version__}"
    )


if __name__ == "__main__":
    main()
