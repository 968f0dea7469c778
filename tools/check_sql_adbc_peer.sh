#!/usr/bin/env bash
# Python's duckdb and pyarrow as an independent peer of the SQL subpath's ADBC drivers: the same table
# ingested through SQLite's, DuckDB's and PostgreSQL's drivers (a throwaway server, tools/postgres.sh),
# the queries of tools/sql_adbc_peer_queries.json compared value by value with Python's duckdb on the
# same data.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/toolchain.sh
tools/adbc_drivers.sh >/dev/null
. tools/sql_peer_venv.sh sql-adbc-peer
export -f deno_with_registry
export ZEROCOPY_ROOT VENV
tools/postgres.sh bash -c 'deno_with_registry run --allow-ffi --allow-read --allow-env tools/sql_adbc_peer_results.ts |
  "$VENV/bin/python" tools/sql_adbc_peer_check.py'
