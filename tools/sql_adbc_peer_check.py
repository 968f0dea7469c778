"""Python's duckdb and pyarrow as an independent peer of the SQL subpath's ADBC drivers.

Reads the JSON lines tools/sql_adbc_peer_results.ts printed (stdin): for each driver, the rows a query
gave over a table Deno built and ingested through that driver. Builds the same table in Python's duckdb
from the same formulas, runs each query there, reads the result with pyarrow and requires the same
column names and values, tagged by kind (tools/sql_peer_common.py; integers of any width compare as
integers).
"""

import json
import sys

import duckdb
import pyarrow as pa

from sql_peer_common import require_same, tagged_rows


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
            expected[sql] = (table.column_names, tagged_rows(table))
        columns, rows = expected[sql]
        require_same(f"sql adbc peer: {deno['driver']} {sql!r}", deno, columns, rows)
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
