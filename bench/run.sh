#!/usr/bin/env bash
# deno task bench: builds the bench library (ReleaseFast), installs the pinned
# Bun into the git-ignored bench/.cache/ when missing, and runs the report,
# then bench/async_bench.ts.
set -euo pipefail
. "$(dirname "$0")/../tools/toolchain.sh"
cd "$ZEROCOPY_ROOT"
ensure_toolchain
if [ "$(bench/.cache/node_modules/.bin/bun --version 2>/dev/null || true)" != "$BUN_VERSION" ]; then
  echo "bench: installing bun $BUN_VERSION into bench/.cache/" >&2
  npm install --silent --no-audit --no-fund --prefix bench/.cache "bun@$BUN_VERSION" >&2
fi
zig build bench-lib
deno run --v8-flags=--expose-gc --allow-ffi --allow-read --allow-run --allow-write=bench/results,docs/benchmarks.md,README.md bench/report.ts
# Arrow: a 10-column batch to an apache-arrow Table, handed over and imported in place vs Zig writing IPC
# for tableFromIPC vs tableFromArrays; records its run in results.json and the docs.
deno run --allow-ffi --allow-read --allow-run --allow-write=bench/results,docs/benchmarks.md,docs/arrow.md,README.md bench/arrow_bench.ts --write
# Nonblocking calls, their event-loop lag, scaling and progress polling, on
# the library the tests use; ZEROCOPY_ASYNC_BENCH_MB sizes the long job.
zig build --release=safe install
exec deno run --allow-ffi --allow-read --allow-run --allow-env bench/async_bench.ts "${ZEROCOPY_ASYNC_BENCH_MB:-1024}"
