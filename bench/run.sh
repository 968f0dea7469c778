#!/usr/bin/env bash
# deno task bench: builds the bench library (ReleaseFast), installs the pinned
# Bun into the git-ignored bench/.cache/ when missing, and runs the report,
# then the Arrow, Node and Bun, dispose and nonblocking-call benchmarks, each
# recording its figures in bench/results/results.json (Node and Bun print theirs).
#
#   bench/run.sh            the whole bench (about ten minutes on a quiet 2-core machine)
#   bench/run.sh --smoke    every benchmark on small sizes with short budgets, writing
#                           nothing: shows that the bench runs (about a minute)
set -euo pipefail
. "$(dirname "$0")/../tools/toolchain.sh"
cd "$ZEROCOPY_ROOT"
ensure_toolchain
smoke=false
[ "${1:-}" = "--smoke" ] && smoke=true
if [ "$(bench/.cache/node_modules/.bin/bun --version 2>/dev/null || true)" != "$BUN_VERSION" ]; then
  echo "bench: installing bun $BUN_VERSION into bench/.cache/" >&2
  npm install --silent --no-audit --no-fund --prefix bench/.cache "bun@$BUN_VERSION" >&2
fi
zig build bench-lib
writes=--allow-write=bench/results,docs/benchmarks.md,docs/arrow.md,README.md
if $smoke; then
  deno run --v8-flags=--expose-gc --allow-ffi --allow-read --allow-run bench/report.ts --smoke
  deno run --allow-ffi --allow-read --allow-run bench/arrow_bench.ts 10000 100000
  deno run --allow-ffi --allow-read --allow-run bench/arrow_lend_bench.ts --smoke
else
  deno run --v8-flags=--expose-gc --allow-ffi --allow-read --allow-run "$writes" bench/report.ts
  # Arrow: a 10-column batch to an apache-arrow Table, handed over and imported in place vs Zig writing IPC
  # for tableFromIPC vs tableFromArrays; records its run in results.json and the docs.
  deno run --allow-ffi --allow-read --allow-run "$writes" bench/arrow_bench.ts --write
  # Arrow lend: what lendBatch's checks and structs cost, fixed width and utf8, at growing row counts.
  deno run --allow-ffi --allow-read --allow-run "$writes" bench/arrow_lend_bench.ts --write
fi
# The package in Node and Bun: handover against each runtime's Node-API floor, copy ÷ handover, and in
# Bun the same handover and calls through bun:ffi (prints its tables; bench/runtimes_bench.ts).
ensure_runtimes
if $smoke; then node bench/runtimes_bench.ts --smoke; else node bench/runtimes_bench.ts; fi
# Dispose and nonblocking calls (event-loop lag, scaling, progress polling), on
# the library the tests use; ZEROCOPY_ASYNC_BENCH_MB sizes the long job.
zig build --release=safe install
if $smoke; then
  deno run -A bench/sql_bench.ts --smoke
  deno run --allow-ffi --allow-read --allow-env bench/dispose_bench.ts 0.0078125 4
  exec deno run --allow-ffi --allow-read --allow-run --allow-env bench/async_bench.ts 16
fi
# SQL: register with DuckDB vs @duckdb/node-api's appender and tableToIPC; queries and results (bench/sql_bench.ts).
deno run -A bench/sql_bench.ts --write
deno run --allow-ffi --allow-read --allow-run --allow-env "$writes" bench/dispose_bench.ts --write
exec deno run --allow-ffi --allow-read --allow-run --allow-env "$writes" bench/async_bench.ts --write "${ZEROCOPY_ASYNC_BENCH_MB:-1024}"
