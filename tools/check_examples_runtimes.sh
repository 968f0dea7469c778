#!/usr/bin/env bash
# Runs the examples in Node or Bun against the npm form of the package, installed with npm into a
# fresh project as tools/check_portable.sh does: each example is copied there importing the installed
# package (@zerocopy/zerocopy, @zerocopy/zerocopy/arrow) instead of the checkout's mod.ts and arrow.ts,
# run on small sizes by the runtime itself (Node strips the types), and its output checked.
# ZEROCOPY_LIB, when set, is the library they open, else the package's prebuilt one; the author
# example's library is the one `zig build --build-file examples/zig_author/build.zig` built.
# Deno's alone, so not run here: network.ts (TCP through Deno.listen and Deno.connect). libduckdb's
# npm package, an optional dependency of the npm form, is linked in from .toolchain/ as
# tools/check_portable.sh does (one download per version, not one per run).
#   tools/check_examples_runtimes.sh node|bun [dist/<name>.tgz]      (packs first when no tarball is given)
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/toolchain.sh
. tools/npm_project.sh
runtime=${1:?usage: tools/check_examples_runtimes.sh node|bun [tarball]}
npm_runtime "$runtime" "${2:-}"
author_lib=$PWD/examples/zig_author/zig-out
[ -d "$author_lib/lib" ] || { echo "build the example library first: zig build --build-file examples/zig_author/build.zig" >&2; exit 1; }
npm_project "$tarball"
link_duckdb
mkdir -p "$project/examples/zig_author"
for file in examples/*.ts examples/zig_author/{main,library,bindings}.ts; do
  as_installed "$file" >"$project/$file"
done
ln -s "$author_lib" "$project/examples/zig_author/zig-out"
cd "$project"

failed=0
example() { # expected-status pattern example args...: runs it, checks its status and output
  local status=$1 pattern=$2 start=$SECONDS output rc=0
  shift 2
  local limit=(60)
  [ -n "${signal:-}" ] && limit=(-s "$signal" --preserve-status 2)
  output=$(NO_COLOR=1 timeout "${limit[@]}" "$runtime" "examples/$@" 2>&1) || rc=$?
  # One line, so that a pattern can span the example's lines.
  if [ "$rc" = "$status" ] && tr '\n' ' ' <<<"$output" | grep -qE "$pattern"; then
    echo "ok   $runtime examples/$* ($((SECONDS - start)) s)"
    sed 's/^/       /' <<<"$output"
  else
    echo "FAIL $runtime examples/$*: exit status $rc (expected $status), output must match /$pattern/:"
    echo "$output" | tail -n 30
    failed=$((failed + 1))
  fi
}

example 0 'done: 0 buffers live' demo.ts
example 0 'results equal: true' matrix.ts 64
example 0 'largest index 4224 < 4225' mesh.ts 64
example 0 'one detach for all of them' dataset.ts 10000 16 256 2
example 0 'the centre pixel moved 11 steps \(expected 11\)' frames.ts 320 240 "$project/new/out/" 12
# A 15-byte header ("P6\n320 240\n255\n") and the pixels: RGB, then one byte of luma.
for image in frame.ppm:230415 gray.pgm:76815 blurred.pgm:76815; do
  size=$(stat -c %s "new/out/${image%:*}" 2>/dev/null || echo none)
  [ "$size" = "${image#*:}" ] || { echo "FAIL frames.ts wrote new/out/${image%:*} of $size bytes, not ${image#*:}"; failed=$((failed + 1)); }
done
example 0 'done in .*live buffers 0, live bytes 0' progress.ts 16
example 130 'cancelled: .*live buffers 0, live bytes 0' progress.ts 64 500 50
# A real Ctrl-C two seconds in (5 s of pauses in all): the example's listener cancels, it does not die of it.
signal=INT example 130 'cancelled: interrupted \(Ctrl-C\).*live buffers 0, live bytes 0' progress.ts 64 5000
example 0 'transfer: the worker summed 10000 floats' workers.ts 10000
example 0 'Zig summed the mean column.*live buffers after dispose: 0' arrow_sensors.ts 20000
example 0 'live buffers in the example library after dispose: 0' zig_author/main.ts
example 0 'kitchen count checked: 4285.*3756 readings over 28 °C streamed; 20000 readings ingested' sql_sensors.ts 20000
echo "examples in $runtime: $failed failed"
[ "$failed" = 0 ]
