# Sourced by the SQL peers: sets VENV to a venv under .toolchain/ (git-ignored) with Python's duckdb (the
# release the subpath embeds, a 21 MB wheel, seconds from the pip cache) and pyarrow, pinned, installed
# once. Each peer names its own venv ($1) since the two run in different lanes, side by side.
DUCKDB_VERSION=1.5.6
PYARROW_VERSION=21.0.0
VENV=.toolchain/$1-duckdb-$DUCKDB_VERSION-pyarrow-$PYARROW_VERSION
if ! "$VENV/bin/python" -c "import duckdb, pyarrow" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "duckdb==$DUCKDB_VERSION" "pyarrow==$PYARROW_VERSION"
fi
