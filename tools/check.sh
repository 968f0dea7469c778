#!/usr/bin/env bash
# Every check, as CI runs it (.ci/run). Bootstraps the pinned toolchains, builds each
# library once, runs the Zig and Deno suites and the linters in two lanes side by side
# (one per core), prints every step's time sorted, slowest first, and ends with one line:
#   total: N passed, N failed
# where N counts each test of every suite and each lint/format/publish check.
set -uo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$ZEROCOPY_ROOT"
ensure_toolchain || { echo "total: 0 passed, 1 failed"; exit 1; }

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
started=$SECONDS

# Steps run in background lanes, so each appends its result to one file instead of to shell variables.
report() { # name outcome passed failed seconds
  printf '%-36s %-4s %4d passed %3d failed %4ds\n' "$1" "$2" "$3" "$4" "$5"
  printf '%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5" >>"$logs/results"
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
  # A test may skip itself where it cannot run (the release thread under the checked build): not a failure.
  local skipped
  skipped=$(sed -n 's/.*tests passed (\([0-9]*\) skipped).*/\1/p' "$logs/$1.log" | tail -n 1)
  if [ -n "$counts" ]; then
    set -- "$1" $counts
    local outcome=ok
    [ "$(($2 + ${skipped:-0}))" = "$3" ] && [ "$(cat "$logs/$1.rc")" = 0 ] || outcome=FAIL
    report "$1" "$outcome" "$2" $(($3 - $2 - ${skipped:-0})) "$LAST_SECONDS"
  else
    report "$1" FAIL 0 1 "$LAST_SECONDS"
  fi
}

deno_tests() { # name deno-test-args...
  local name=$1
  shift
  # "deno check" type-checks every test file once; each run would check its own set of roots again.
  local no_check=--no-check
  [ "$1" = --doc ] && no_check=
  run "$name" deno_with_registry test $no_check --quiet --junit-path="$logs/$name.xml" "$@"
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

node_test_run() { # name command...: a run of node:test or bun:test, counted from its summary; a command
  # that cannot run on this machine says "<command>: skipped, <why>" and counts as skipped
  local name=$1
  run "$@"
  if grep -qE "^[a-z_]+: skipped, " "$logs/$name.log"; then
    report "$name" skip 0 0 "$LAST_SECONDS"
    return
  fi
  local passed failed
  passed=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p; s/^ *\([0-9]*\) pass$/\1/p' "$logs/$name.log" | tail -n 1)
  failed=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p; s/^ *\([0-9]*\) fail$/\1/p' "$logs/$name.log" | tail -n 1)
  if [ -n "$passed" ] && [ -n "$failed" ]; then
    local outcome=ok
    [ "$failed" = 0 ] && [ "$(cat "$logs/$name.rc")" = 0 ] || outcome=FAIL
    report "$name" "$outcome" "$passed" "$failed" "$LAST_SECONDS"
  else
    report "$name" FAIL 0 1 "$LAST_SECONDS"
  fi
}

portable_tests() { # name node|bun: the portable suite in Node or Bun, against the packed tarball
  node_test_run "$1" tools/check_portable.sh "$2" "$(cat "$logs/tarball")"
}

expect_abort() { # command...: succeeds when the command dies of SIGABRT naming the checked build
  local out
  out=$("$@" 2>&1)
  local rc=$?
  echo "$out"
  [ "$rc" = 134 ] && grep -q "zerocopy checked build" <<<"$out"
}

# The unit suite runs under each mapping with the release library: the Node-API one (the default)
# under a scoped --allow-ffi, with the GC suite, and the pointer-view one (ZEROCOPY_MAPPING) unscoped.
# The checked library, which also catches a double free, runs the unit suite under Node-API, the GC
# suite under both mappings, and the property suite under pointer-view. The unit suite includes
# tests/bindings_hostile_test.ts, which fuzzes every generated wrapper with hostile arguments
# (ZEROCOPY_BINDINGS_HOSTILE_RUNS calls per wrapper, 12 by default: about a second a run).
env_grant=ZEROCOPY_LIB,ZEROCOPY_MAPPING,ZEROCOPY_BINDINGS_HOSTILE_RUNS
read_grant=mod.ts,arrow.ts,sql.ts,src,tests
checked_lib="$ZEROCOPY_ROOT/zig-out/checked/libzerocopy.so"

# The libraries both lanes load, each built once: libzerocopy with the fixtures in one invocation,
# then the author example (the checked build starts the lane that uses it). Beside them, the
# generated-bindings check, which edits a generated file in place for a moment: nothing else reads
# the sources then. Stripped, LLVM compiles the ReleaseSafe libraries about three times faster; the
# author example and the fixtures are Debug, which Zig's own backend compiles in seconds. They are
# built for the host's prebuilt target (build.zig's dist_targets), so that the dist-check below
# finds the host's library already compiled, byte for byte the one users download.
host_target="linux-$(uname -m)"
host_query=$(sed -n "s/.*\.key = \"$host_target\", \.query = \"\([^\"]*\)\".*/\1/p" build.zig)
# A host that is no prebuilt target builds natively (and dist-check compiles on its own).
host_flags=()
[ -n "$host_query" ] && host_flags=(-Dtarget="$host_query")
build_libraries() {
  check "zig build" zig build --release=safe -Dstrip=true "${host_flags[@]}" -Dtest-libs-optimize=Debug \
    install fixtures
  check "zig build (author example)" zig build --build-file examples/zig_author/build.zig
}
check_sources() {
  check "zig fmt" zig fmt --check build.zig build.zig.zon zig examples bench/zig tools/cross
  check "generated bindings" tools/check_bindings.sh
  # The npm form, once, for the portable suite in both lanes (after the bindings check has put back
  # the file it edits); Node and Bun are installed for it.
  check "node and bun installed" ensure_runtimes
  check "npm pack" bash -c './tools/npm_pack.sh >"$1"' _ "$logs/tarball"
  check "file sizes (<= 450 lines)" tools/check_file_sizes.sh
  check "no import circles" deno run --allow-read --allow-run tools/check_import_cycles.ts
  check "only the gate makes pointers" deno run --allow-read tools/check_gate.ts --self-test
  check "only the runtime folder names one" deno run --allow-read tools/check_runtime_isolation.ts --self-test
  # Before the lanes: the ADBC suite and the portable suite's SQLite case in both lanes load them.
  check "ADBC drivers (pinned)" tools/adbc_drivers.sh
}

# The checked build and its Zig and Deno suites, and the JSR package.
lane_zig_and_checked() {
  # Only this lane's suites load the checked build, so it is built here rather than in the first phase.
  check "zig build (checked)" zig build --release=safe -Dstrip=true "${host_flags[@]}" checked-lib
  zig_tests "zig test (checked)" -Dchecked=true
  # Every export as a Node-API function, in Node and Bun, on the release, checked and author libraries.
  check "Node-API exports (Node, Bun)" tools/check_napi_exports.sh
  # Seeded, so a failure replays with the same -Dfuzz-seed; Debug, so every overflow is caught.
  check "arrow import fuzz (10 s)" zig build fuzz -Dfuzz-seconds=10
  check "unsupported exports refused" tools/check_bindings_errors.sh
  check "jsr: package, no Zig" tools/check_jsr_package.sh
  # More hostile calls where the page guard faults at the first byte past a buffer.
  ZEROCOPY_LIB=$checked_lib ZEROCOPY_BINDINGS_HOSTILE_RUNS=40 deno_tests "deno test (checked lib)" \
    --allow-ffi --allow-env=$env_grant --allow-read=$read_grant tests/*_test.ts
  ZEROCOPY_LIB=$checked_lib check "checked lib aborts" \
    expect_abort deno run --allow-ffi --allow-env=ZEROCOPY_LIB tests/checked/double_free.ts
  check "checked lib faults on read after free" tools/check_use_after_free.sh
  ZEROCOPY_LIB=$checked_lib portable_tests "portable suite (node, checked)" node
  ZEROCOPY_LIB=$checked_lib portable_tests "portable suite (bun, checked)" bun
  for mapping in node-api pointer-view; do
    ZEROCOPY_MAPPING=$mapping ZEROCOPY_LIB=$checked_lib deno_tests "deno test (gc, checked, $mapping)" \
      --v8-flags=--expose-gc --allow-ffi --allow-env=$env_grant --allow-read=$read_grant tests/gc/
  done
  ZEROCOPY_MAPPING=pointer-view ZEROCOPY_PROPERTY_RUNS=300 ZEROCOPY_LIB=$checked_lib \
    deno_tests "property tests (checked, pointer-view)" \
    --v8-flags=--expose-gc --allow-ffi --allow-env=$env_grant,ZEROCOPY_PROPERTY_RUNS,ZEROCOPY_HOSTILE_RUNS --allow-read=$read_grant tests/property/
  # Here, where the checked build it also runs under is built.
  lane_adbc
}

# The Zig suite and the prebuilt libraries, Deno hygiene, and the Deno suites against the ReleaseSafe library.
lane_deno() {
  zig_tests "zig test (Debug)"
  zig_tests "zig test (author example)" --build-file examples/zig_author/build.zig
  # The host's library rebuilt and compared; the other five checked against the manifest as committed
  # (`deno task dist-check` rebuilds all six: minutes from an empty cache).
  check "prebuilt libraries fresh (host)" zig build dist-check -Ddist-targets="$host_target"
  check "prebuilt libraries (static)" python3 tools/check_binaries.py
  check "deno fmt" deno fmt --check
  check "deno lint" deno lint
  check "deno check" deno_with_registry check mod.ts arrow.ts src examples tests bench
  check "deno doc --lint" deno doc --lint mod.ts arrow.ts sql.ts
  check "every public symbol has an @example" deno run --allow-read --allow-run tools/check_examples.ts
  check "deno publish --dry-run" deno publish --dry-run --allow-dirty
  check "README and docs code blocks" deno_with_registry check --doc-only README.md docs/*.md
  check "benchmark docs match results" deno run --allow-read --allow-run bench/report.ts --check-docs
  check "generated layout follows the source" tools/check_layout_source.sh
  ZEROCOPY_MAPPING=pointer-view deno_tests "deno test (pointer-view)" \
    --allow-ffi --allow-env=$env_grant --allow-read=$read_grant tests/*_test.ts
  check "soak (100k handovers)" deno run --allow-ffi --v8-flags=--expose-gc bench/soak.ts 100000
  ZEROCOPY_PROPERTY_RUNS=500 deno_tests "property tests (500 runs)" \
    --v8-flags=--expose-gc --allow-ffi --allow-env=$env_grant,ZEROCOPY_PROPERTY_RUNS,ZEROCOPY_HOSTILE_RUNS --allow-read=$read_grant tests/property/
  # The Node-API mapping with the release library runs under the least privilege the README promises:
  # ffi scoped to the built libraries, nothing else but the worker modules. What needs UnsafePointer
  # skips itself there (and runs under the checked library), and scoped_ffi_test.ts pins it.
  local scoped_ffi=zig-out,examples/zig_author/zig-out
  deno_tests "deno test (node-api, scoped ffi)" --v8-flags=--expose-gc --allow-ffi=$scoped_ffi --allow-read=$read_grant \
    tests/*_test.ts tests/gc/ tests/permissions/scoped_ffi_test.ts
  deno_tests "deno test (no ffi)" tests/permissions/no_ffi_test.ts
  deno_tests "deno test (other-path ffi)" --allow-ffi=zig-out/fixtures tests/permissions/other_path_ffi_test.ts
  ZEROCOPY_LIB=/nonexistent/libzerocopy.so deno_tests "deno test (denied env)" \
    --allow-ffi --deny-env=ZEROCOPY_LIB tests/permissions/denied_env_test.ts
  ZEROCOPY_LIB=/nonexistent/libzerocopy.so deno_tests "deno test (no env, prebuilt)" \
    --allow-ffi --allow-read=. tests/permissions/no_env_prebuilt_test.ts
  local remote_cache
  remote_cache=$(mktemp -d)
  ZEROCOPY_TEST_CACHE=$remote_cache deno_tests "deno test (remote library)" --allow-ffi --allow-net=127.0.0.1 \
    --allow-run --allow-env=ZEROCOPY_TEST_CACHE,ZEROCOPY_LIB \
    --allow-read=zig-out,lib,.toolchain,"$(realpath .toolchain)","$remote_cache" \
    --allow-write="$remote_cache" tests/remote/
  rm -rf "$remote_cache"
  local cache_ffi_home
  cache_ffi_home=$(mktemp -d)
  XDG_CACHE_HOME=$cache_ffi_home deno_tests "deno test (ffi scoped to the cache)" \
    --allow-ffi="$cache_ffi_home/deno/zerocopy" --allow-read=mod.ts,arrow.ts,src,tests,lib,"$cache_ffi_home" \
    --allow-write="$cache_ffi_home" --allow-env=XDG_CACHE_HOME,HOME tests/permissions/cache_ffi_test.ts
  rm -rf "$cache_ffi_home"
  deno_tests "deno test --doc" --doc --allow-ffi mod.ts arrow.ts sql.ts src/
  # The same suite in the three runtimes; in Node and Bun from the npm tarball installed with npm, on the
  # package's own prebuilt library (found, hash-checked and copied as a user's install does) when it is
  # the one this run built, else (lib/ not rebuilt yet: its own step fails) on the library this run built.
  local built=$ZEROCOPY_ROOT/zig-out/lib/libzerocopy.so npm_lib=
  cmp -s "$built" "lib/$host_target/libzerocopy.so" || npm_lib=$built
  ZEROCOPY_LIB=$npm_lib portable_tests "portable suite (node, npm tarball)" node
  ZEROCOPY_LIB=$npm_lib portable_tests "portable suite (bun, npm tarball)" bun
  # Windows x86_64's prebuilt DLL in Node for Windows under Wine: the API tests (tools/check_windows.sh).
  node_test_run "portable sample (node, windows, wine)" tools/check_windows.sh --sample "$(cat "$logs/tarball")"
  # The examples (all but Deno's network.ts) on small sizes, from the same tarball.
  local runtime
  for runtime in node bun; do
    ZEROCOPY_LIB=$npm_lib check "examples ($runtime, npm tarball)" \
      tools/check_examples_runtimes.sh "$runtime" "$(cat "$logs/tarball")"
  done
  local sqlite_driver=$ZEROCOPY_ROOT/.toolchain/adbc-drivers-$ADBC_DRIVERS_VERSION/libadbc_driver_sqlite.so
  ZEROCOPY_ADBC_SQLITE=$sqlite_driver deno_tests "portable suite (deno)" --v8-flags=--expose-gc --allow-ffi \
    --allow-env=$env_grant,ZEROCOPY_ADBC_SQLITE --allow-read=$read_grant,examples,"$sqlite_driver","$(realpath "$sqlite_driver")" \
    tests/portable/
  # Every command README.md, DEVELOPERS.md, docs/ and the example headers give (the examples on small
  # sizes), and README.md's code blocks with the values their comments promise.
  check "documented commands run" deno run --allow-read --allow-write --allow-run=bash,deno tools/check_doc_commands.ts
  check "pyarrow C Data peer" tools/check_arrow_pyarrow.sh
  check "DuckDB (Python) peer of SQL" tools/check_sql_peer.sh
  # The SQL comparison on small sizes: registering, the appender and getRows() still run side by side.
  check "SQL bench (smoke)" deno run -A bench/sql_bench.ts --smoke
}

# The SQL subpath through ADBC drivers (the pinned ones tools/adbc_drivers.sh installed before the lanes):
# the suite in tests/sql_adbc/ on SQLite, DuckDB's driver and a throwaway PostgreSQL server
# (tools/postgres.sh starts it for the three runs and removes it), and the Python peer.
lane_adbc() {
  local adbc_read=$read_grant,zig-out,.toolchain,$(realpath .toolchain)
  export -f run report check deno_tests deno_with_registry
  export logs read_grant checked_lib adbc_read ZEROCOPY_ROOT
  # shellcheck disable=SC2016 # expanded by the inner shell, which has the server's URI
  tools/postgres.sh bash -c '
    grants=(--allow-ffi --allow-env=ZEROCOPY_LIB,ZEROCOPY_MAPPING,ZEROCOPY_POSTGRES_URI --allow-read="$adbc_read")
    for mapping in node-api pointer-view; do
      ZEROCOPY_MAPPING=$mapping deno_tests "deno test (ADBC, $mapping)" --v8-flags=--expose-gc "${grants[@]}" \
        tests/sql_adbc/
    done
    ZEROCOPY_LIB=$checked_lib deno_tests "deno test (ADBC, checked)" "${grants[@]}" tests/sql_adbc/
    check "bench: PostgreSQL ingest (smoke)" deno_with_registry run --allow-ffi --allow-read --allow-env \
      --allow-run bench/adbc_ingest_bench.ts --smoke
  ' || report "PostgreSQL server (tools/postgres.sh)" FAIL 0 1 0
  check "ADBC drivers peer (duckdb, pyarrow)" tools/check_sql_adbc_peer.sh
}

build_libraries &
check_sources &
wait
# Edits generated files for a moment and runs an example on the built library: before the lanes read them.
check "nonblocking wrappers, records, progress example" tools/check_async.sh
lane_zig_and_checked &
lane_deno &
wait

echo
echo "Steps by time, slowest first (two lanes ran side by side; wall clock $((SECONDS - started))s):"
sort -t'|' -k5,5nr "$logs/results" | awk -F'|' '{ printf "  %5ds  %-36s %s\n", $5, $1, $2 }'
read -r passed failed < <(awk -F'|' '{ p += $3; f += $4 } END { print p + 0, f + 0 }' "$logs/results")
echo "total: $passed passed, $failed failed"
[ "$failed" = 0 ]
