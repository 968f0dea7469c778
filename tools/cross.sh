#!/usr/bin/env bash
# deno task cross: runs the prebuilt libraries of other platforms for real, under emulation, with
# that platform's own Deno from PyPI: the aarch64 Linux build under qemu-user, the Windows build
# under wine, each running tests/cross/smoke.ts. Not part of CI (minutes of emulation, and the
# emulators are not installed there). Needs, on Debian or Ubuntu:
#   apt-get install qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross wine64
# Wine 8 (Debian 12) lacks bcryptprimitives.dll, which deno.exe imports: tools/cross/ builds a
# stand-in. Prints one line per platform (ok, FAIL, SKIP when an emulator is missing, BLOCK when
# the emulator cannot run Deno itself) and fails when a platform that ran did not pass.
set -uo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$ZEROCOPY_ROOT"

dir="$ZEROCOPY_ROOT/zig-out/cross"
mkdir -p "$dir"
failed=0

wheel_binary() { # platform-tag member output: the Deno executable from that platform's PyPI wheel
  [ -x "$dir/$3" ] && return 0
  python3 -m pip download --quiet --disable-pip-version-check --platform "$1" --only-binary=:all: --no-deps \
    "deno==$DENO_VERSION" -d "$dir/wheels" >&2 || return 1
  python3 - "$dir/wheels" "$2" "$dir/$3" <<'EOF' || return 1
import glob, os, sys, zipfile
wheels, member, output = sys.argv[1:]
for wheel in glob.glob(os.path.join(wheels, "*.whl")):
    with zipfile.ZipFile(wheel) as archive:
        if member in archive.namelist() and ("win" in wheel) == output.endswith(".exe"):
            open(output, "wb").write(archive.read(member))
            os.chmod(output, 0o755)
            sys.exit(0)
sys.exit(1)
EOF
}

result() { # platform status detail
  printf '%-16s %-5s %s\n' "$1" "$2" "$3"
  [ "$2" = FAIL ] && failed=1
  return 0
}

member="deno-$DENO_VERSION.data/scripts"
if ! command -v qemu-aarch64-static >/dev/null || [ ! -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then
  result linux-aarch64 SKIP "install qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross"
elif ! wheel_binary manylinux_2_27_aarch64 "$member/deno" deno-linux-aarch64; then
  result linux-aarch64 FAIL "could not download the aarch64 Deno wheel"
else
  start=$SECONDS
  if out=$(ZEROCOPY_LIB=lib/linux-aarch64/libzerocopy.so DENO_DIR="$dir/deno_dir_aarch64" \
    qemu-aarch64-static -L /usr/aarch64-linux-gnu "$dir/deno-linux-aarch64" run --allow-ffi --allow-env=ZEROCOPY_LIB \
    tests/cross/smoke.ts 2>&1); then
    result linux-aarch64 ok "$(tail -n 1 <<<"$out") ($((SECONDS - start)) s under qemu-aarch64-static)"
  else
    result linux-aarch64 FAIL "$out"
  fi
fi

# Debian's wine64 package installs its loader outside PATH.
wine=$(command -v wine64 || command -v wine || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; } || true)
if [ -z "$wine" ]; then
  result windows-x86_64 SKIP "install wine64"
elif ! wheel_binary win_amd64 "$member/deno.exe" deno-windows-x86_64.exe; then
  result windows-x86_64 FAIL "could not download the Windows Deno wheel"
elif ! zig build-lib -dynamic -target x86_64-windows-gnu -O ReleaseSmall -lc tools/cross/bcryptprimitives.zig \
  -femit-bin="$dir/bcryptprimitives.dll" -fno-emit-implib; then
  result windows-x86_64 FAIL "could not build the bcryptprimitives.dll stand-in"
else
  export WINEPREFIX="$dir/wine" WINEDEBUG=-all
  "$wine" wineboot --init >/dev/null 2>&1 || true # the first start creates the prefix and exits
  start=$SECONDS
  if out=$(ZEROCOPY_LIB='lib\windows-x86_64\zerocopy.dll' DENO_DIR='zig-out\cross\deno_dir_windows' \
    timeout 600 "$wine" "$dir/deno-windows-x86_64.exe" run --allow-ffi --allow-env=ZEROCOPY_LIB tests/cross/smoke.ts 2>&1) &&
    grep -q "^ok windows-x86_64" <<<"$out"; then
    result windows-x86_64 ok "$(grep "^ok" <<<"$out") ($((SECONDS - start)) s under $("$wine" --version))"
  elif grep -q "SegmentedTable::InitializeTable" <<<"$out"; then
    # V8 reserves its pointer tables with address-space placeholders that this wine lacks:
    # Deno itself cannot start a JavaScript isolate, before any zerocopy code runs.
    result windows-x86_64 BLOCK "$("$wine" --version): deno.exe starts, V8 aborts \"Fatal process out of memory: SegmentedTable::InitializeTable (subspace allocation)\""
    # Without Deno, a Zig host loads the DLL and uses its ABI exports the way Deno would.
    if zig build-exe -target x86_64-windows-gnu -O ReleaseSafe tools/cross/load_library.zig \
      -femit-bin="$dir/load_library.exe" -fno-emit-implib &&
      out=$("$wine" "$dir/load_library.exe" 'lib\windows-x86_64\zerocopy.dll' 2>&1); then
      result "windows-x86_64" ok "without Deno: load_library.exe: $out"
    else
      result "windows-x86_64" FAIL "without Deno: load_library.exe: $out"
    fi
  else
    result windows-x86_64 FAIL "$(tail -n 20 <<<"$out")"
  fi
fi
exit "$failed"
