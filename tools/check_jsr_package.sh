#!/usr/bin/env bash
# From `jsr:` alone: publishes the package into a temporary copy of the registry mirror
# (../shared/jsr) exactly as `deno publish` would upload it, then, in a fresh project with a fresh
# DENO_DIR and no Zig on PATH, imports jsr:@zerocopy/zerocopy@<version> and opens the library with
# no path (the prebuilt binary for this platform, downloaded from the package, hash-checked and
# cached); runs the README's first example; runs again with the registry stopped (from the cache);
# and runs once more with the cached file tampered with, which must fail with HASH_MISMATCH without
# loading it. Every run is under --allow-ffi=<the cache directory> alone, in a project whose working
# directory holds a planted zig-out/lib/ of working zerocopy libraries: a jsr: import must load
# neither (it looks for a local build only beside a file: module). Also fetches the Zig source tarball
# from the registry with `zig fetch`, publishes examples/zig_author's `zig build package` and calls it
# with no Zig, and replays docs/authors.md (tools/replay_guide.py): a Zig library from `zig init` to a
# package a Deno project uses with no Zig.
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
guide_zig=
trap '[ -z "$guide_zig" ] || wait "$guide_zig"; rm -rf "$work"' EXIT
registry="$work/registry" project="$work/project" bin="$work/bin"
developer_deno_dir=$(deno info --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["denoDir"])')
export DENO_DIR="$work/deno_dir"
mkdir -p "$project" "$bin" "$DENO_DIR" "$work/home"

# The package as `deno publish` would upload it: the files its dry run lists.
# With the developer's DENO_DIR: its type-check cache is warm, and only the user's side needs a fresh one.
NO_COLOR=1 DENO_DIR="$developer_deno_dir" deno publish --dry-run --allow-dirty >"$work/dry_run.txt" 2>&1 ||
  { cat "$work/dry_run.txt"; fail "deno publish --dry-run failed"; }
cp -r "$mirror" "$registry"
chmod -R u+w "$registry"
deno run --allow-read --allow-write="$registry" tools/jsr_package.ts "$work/dry_run.txt" "$registry"
echo "package tarball (gzip): $(tar -C "$registry/@zerocopy/zerocopy/$version" -czf - . | wc -c) bytes"

# The authors' guide's Zig steps (checked at the end) need only our package in the registry: they run from
# now on, beside the checks of our package and of the author example. The registry's port changes with each
# with-registry: each stage of the guide is written and run under one.
guide=docs/authors.md
mkdir "$work/guide_zig" "$work/guide_deno" "$work/guide_home"
"$registry/with-registry" bash -c 'python3 tools/replay_guide.py "$0" zig --jsr-url "$JSR_URL" >"$1.sh" && cd "$1" && bash "$1.sh"' \
  $guide "$work/guide_zig" >"$work/guide_zig.txt" 2>&1 &
guide_zig=$!

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
# The sources' own hash, from a copy of build.zig.zon's `.paths` alone: `zig fetch .` would copy the whole
# checkout, toolchains and caches included, only to filter it.
sources="$work/sources"
mkdir "$sources"
sed -n '/^    \.paths = \.{$/,/^    },$/s/^ *"\(.*\)",$/\1/p' build.zig.zon | while read -r path; do cp -r "$path" "$sources/"; done
[ -e "$sources/build.zig.zon" ] || fail "no .paths read from build.zig.zon"
[ "$tarball_hash" = "$(zig fetch "$sources" 2>/dev/null)" ] || fail "the source tarball's hash $tarball_hash differs from the sources'"
echo "zig fetch <registry>/@zerocopy/zerocopy/$version/lib/zerocopy-zig-$version.tar.gz: $tarball_hash"
# The authors' guide's two `zig fetch --save` lines: the release URL names this version (the replay below
# runs it), and the local-file form works as written from a new Zig project beside a zerocopy checkout.
grep -qF "zig fetch --save https://jsr.io/@zerocopy/zerocopy/$version/lib/zerocopy-zig-$version.tar.gz" $guide ||
  fail "$guide's zig fetch line does not name version $version"
local_fetch=$(grep -o "zig fetch --save \.\./zerocopy/lib/zerocopy-zig-[0-9.]*\.tar\.gz" $guide) ||
  fail "$guide has no local-file zig fetch line"
ln -s "$ZEROCOPY_ROOT" "$work/zerocopy"
mkdir "$work/zig_user"
# zig fetch hashes the unpacked tarball itself (an empty ZIG_GLOBAL_CACHE_DIR gives the same hash, but
# costs minutes of compiling, so the check uses the warm cache).
(cd "$work/zig_user" && zig init --minimal >/dev/null 2>&1 && $local_fetch) >"$work/zig_user.txt" 2>&1 ||
  { cat "$work/zig_user.txt"; fail "$guide's \"$local_fetch\" does not work in a new Zig project"; }
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
# --no-check: `deno check examples` type-checks the same bindings, importing this checkout; the guide's
# package below, whose bindings nothing else type-checks, keeps the check.
"$registry/with-registry" bash -c 'cd "$0" && NO_COLOR=1 deno publish --dry-run --no-check --allow-dirty' "$author" \
  >"$work/author_dry_run.txt" 2>&1 || { cat "$work/author_dry_run.txt"; fail "deno publish --dry-run failed for $author_package"; }
if grep -qi "^warning" "$work/author_dry_run.txt"; then cat "$work/author_dry_run.txt"; fail "deno publish --dry-run warned for $author_package"; fi
deno run --allow-read --allow-write="$registry" tools/jsr_package.ts "$work/author_dry_run.txt" "$registry" "$author"
python3 tools/jsr_user_files.py --author "$author_package" "$project"
cp examples/zig_author/zig-out/lib/libusecases.so "$project/zig-out/lib/"
"$registry/with-registry" bash -c 'user_run author.ts' >"$work/author.txt" 2>&1 ||
  { cat "$work/author.txt"; fail "the author's package failed from jsr:"; }
grep -q "^ok $cache/loaded/.*usecases.* (prebuilt)$" "$work/author.txt" || { cat "$work/author.txt"; fail "the author's library did not come from the cache"; }
echo "$author_package (zig build package): ok with no Zig, $(grep "^ok" "$work/author.txt")"

# The authors' guide, replayed as written (tools/replay_guide.py): its Zig steps from an empty folder
# (zig init, zig fetch --save from the registry, build.zig, src/root.zig, test, build, bindings, package),
# the package it writes published beside ours, then its Deno steps in a fresh project with no Zig, which
# must print what the guide's comments say.
wait "$guide_zig" || { tail -n 40 "$work/guide_zig.txt"; fail "$guide's Zig steps failed (replayed in $work/guide_zig)"; }
guide_zig=
grep -q "^zig build package: built $host_target (1/1)" "$work/guide_zig.txt" ||
  { cat "$work/guide_zig.txt"; fail "zig build package printed no progress line"; }
guide_package_dir=$(dirname "$(find "$work/guide_zig" -path '*/zig-out/package/deno.json')")
for file in README.md LICENSE; do [ -s "$guide_package_dir/$file" ] || fail "zig build package wrote no $file"; done
if grep -q "zig build dist\|CI rebuilds" "$guide_package_dir/prebuilt_manifest.ts"; then fail "the package's manifest has the main package's header"; fi
guide_package="jsr:$(sed -n 's/^  "name": "\(.*\)",$/\1/p' "$guide_package_dir/deno.json")@$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$guide_package_dir/deno.json")"
"$registry/with-registry" bash -c 'cd "$0" && NO_COLOR=1 deno publish --dry-run --allow-dirty' "$guide_package_dir" \
  >"$work/guide_dry_run.txt" 2>&1 || { cat "$work/guide_dry_run.txt"; fail "deno publish --dry-run failed for $guide_package"; }
if grep -qi "^warning" "$work/guide_dry_run.txt"; then cat "$work/guide_dry_run.txt"; fail "deno publish --dry-run warned for $guide_package"; fi
deno run --allow-read --allow-write="$registry" tools/jsr_package.ts "$work/guide_dry_run.txt" "$registry" "$guide_package_dir"
python3 tools/replay_guide.py $guide deno --expect >"$work/guide_expected.txt"
# A user's machine as the guide's flags assume it: no DENO_DIR, so the cache is under $HOME/.cache/deno.
"$registry/with-registry" bash -c 'python3 tools/replay_guide.py "$0" deno --jsr-url "$JSR_URL" >"$1.sh" &&
  cd "$1" && env -i PATH="$2" HOME="$3" JSR_URL="$JSR_URL" NO_COLOR=1 bash "$1.sh"' \
  $guide "$work/guide_deno" "$user_path" "$work/guide_home" >"$work/guide_deno.txt" 2>"$work/guide_deno_err.txt" ||
  { cat "$work/guide_deno.txt" "$work/guide_deno_err.txt"; fail "$guide's Deno steps failed"; }
diff "$work/guide_expected.txt" "$work/guide_deno.txt" ||
  fail "$guide's Deno program printed something else than its comments say"
echo "$guide replayed: $guide_package built from zig init, published, and run with no Zig"

echo "check_jsr_package: $package runs with no Zig under --allow-ffi=<cache>, offline from the cache, ignores a planted zig-out/, and refuses a tampered cache"
