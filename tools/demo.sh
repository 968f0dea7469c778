#!/usr/bin/env bash
# The demo from a fresh clone: bootstraps the pinned toolchains, builds the
# library, and runs the walkthrough in examples/demo.ts.
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$ZEROCOPY_ROOT"
ensure_toolchain
zig build --release=safe
deno run --allow-ffi examples/demo.ts
