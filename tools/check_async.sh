#!/usr/bin/env bash
# Nonblocking wrappers and records in CI, in seconds: a hand edit of a
# generated async wrapper or record layout fails the bindings check with its
# line, and examples/progress.ts runs to the end and cancels cleanly on small sizes.
set -uo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$ZEROCOPY_ROOT"

fail() { echo "check_async: $*" >&2; exit 1; }

stale() { # file, sed expression, build file
  local file=$1 edit=$2 backup
  backup=$(mktemp)
  cp "$file" "$backup"
  sed -i "$edit" "$file"
  cmp -s "$file" "$backup" && { rm -f "$backup"; fail "the edit of $file did not apply: update its sed pattern"; }
  output=$(zig build bindings-check --build-file "$3" 2>&1)
  local status=$?
  cp "$backup" "$file"
  rm -f "$backup"
  [ $status -ne 0 ] || fail "bindings-check passed on an edited $file"
  grep -q "${file##*/} is stale: line [0-9]* differs" <<<"$output" || fail "bindings-check did not name the stale line of $file: $output"
}
stale src/demo/demo_bindings.ts 's/const call = startCall("zc_histogram", options, \[descriptor\], \[\], true);/const call = startCall("zc_histogram", options, [descriptor], [], false);/' build.zig
stale examples/zig_author/bindings.ts 's/"offset": 12,/"offset": 8,/' examples/zig_author/build.zig

deno run --allow-ffi examples/progress.ts 16 >/dev/null || fail "examples/progress.ts failed"
deno run --allow-ffi examples/progress.ts 64 500 50 >/dev/null
[ $? = 130 ] || fail "examples/progress.ts did not cancel cleanly with status 130"
echo "check_async: stale async wrappers and record layouts caught, the progress example completes and cancels cleanly"
