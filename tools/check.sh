#!/usr/bin/env bash
# Every check, as CI runs it (.ci/run). Bootstraps the pinned toolchains, builds,
# runs the Zig and Deno suites and the linters, and ends with one line:
#   total: N passed, N failed
# where N counts each test of every suite and each lint/format/publish check.
set -uo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$ZEROCOPY_ROOT"
ensure_toolchain || { echo "total: 0 passed, 1 failed"; exit 1; }

passed=0
failed=0
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

report() { # name outcome passed failed seconds
  printf '%-28s %-4s %4d passed %3d failed %4ds\n' "$1" "$2" "$3" "$4" "$5"
  passed=$((passed + $3))
  failed=$((failed + $4))
}

run() { # name command...: runs it, shows its output only on failure
  local name=$1 log="$logs/$1.log"
  shift
  local start=$SECONDS
  "$@" >"$log" 2>&1
  echo $? >"$logs/$name.rc"
  LAST_SECONDS=$((SECONDS - start))
  [ "$(cat "$logs/$name.rc")" = 0 ] || { echo "---- $name failed: $*"; tail -n 60 "$log"; echo "----"; }
}

check() { # name command...: a check that counts as one test
  run "$@"
  if [ "$(cat "$logs/$1.rc")" = 0 ]; then report "$1" ok 1 0 "$LAST_SECONDS"; else report "$1" FAIL 0 1 "$LAST_SECONDS"; fi
}

zig_tests() { # name zig-build-flags...
  local name=$1
  shift
  run "$name" zig build test "$@" --summary all
  set -- "$name"
  local counts
  counts=$(sed -n 's/.*; \([0-9]*\)\/\([0-9]*\) tests passed.*/\1 \2/p' "$logs/$1.log" | tail -n 1)
  if [ -n "$counts" ]; then
    set -- "$1" $counts
    local outcome=ok
    [ "$2" = "$3" ] && [ "$(cat "$logs/$1.rc")" = 0 ] || outcome=FAIL
    report "$1" "$outcome" "$2" $(($3 - $2)) "$LAST_SECONDS"
  else
    report "$1" FAIL 0 1 "$LAST_SECONDS"
  fi
}

deno_tests() { # name deno-test-args...
  local name=$1
  shift
  run "$name" deno_with_registry test --quiet --junit-path="$logs/$name.xml" "$@"
  local counts
  counts=$([ -s "$logs/$name.xml" ] && python3 tools/count_junit.py "$logs/$name.xml")
  if [ -n "$counts" ]; then
    set -- $counts
    local outcome=ok
    [ "$2" = 0 ] && [ "$(cat "$logs/$name.rc")" = 0 ] || outcome=FAIL
    report "$name" "$outcome" "$1" "$2" "$LAST_SECONDS"
  else
    report "$name" FAIL 0 1 "$LAST_SECONDS"
  fi
}

check "zig fmt" zig fmt --check build.zig build.zig.zon zig examples bench/zig
zig_tests "zig test (Debug)"
zig_tests "zig test (ReleaseSafe)" --release=safe
check "zig build" zig build --release=safe install fixtures
check "deno fmt" deno fmt --check
check "deno lint" deno lint
check "deno check" deno_with_registry check mod.ts src examples tests bench
check "deno doc --lint" deno doc --lint mod.ts
check "deno publish --dry-run" deno publish --dry-run --allow-dirty
deno_tests "deno test" --allow-ffi --allow-env=ZEROCOPY_LIB --allow-read=mod.ts,src,tests tests/*_test.ts
deno_tests "deno test (gc)" --v8-flags=--expose-gc --allow-ffi tests/gc/
deno_tests "deno test (no ffi)" tests/permissions/no_ffi_test.ts
deno_tests "deno test (scoped ffi)" --allow-ffi=zig-out/lib tests/permissions/scoped_ffi_test.ts
deno_tests "deno test --doc" --doc --allow-ffi mod.ts src/

echo "total: $passed passed, $failed failed"
[ "$failed" = 0 ]
