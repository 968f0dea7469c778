#!/usr/bin/env bash
# Python's duckdb and pyarrow as an independent peer of the SQL subpath: the same queries through
# tools/sql_peer_results.ts and tools/sql_peer_check.py, compared value by value.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/toolchain.sh
. tools/sql_peer_venv.sh sql-peer
deno_with_registry run --allow-ffi --allow-read --allow-env tools/sql_peer_results.ts | "$VENV/bin/python" tools/sql_peer_check.py
