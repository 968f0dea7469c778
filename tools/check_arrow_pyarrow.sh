#!/usr/bin/env bash
# pyarrow as an independent peer of the Arrow C Data Interface (tools/arrow_pyarrow_check.py, and
# tools/arrow_pyarrow_types_check.py for dictionaries, dates, decimals, binaries, lists, ...), against the
# release library and the checked one. pyarrow is pinned and installed once into .toolchain/ (git-ignored);
# from the pip cache that takes seconds, from the network about 20 s.
set -euo pipefail
cd "$(dirname "$0")/.."
PYARROW_VERSION=21.0.0
VENV=.toolchain/pyarrow-$PYARROW_VERSION
if ! "$VENV/bin/python" -c "import pyarrow" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "pyarrow==$PYARROW_VERSION"
fi
"$VENV/bin/python" tools/arrow_pyarrow_check.py zig-out/lib/libzerocopy.so "${1:-2000}"
"$VENV/bin/python" tools/arrow_pyarrow_types_check.py zig-out/lib/libzerocopy.so "${1:-2000}"
if [ -e zig-out/checked/libzerocopy.so ]; then
  "$VENV/bin/python" tools/arrow_pyarrow_check.py zig-out/checked/libzerocopy.so 200
  "$VENV/bin/python" tools/arrow_pyarrow_types_check.py zig-out/checked/libzerocopy.so 200
fi
