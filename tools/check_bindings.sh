#!/usr/bin/env bash
# The generated TypeScript files are fresh and formatted as `deno fmt` would
# write them, no table names a Deno type, a stale one is caught with the line that differs, the default
# import names our module's version. CI runs the two checks that only read the
# tree beside the suites: every export Deno cannot call is refused with the fix
# (tools/check_bindings_errors.sh), and the generated layout follows the Zig
# source (tools/check_layout_source.sh).
set -uo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$ZEROCOPY_ROOT"

fail() { echo "check_bindings: $*" >&2; exit 1; }

generated=(src/abi/symbols.ts src/demo/demo_bindings.ts tests/fixtures/bindings_fixture.ts tests/fixtures/test_hooks.ts tests/fixtures/arrow_demo.ts
  bench/_bench_symbols.ts examples/zig_author/bindings.ts)

zig build bindings-check || fail "a committed generated file is stale: run \"zig build bindings\" (and in examples/zig_author) and commit"
zig build bindings-check --build-file examples/zig_author/build.zig || fail "examples/zig_author/bindings.ts is stale"

# `deno fmt` must change nothing, whatever a project's line width: the
# default (80) and this repository's (110). --no-config, because deno.json
# may exclude generated files from formatting.
scratch=$(mktemp -d)
backup=$(mktemp)
cp src/abi/symbols.ts "$backup"
trap 'cp "$backup" src/abi/symbols.ts; rm -rf "$backup" "$scratch"' EXIT
for file in "${generated[@]}"; do
  for width in 80 110; do
    cp "$file" "$scratch/file.ts"
    deno fmt --quiet --no-config --line-width "$width" "$scratch/file.ts" || fail "deno fmt failed on $file"
    cmp -s "$file" "$scratch/file.ts" || fail "deno fmt --line-width $width would change $file: $(diff "$file" "$scratch/file.ts" | head -5)"
  done
done

# Every table satisfies zerocopy's own FFI type, table-only modules included, so that a generated
# module type-checks under Node's and Bun's TypeScript as well as Deno's.
if found=$(grep -n 'satisfies Deno\.' "${generated[@]}"); then
  fail "a generated table names a Deno type: $found"
fi
# Node 22 cannot parse `using` declarations: generated wrappers give lent batches back in `finally`.
if found=$(grep -nE '^\s*(await )?using ' "${generated[@]}"); then
  fail "a generated module declares with using, which Node 22 cannot parse: $found"
fi

# A hand edit (or a Zig change not regenerated) must fail the check and say where.
sed -i 's/"u64", \/\/ len/"u32", \/\/ len/' src/abi/symbols.ts
cmp -s src/abi/symbols.ts "$backup" && fail "the stale-check edit did not apply: update its sed pattern"
output=$(zig build bindings-check 2>&1) && fail "bindings-check passed on an edited src/abi/symbols.ts"
grep -q "src/abi/symbols.ts is stale: line [0-9]* differs" <<<"$output" ||
  fail "bindings-check failed without naming the line that differs: $output"
grep -qF 'committed:       "u32", // len' <<<"$output" || fail "bindings-check does not show the committed line: $output"
cp "$backup" src/abi/symbols.ts

# Without `import_from`, wrappers import the published module at this version.
version=$(sed -n 's/^ *\.version = "\(.*\)",$/\1/p' build.zig.zon)
zig build bindings-versioned || fail "zig build bindings-versioned failed"
grep -qF "} from \"jsr:@zerocopy/zerocopy@^$version\";" zig-out/versioned_bindings.ts ||
  fail "zig-out/versioned_bindings.ts does not import jsr:@zerocopy/zerocopy@^$version"

echo "check_bindings: fresh, formatted, no Deno types, stale edits caught with their line, versioned import"
