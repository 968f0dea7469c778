#!/usr/bin/env bash
# From `jsr:` alone: publishes the package into a temporary copy of the registry mirror
# (../shared/jsr) exactly as `deno publish` would upload it, then, in a fresh project with a fresh
# DENO_DIR and no Zig on PATH, imports jsr:@zerocopy/zerocopy@<version> and opens the library with
# no path (the prebuilt binary for this platform, downloaded from the package, hash-checked and
# cached); runs again with the registry stopped (from the cache); and runs once more with the
# cached file tampered with, which must fail with HASH_MISMATCH without loading it.
# Prints the package's size and each run's time.
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$ZEROCOPY_ROOT"

fail() { echo "check_jsr_package: $*" >&2; exit 1; }
mirror="$ZEROCOPY_ROOT/../shared/jsr"
[ -x "$mirror/with-registry" ] || fail "no registry mirror at $mirror"
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' deno.json)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
registry="$work/registry" project="$work/project" bin="$work/bin"
export DENO_DIR="$work/deno_dir"
mkdir -p "$project" "$bin" "$DENO_DIR"

# The package as `deno publish` would upload it: the files its dry run lists.
NO_COLOR=1 deno publish --dry-run --allow-dirty >"$work/dry_run.txt" 2>&1 || { cat "$work/dry_run.txt"; fail "deno publish --dry-run failed"; }
cp -r "$mirror" "$registry"
chmod -R u+w "$registry"
deno run --allow-read --allow-write="$registry" tools/jsr_package.ts "$work/dry_run.txt" "$registry"
echo "package tarball (gzip): $(tar -C "$registry/@zerocopy/zerocopy/$version" -czf - . | wc -c) bytes"

# A user's machine: Deno, no Zig, nothing of this checkout.
ln -s "$(command -v deno)" "$bin/deno"
user_path="$bin:/usr/bin:/bin"
PATH=$user_path command -v zig >/dev/null && fail "zig is on the user's PATH ($user_path)"
cp tools/jsr_user/*.ts "$project/"
sed -i "s/@VERSION@/$version/" "$project"/*.ts
cache="$DENO_DIR/zerocopy"

user_run() { # script.ts: runs it as the README says, with the package host and the cache granted
  (cd "$project" && env -i PATH="$user_path" HOME="$work/home" DENO_DIR="$DENO_DIR" JSR_URL="$JSR_URL" \
    NO_COLOR=1 deno run --allow-ffi --allow-net="${JSR_URL#http://}" --allow-env=DENO_DIR,XDG_CACHE_HOME,HOME,ZEROCOPY_LIB \
    --allow-read="$cache" --allow-write="$cache" "$@")
}
export -f user_run
export project user_path work cache

seconds() { date +%s.%N; }
elapsed() { echo "$(seconds) - $1" | bc | sed 's/^\./0./'; }

# First run: the registry serves the package and its prebuilt library.
start=$(seconds)
"$registry/with-registry" bash -c 'echo "$JSR_URL" >"$work/jsr_url"; user_run main.ts' >"$work/first.txt" 2>&1 ||
  { cat "$work/first.txt"; fail "the first run failed"; }
echo "first run (download): $(elapsed "$start") s"
grep -q "^ok " "$work/first.txt" || { cat "$work/first.txt"; fail "the first run did not report ok"; }
files=$(find "$cache" -type f)
[ "$(wc -l <<<"$files")" = 1 ] || fail "the cache holds more than one file: $files"
echo "cached: ${files#"$DENO_DIR/"} ($(wc -c <"$files") bytes)"

# Second run: the registry is gone; the modules and the library come from the caches.
JSR_URL=$(cat "$work/jsr_url")
export JSR_URL
start=$(seconds)
user_run main.ts >"$work/second.txt" 2>&1 || { cat "$work/second.txt"; fail "the run with the registry stopped failed"; }
echo "second run (registry stopped, cached): $(elapsed "$start") s"
grep -q "^ok " "$work/second.txt" || { cat "$work/second.txt"; fail "the cached run did not report ok"; }

# Third run: one byte of the cached library changed.
printf '\xff' | dd of="$files" bs=1 seek=4096 conv=notrunc status=none
user_run --allow-read="$cache,/proc/self/maps" tampered.ts >"$work/third.txt" 2>&1 ||
  { cat "$work/third.txt"; fail "the tampered run did not report HASH_MISMATCH"; }
grep -q "^HASH_MISMATCH, not loaded" "$work/third.txt" || { cat "$work/third.txt"; fail "unexpected tampered run output"; }

cat "$work/first.txt"
echo "check_jsr_package: jsr:@zerocopy/zerocopy@$version runs with no Zig, offline from the cache, and refuses a tampered cache"
