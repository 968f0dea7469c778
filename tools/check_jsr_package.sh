#!/usr/bin/env bash
# From `jsr:` alone: publishes the package into a temporary copy of the registry mirror
# (../shared/jsr) exactly as `deno publish` would upload it, then, in a fresh project with a fresh
# DENO_DIR and no Zig on PATH, imports jsr:@zerocopy/zerocopy@<version> and opens the library with
# no path (the prebuilt binary for this platform, downloaded from the package, hash-checked and
# cached); runs the README's first example; runs again with the registry stopped (from the cache);
# and runs once more with the cached file tampered with, which must fail with HASH_MISMATCH without
# loading it. Every run is under --allow-ffi=<the cache directory> alone, in a project whose working
# directory holds a planted zig-out/lib/ of working zerocopy libraries: a jsr: import must load
# neither (it looks for a local build only beside a file: module). Also fetches the Zig source
# tarball from the registry with `zig fetch`.
# Prints the package's size and each run's time.
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$ZEROCOPY_ROOT"

fail() { echo "check_jsr_package: $*" >&2; exit 1; }
mirror="$ZEROCOPY_ROOT/../shared/jsr"
[ -x "$mirror/with-registry" ] || fail "no registry mirror at $mirror"
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' deno.json)
package="jsr:@zerocopy/zerocopy@$version"
zig_version=$(sed -n 's/^    .version = "\(.*\)",$/\1/p' build.zig.zon)
[ "$version" = "$zig_version" ] || fail "deno.json has version $version but build.zig.zon $zig_version: they are released together"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
registry="$work/registry" project="$work/project" bin="$work/bin"
export DENO_DIR="$work/deno_dir"
mkdir -p "$project" "$bin" "$DENO_DIR" "$work/home"

# The package as `deno publish` would upload it: the files its dry run lists.
NO_COLOR=1 deno publish --dry-run --allow-dirty >"$work/dry_run.txt" 2>&1 ||
  { cat "$work/dry_run.txt"; fail "deno publish --dry-run failed"; }
cp -r "$mirror" "$registry"
chmod -R u+w "$registry"
deno run --allow-read --allow-write="$registry" tools/jsr_package.ts "$work/dry_run.txt" "$registry"
echo "package tarball (gzip): $(tar -C "$registry/@zerocopy/zerocopy/$version" -czf - . | wc -c) bytes"

# A user's machine: Deno, no Zig, nothing of this checkout.
ln -s "$(command -v deno)" "$bin/deno"
user_path="$bin:/usr/bin:/bin"
if PATH=$user_path command -v zig >/dev/null; then fail "zig is on the user's PATH ($user_path)"; fi
python3 tools/jsr_user_files.py "$package" "$project"
cache="$DENO_DIR/zerocopy"

user_run() { # deno-run-args...: least privilege: ffi, read and write on the cache only, the package host
  local host=${JSR_URL#http://}
  (cd "$project" && env -i PATH="$user_path" HOME="$work/home" DENO_DIR="$DENO_DIR" JSR_URL="$JSR_URL" \
    NO_COLOR=1 deno run "${USER_FFI:---allow-ffi=$cache}" --allow-net="${host%/}" \
    --allow-env=DENO_DIR,XDG_CACHE_HOME,HOME,ZEROCOPY_LIB --allow-read="$cache" --allow-write="$cache" "$@")
}
export -f user_run
export project user_path work cache

now() { date +%s%N; }
elapsed() { echo "$((($(now) - $1) / 1000000)) ms"; }

# A working library planted where a build in the working directory would be: never loaded from jsr:.
mkdir -p "$project/zig-out/lib"
cp zig-out/lib/libzerocopy.so "$project/zig-out/lib/"

# First run: the registry serves the package and its prebuilt library.
start=$(now)
"$registry/with-registry" bash -c 'echo "$JSR_URL" >"$work/jsr_url"; user_run main.ts' >"$work/first.txt" 2>&1 ||
  { cat "$work/first.txt"; fail "the first run failed"; }
echo "first run (modules and library downloaded): $(elapsed "$start")"
grep -q "^ok $cache/loaded/.* (prebuilt)$" "$work/first.txt" ||
  { cat "$work/first.txt"; fail "the first run did not load a private copy of the cached library"; }
files=$(find "$cache" -type f)
[ "$(wc -l <<<"$files")" = 1 ] || fail "the cache holds more than one file: $files"
echo "cached: ${files#"$DENO_DIR/"} ($(wc -c <"$files") bytes)"

# The planted library, under an unscoped --allow-ffi that would let it load: still the prebuilt one.
USER_FFI=--allow-ffi "$registry/with-registry" bash -c 'user_run main.ts' >"$work/planted.txt" 2>&1 ||
  { cat "$work/planted.txt"; fail "the run beside a planted zig-out/ failed"; }
grep -q "^ok $cache/loaded/.* (prebuilt)$" "$work/planted.txt" ||
  { cat "$work/planted.txt"; fail "a jsr: import loaded the zig-out/ planted in the working directory"; }
echo "planted zig-out/lib/ in the working directory, unscoped --allow-ffi: not loaded"

"$registry/with-registry" bash -c 'user_run readme.ts' >"$work/readme.txt" 2>&1 ||
  { cat "$work/readme.txt"; fail "the README's first example failed"; }
[ "$(grep -v '^Download' "$work/readme.txt")" = "$(printf '1\n0')" ] ||
  { cat "$work/readme.txt"; fail "the README's first example printed something else"; }
echo "README's first example: ok"

# The Zig package's source tarball, fetched from the registry as from a release URL, has the
# package hash of the sources themselves.
"$registry/with-registry" bash -c 'zig fetch "${JSR_URL}@zerocopy/zerocopy/$0/lib/zerocopy-zig-$0.tar.gz"' "$version" \
  >"$work/zig_fetch.txt" 2>&1 || { cat "$work/zig_fetch.txt"; fail "zig fetch of the source tarball failed"; }
tarball_hash=$(tail -n 1 "$work/zig_fetch.txt")
[ "$tarball_hash" = "$(zig fetch . 2>/dev/null)" ] || fail "the source tarball's hash $tarball_hash differs from the sources'"
echo "zig fetch <registry>/@zerocopy/zerocopy/$version/lib/zerocopy-zig-$version.tar.gz: $tarball_hash"
# The README's two `zig fetch --save` lines: the release URL names this version, and the local-file form
# works as written from a new Zig project beside a zerocopy checkout.
grep -qF "zig fetch --save https://jsr.io/@zerocopy/zerocopy/$version/lib/zerocopy-zig-$version.tar.gz" README.md ||
  fail "README.md's zig fetch line does not name version $version"
local_fetch=$(grep -o "zig fetch --save \.\./zerocopy/lib/zerocopy-zig-[0-9.]*\.tar\.gz" README.md) ||
  fail "README.md has no local-file zig fetch line"
ln -s "$ZEROCOPY_ROOT" "$work/zerocopy"
mkdir "$work/zig_user"
# zig fetch hashes the unpacked tarball itself (an empty ZIG_GLOBAL_CACHE_DIR gives the same hash, but
# costs minutes of compiling, so the check uses the warm cache).
(cd "$work/zig_user" && zig init --minimal >/dev/null 2>&1 && $local_fetch) >"$work/zig_user.txt" 2>&1 ||
  { cat "$work/zig_user.txt"; fail "the README's \"$local_fetch\" does not work in a new Zig project"; }
grep -qF "$tarball_hash" "$work/zig_user/build.zig.zon" || fail "zig fetch --save recorded another hash than $tarball_hash"
echo "$local_fetch: recorded $tarball_hash"

# Second run: the registry is gone; the modules and the library come from the caches.
JSR_URL=$(cat "$work/jsr_url")
export JSR_URL
start=$(now)
user_run main.ts >"$work/second.txt" 2>&1 || { cat "$work/second.txt"; fail "the run with the registry stopped failed"; }
echo "second run (registry stopped, from the caches): $(elapsed "$start")"
grep -q "^ok $cache/" "$work/second.txt" || { cat "$work/second.txt"; fail "the cached run did not report ok"; }

# Third run: one byte of the cached library changed.
printf '\xff' | dd of="$files" bs=1 seek=4096 conv=notrunc status=none
# Deno 2.9 grants /proc/self/maps only under --allow-all; the open takes the same path as above.
(cd "$project" && env -i PATH="$user_path" HOME="$work/home" DENO_DIR="$DENO_DIR" JSR_URL="$JSR_URL" NO_COLOR=1 \
  deno run --allow-all tampered.ts) >"$work/third.txt" 2>&1 ||
  { cat "$work/third.txt"; fail "the tampered run failed otherwise than with HASH_MISMATCH"; }
grep -q "^HASH_MISMATCH, not loaded" "$work/third.txt" || { cat "$work/third.txt"; fail "the tampered library was not refused"; }
echo "tampered cache: $(grep "^HASH_MISMATCH" "$work/third.txt" | cut -c1-120)..."

# The authors' packages below are built for this machine's target only (-Dpackage-targets): cross-
# compiling six targets for each from a cold cache would take minutes, and our own six are checked above.
# `zig build package` without the option builds all six.
host_target="linux-$(uname -m)"

# A Zig author's package (examples/zig_author, `zig build package`), published beside ours and used
# from a fresh project with no Zig: a frame handed over, an ArrayList handed over, a lent Float32Array.
author="$ZEROCOPY_ROOT/examples/zig_author/zig-out/package"
rm -rf "$author"
zig build package -Dpackage-targets="$host_target" --build-file examples/zig_author/build.zig >"$work/package.txt" 2>&1 ||
  { cat "$work/package.txt"; fail "zig build package failed for examples/zig_author"; }
author_package="jsr:$(sed -n 's/^  "name": "\(.*\)",$/\1/p' "$author/deno.json")@$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$author/deno.json")"
"$registry/with-registry" bash -c 'cd "$0" && NO_COLOR=1 deno publish --dry-run --allow-dirty' "$author" \
  >"$work/author_dry_run.txt" 2>&1 || { cat "$work/author_dry_run.txt"; fail "deno publish --dry-run failed for $author_package"; }
if grep -qi "^warning" "$work/author_dry_run.txt"; then cat "$work/author_dry_run.txt"; fail "deno publish --dry-run warned for $author_package"; fi
deno run --allow-read --allow-write="$registry" tools/jsr_package.ts "$work/author_dry_run.txt" "$registry" "$author"
python3 tools/jsr_user_files.py --author "$author_package" "$project"
cp examples/zig_author/zig-out/lib/libusecases.so "$project/zig-out/lib/"
"$registry/with-registry" bash -c 'user_run author.ts' >"$work/author.txt" 2>&1 ||
  { cat "$work/author.txt"; fail "the author's package failed from jsr:"; }
grep -q "^ok $cache/loaded/.*usecases.* (prebuilt)$" "$work/author.txt" || { cat "$work/author.txt"; fail "the author's library did not come from the cache"; }
echo "$author_package (zig build package): ok with no Zig, $(grep "^ok" "$work/author.txt")"

# A Zig library written from nothing in the project the README's `zig fetch --save` line set up:
# `zig build package`, published, and called from a fresh Deno project with no Zig.
python3 tools/jsr_user_files.py --zig-author "$work/zig_user"
(cd "$work/zig_user" && zig build package -Dpackage-targets="$host_target") >"$work/scratch_package.txt" 2>&1 ||
  { cat "$work/scratch_package.txt"; fail "zig build package failed in a new Zig project"; }
scratch="$work/zig_user/zig-out/package"
"$registry/with-registry" bash -c 'cd "$0" && NO_COLOR=1 deno publish --dry-run --allow-dirty' "$scratch" \
  >"$work/scratch_dry_run.txt" 2>&1 || { cat "$work/scratch_dry_run.txt"; fail "deno publish --dry-run failed for @scratch/frames"; }
if grep -qi "^warning" "$work/scratch_dry_run.txt"; then cat "$work/scratch_dry_run.txt"; fail "deno publish --dry-run warned for @scratch/frames"; fi
deno run --allow-read --allow-write="$registry" tools/jsr_package.ts "$work/scratch_dry_run.txt" "$registry" "$scratch"
python3 tools/jsr_user_files.py --zig-author-user "jsr:@scratch/frames@1.0.0" "$project"
"$registry/with-registry" bash -c 'user_run scratch.ts' >"$work/scratch.txt" 2>&1 ||
  { cat "$work/scratch.txt"; fail "the new Zig library failed from jsr:"; }
grep -q "^ok $cache/loaded/.*scratch.* (prebuilt)$" "$work/scratch.txt" || { cat "$work/scratch.txt"; fail "the new library did not come from the cache"; }
echo "jsr:@scratch/frames@1.0.0 (a Zig project from nothing, zig build package): ok with no Zig"

echo "check_jsr_package: $package runs with no Zig under --allow-ffi=<cache>, offline from the cache, ignores a planted zig-out/, and refuses a tampered cache"
