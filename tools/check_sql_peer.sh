#!/usr/bin/env bash
# Python's duckdb and pyarrow as an independent peer of the SQL subpath: the same queries through
# tools/sql_peer_results.ts and tools/sql_peer_check.py, compared value by value. Both are pinned and
# installed once into .toolchain/ (git-ignored): duckdb is a 21 MB wheel, seconds from the pip cache.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/toolchain.sh
DUCKDB_VERSION=1.5.6
PYARROW_VERSION=21.0.0
VENV=.toolchain/sql-peer-duckdb-$DUCKDB_VERSION-pyarrow-$PYARROW_VERSION
if ! "$VENV/bin/python" -c "import duckdb, pyarrow" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "duckdb==$DUCKDB_VERSION" "pyarrow==$PYARROW_VERSION"
fi
deno_with_registry run --allow-ffi --allow-read --allow-env tools/sql_peer_results.ts | "$VENV/bin/python" tools/sql_peer_check.py
