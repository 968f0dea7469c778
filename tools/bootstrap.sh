#!/usr/bin/env bash
# Installs the pinned Deno, Zig, Node and Bun into .toolchain/bin unless they are already on PATH;
# with --deno-zig, Deno and Zig only (what tools/check.sh needs). Quick when all are there: it only
# asks each for its version.
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"
case "${1:-}" in
  "") ensure_toolchain & toolchain_job=$!; ensure_runtimes; wait "$toolchain_job" ;;
  --deno-zig) ensure_toolchain ;;
  *) echo "usage: tools/bootstrap.sh [--deno-zig]" >&2; exit 2 ;;
esac
hash -r
versions="deno $(_installed_version deno), zig $(_installed_version zig)"
[ -z "${1:-}" ] && versions="$versions, node $(_installed_version node), bun $(_installed_version bun)"
echo "$versions"
