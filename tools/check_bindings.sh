#!/usr/bin/env bash
# The generated TypeScript files are fresh, a stale one is caught, an export
# Deno FFI cannot carry is a compile error that names the fix, and the
# generated layout follows the Zig source (tools/check_layout_source.sh).
set -uo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$ZEROCOPY_ROOT"

fail() { echo "check_bindings: $*" >&2; exit 1; }

zig build bindings-check || fail "a committed generated file is stale: run \"zig build bindings\" (and in examples/zig_author) and commit"
zig build bindings-check --build-file examples/zig_author/build.zig || fail "examples/zig_author/bindings.ts is stale"

# A hand edit (or a Zig change not regenerated) must fail the check.
backup=$(mktemp)
cp src/symbols.ts "$backup"
trap 'cp "$backup" src/symbols.ts; rm -f "$backup"' EXIT
sed -i 's/"u64" \/\* len \*\//"u32" \/* len *\//' src/symbols.ts
output=$(zig build bindings-check 2>&1) && fail "bindings-check passed on an edited src/symbols.ts"
grep -q "is stale" <<<"$output" || fail "bindings-check failed without saying the file is stale: $output"

output=$(zig build bindings-unsupported 2>&1) && fail "bindings for a struct passed by value compiled"
grep -q "Deno FFI does not support; pass a pointer to it instead of the value" <<<"$output" ||
  fail "the unsupported-type error does not name the fix: $output"
"$(dirname "$0")/check_layout_source.sh" || fail "the generated layout does not follow zig/abi.zig"
echo "check_bindings: fresh, stale edits caught, unsupported types rejected, layout follows the source"
