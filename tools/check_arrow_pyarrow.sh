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
# Through Deno both ways: Zig's batch imported by Deno, then read by pyarrow; pyarrow's batches read by Deno
# and lent to Zig (tools/arrow_pyarrow_deno.ts), as IPC streams in a temporary directory.
ipc=$(mktemp -d)
trap 'rm -rf "$ipc"' EXIT
deno run --allow-ffi --allow-read --allow-write="$ipc" tools/arrow_pyarrow_deno.ts write "$ipc" "${1:-2000}"
"$VENV/bin/python" tools/arrow_pyarrow_types_check.py zig-out/lib/libzerocopy.so "${1:-2000}" --ipc-dir="$ipc"
deno run --allow-ffi --allow-read tools/arrow_pyarrow_deno.ts read "$ipc"
if [ -e zig-out/checked/libzerocopy.so ]; then
  "$VENV/bin/python" tools/arrow_pyarrow_check.py zig-out/checked/libzerocopy.so 200
  "$VENV/bin/python" tools/arrow_pyarrow_types_check.py zig-out/checked/libzerocopy.so 200
fi
