#!/usr/bin/env bash
# The Node-API functions every library registers from its exports
# (zig/zerocopy/napi_symbols.zig), called from Node and Bun: libzerocopy (the
# release and the checked build), the test libraries and the author example.
# Needs the libraries built (zig build install fixtures checked-lib, and
# examples/zig_author); installs the pinned Node and Bun when missing.
set -uo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$ZEROCOPY_ROOT"
ensure_runtimes >/dev/null || exit 1

failures=0
suites=0
for runtime in "node --expose-gc" bun; do
  for suite in \
    "tests/napi/libzerocopy.mjs zig-out/lib/libzerocopy.so" \
    "tests/napi/libzerocopy.mjs zig-out/checked/libzerocopy.so" \
    "tests/napi/fixtures.mjs zig-out/fixtures" \
    "tests/napi/fixtures.mjs zig-out/checked" \
    "tests/napi/author.mjs examples/zig_author/zig-out/lib/libusecases.so" \
    "tests/napi/hostile.mjs zig-out/checked/libzerocopy.so src/abi/symbols.ts" \
    "tests/napi/hostile.mjs zig-out/fixtures/libbindings_fixture.so tests/fixtures/bindings_fixture.ts" \
    "tests/napi/hostile.mjs examples/zig_author/zig-out/lib/libusecases.so examples/zig_author/bindings.ts"; do
    suites=$((suites + 1))
    # shellcheck disable=SC2086 # the runtime's flags and the suite's argument split on purpose
    timeout 60 $runtime $suite || { echo "check_napi_exports: $runtime $suite failed" >&2; failures=$((failures + 1)); }
  done
done
[ "$failures" = 0 ] || exit 1
echo "check_napi_exports: $suites suites passed in Node and Bun"
