"""Python's duckdb and pyarrow as an independent peer of the SQL subpath.

Reads the JSON lines tools/sql_peer_results.ts printed (stdin), runs each query
in Python's duckdb (the same release the subpath embeds), reads its result with
pyarrow, and requires the same column names and the same values, tagged by the
kind pyarrow gives each column (tools/sql_peer_common.py).
"""

import json
import sys

import duckdb
import pyarrow as pa

from sql_peer_common import require_same, tagged_rows


def main() -> None:
    connection = duckdb.connect()
    checked = 0
    for line in sys.stdin:
        deno = json.loads(line)
        table = connection.sql(deno["sql"]).to_arrow_table()
        rows = tagged_rows(table)
        require_same(f"sql peer: {deno['sql']!r}", deno, table.column_names, rows)
        checked += len(rows)
    if checked == 0:
        raise SystemExit("sql peer: no results read")
    print(f"sql peer: {checked} rows agree with duckdb {duckdb.__version__} and pyarrow {pa.__version__}")


if __name__ == "__main__":
    main()
