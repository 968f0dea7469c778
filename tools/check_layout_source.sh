#!/usr/bin/env bash
# The generated layout follows the Zig source, and TypeScript follows the
# generated layout: in a copy of the sources with the descriptor's `len` and
# `cap` fields swapped, `zig build bindings` must write an `abiLayout` whose
# offsets for them are swapped too, and the copy's TypeScript must read an
# ArrayList handover (length 1000, a larger capacity) from the copy's library
# as 1000 elements. The real tree is only read.
set -uo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$ZEROCOPY_ROOT"

fail() { echo "check_layout_source: $*" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r build.zig build.zig.zon zig mod.ts deno.json "$work/"
# The build graph names the fixtures' and the bench library's sources, so the
# copy has them; only src/abi/symbols.ts is regenerated (-Dbindings-only).
mkdir -p "$work/tests/fixtures" "$work/bench"
cp -r src "$work/"
cp -r bench/zig "$work/bench/"

abi="$work/zig/zerocopy/abi.zig"
sed -i -e 's/^    len: usize,$/    @SWAPPED@/' -e 's/^    cap: usize,$/    len: usize,/' -e 's/^    @SWAPPED@$/    cap: usize,/' "$abi"
[ "$(diff zig/zerocopy/abi.zig "$abi" | grep -c '^>')" = 2 ] ||
  fail "zig/zerocopy/abi.zig no longer declares the descriptor's \"len: usize,\" and \"cap: usize,\" on lines of their own; update this script"

(cd "$work" && zig build bindings -Dbindings-only=src/abi/symbols.ts --cache-dir "$work/.zig-cache") || fail "zig build bindings failed on the swapped copy"

# Prints "len cap" offsets of the descriptor in a generated src/abi/symbols.ts.
offsets() {
  deno eval --quiet "const { abiLayout } = await import('file://$1');
    const fields = abiLayout.structs.Descriptor.fields;
    console.log(fields.len + ' ' + fields.cap);"
}
real=$(offsets "$ZEROCOPY_ROOT/src/abi/symbols.ts") || fail "cannot read abiLayout from src/abi/symbols.ts"
swapped=$(offsets "$work/src/abi/symbols.ts") || fail "cannot read abiLayout from the regenerated src/abi/symbols.ts"
[ "$real" = "8 16" ] || fail "src/abi/symbols.ts gives len and cap offsets \"$real\", expected \"8 16\""
[ "$swapped" = "16 8" ] || fail "after swapping len and cap in zig/zerocopy/abi.zig, the generated offsets are \"$swapped\", expected \"16 8\""

# The copy's TypeScript against the copy's library, with the mapping whose
# length TypeScript computes from the descriptor.
(cd "$work" && zig build --cache-dir "$work/.zig-cache") || fail "zig build failed on the swapped copy"
read_back=$(cd "$work" && deno eval --quiet "
  const { openLibrary } = await import('file://$work/mod.ts');
  const lib = await openLibrary({ path: '$work/zig-out/lib/libzerocopy.so', mapping: 'pointer-view' });
  const list = lib.adopt('f64', (out) => lib.symbols.zc_generate_f64_list(1000n, out));
  const bytes = lib.stats().liveBytes;
  console.log(list.length + ' ' + list.view[999] + ' ' + (bytes > 8000));
  list[Symbol.dispose]();
  console.log(lib.stats().liveBuffers);") || fail "the swapped copy's TypeScript could not use its library"
[ "$read_back" = $'1000 499.5 true\n0' ] ||
  fail "with len and cap swapped, TypeScript read an ArrayList handover as \"$read_back\", expected 1000 elements, the last 499.5, freed"
echo "check_layout_source: swapping the descriptor's len and cap in zig/zerocopy/abi.zig swaps their offsets in the generated abiLayout, and TypeScript follows"
