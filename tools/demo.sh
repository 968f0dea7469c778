#!/usr/bin/env bash
# The walkthrough in examples/demo.ts, from a fresh clone in well under a minute:
# installs only Deno when PATH lacks the pinned one, and loads the prebuilt
# library committed under lib/<os>-<arch>/, which openDemo() checks against the
# SHA-256 in src/library/prebuilt_manifest.ts before loading a private copy of
# it from Deno's cache directory. No Zig is needed.
#
#   ./tools/demo.sh            the prebuilt library (Deno only)
#   ./tools/demo.sh --build    builds libzerocopy from source first (installs Zig
#                              too; ZEROCOPY_DEMO_BUILD=1 does the same)
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$ZEROCOPY_ROOT"

build=${ZEROCOPY_DEMO_BUILD:-0}
for arg in "$@"; do
  case "$arg" in
    --build) build=1 ;;
    -h | --help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument \"$arg\"; use --build to build the library from source" >&2; exit 2 ;;
  esac
done

if [ "$build" = 1 ]; then
  ensure_toolchain
  zig build --release=safe
  exec deno run --allow-ffi examples/demo.ts
fi

ensure_tool deno "$DENO_VERSION"
# The directory openLibrary() caches the prebuilt library in (src/library/cache_dir.ts).
if [ -n "${DENO_DIR:-}" ]; then
  cache="$DENO_DIR/zerocopy"
elif [ "$(uname -s)" = Darwin ]; then
  cache="$HOME/Library/Caches/deno/zerocopy"
else
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/deno/zerocopy"
fi
# --allow-ffi scoped to the cache skips a zig-out/ build a checkout may hold, so
# the library loaded is always the hash-checked prebuilt one.
exec deno run --allow-ffi="$cache" --allow-env=DENO_DIR,XDG_CACHE_HOME,HOME \
  --allow-read=lib,"$cache" --allow-write="$cache" examples/demo.ts
