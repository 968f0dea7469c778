#!/usr/bin/env bash
# The checked library makes freed memory inaccessible: a read after free
# (tests/checked/read_after_free.ts) must die of SIGSEGV there, every time.
# Needs `zig build checked-lib`. Takes about a second.
set -uo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$ZEROCOPY_ROOT"
ensure_toolchain
out=$(ZEROCOPY_LIB="$ZEROCOPY_ROOT/zig-out/checked/libzerocopy.so" \
  deno run --allow-ffi --allow-env=ZEROCOPY_LIB tests/checked/read_after_free.ts 2>&1)
rc=$?
echo "$out"
if [ "$rc" != 139 ]; then
  echo "check_use_after_free: expected SIGSEGV (exit 139) from the checked library, got exit $rc" >&2
  exit 1
fi
echo "check_use_after_free: the read after free faulted (exit 139)"
