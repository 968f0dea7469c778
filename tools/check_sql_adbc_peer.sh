#!/usr/bin/env bash
# Python's duckdb and pyarrow as an independent peer of the SQL subpath's ADBC drivers: the same table
# ingested through SQLite's, DuckDB's and PostgreSQL's drivers (a throwaway server, tools/postgres.sh),
# the queries of tools/sql_adbc_peer_queries.json compared value by value with Python's duckdb on the
# same data. The pinned Python packages are those of tools/check_sql_peer.sh, in a venv of their own
# (the two checks run in different lanes, side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/toolchain.sh
tools/adbc_drivers.sh >/dev/null
DUCKDB_VERSION=1.5.6
PYARROW_VERSION=21.0.0
VENV=.toolchain/sql-adbc-peer-duckdb-$DUCKDB_VERSION-pyarrow-$PYARROW_VERSION
if ! "$VENV/bin/python" -c "import duckdb, pyarrow" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "duckdb==$DUCKDB_VERSION" "pyarrow==$PYARROW_VERSION"
fi
export -f deno_with_registry
export ZEROCOPY_ROOT VENV
tools/postgres.sh bash -c 'deno_with_registry run --allow-ffi --allow-read --allow-env tools/sql_adbc_peer_results.ts |
  "$VENV/bin/python" tools/sql_adbc_peer_check.py'
