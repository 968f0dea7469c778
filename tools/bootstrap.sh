#!/usr/bin/env bash
# Installs the pinned Deno and Zig into .toolchain/ unless they are already on PATH.
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"
ensure_toolchain
echo "deno $(_installed_version deno), zig $(_installed_version zig)"
