# Sourced by the other scripts: puts the pinned Deno and Zig on PATH, installing
# them into .toolchain/ (git-ignored) from PyPI, or npm for Deno, when PATH lacks them.
# Node and Bun, the other runtimes the package serves, come from npm, and only
# when asked (ensure_runtimes, ./tools/bootstrap.sh): the Deno checks need neither.
# Running it again with the tools present does nothing but check their versions.

# shellcheck source=versions.env
. "$(dirname "${BASH_SOURCE[0]}")/versions.env"
ZEROCOPY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLCHAIN_DIR="$ZEROCOPY_ROOT/.toolchain"
export PATH="$TOOLCHAIN_DIR/bin:$PATH"

_installed_version() { # tool -> version it reports, or nothing
  case "$1" in
    deno) deno --version 2>/dev/null | sed -n 's/^deno \([0-9.]*\).*/\1/p' ;;
    zig) zig version 2>/dev/null || true ;;
    node) node --version 2>/dev/null | sed -n 's/^v\([0-9.]*\)$/\1/p' ;;
    bun) bun --version 2>/dev/null || true ;;
  esac
}

_install_from_pypi() { # package version
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --target "$TOOLCHAIN_DIR/pypi/$1-$2" "$1==$2" >&2
}

_install() { # tool version
  mkdir -p "$TOOLCHAIN_DIR/bin"
  case "$1" in
    zig)
      _install_from_pypi ziglang "$2" || return 1
      ln -sf "$TOOLCHAIN_DIR/pypi/ziglang-$2/ziglang/zig" "$TOOLCHAIN_DIR/bin/zig"
      ;;
    deno)
      if _install_from_pypi deno "$2"; then
        ln -sf "$TOOLCHAIN_DIR/pypi/deno-$2/bin/deno" "$TOOLCHAIN_DIR/bin/deno"
      else
        echo "toolchain: PyPI had no deno $2, trying npm" >&2
        npm install --silent --prefix "$TOOLCHAIN_DIR/npm" "deno@$2" >&2 || return 1
        ln -sf "$TOOLCHAIN_DIR/npm/node_modules/.bin/deno" "$TOOLCHAIN_DIR/bin/deno"
      fi
      ;;
    node | bun)
      # One folder per version: a pin moved back and forth never mixes two installs. Both npm
      # packages put the runtime's own binary where node_modules/.bin points (no shim runs).
      npm install --silent --no-audit --no-fund --prefix "$TOOLCHAIN_DIR/npm-$1-$2" "$1@$2" >&2 || return 1
      # Relative, so the link holds wherever the checkout (or a worktree sharing .toolchain) is.
      ln -sf "../npm-$1-$2/node_modules/.bin/$1" "$TOOLCHAIN_DIR/bin/$1"
      ;;
  esac
}

ensure_tool() { # tool wanted-version
  local have
  have=$(_installed_version "$1" || true)
  [ "$have" = "$2" ] && return 0
  echo "toolchain: installing $1 $2 into .toolchain/ (found: ${have:-none})" >&2
  _install "$1" "$2" || { echo "toolchain: could not install $1 $2" >&2; return 1; }
  hash -r
  have=$(_installed_version "$1" || true)
  if [ "$have" != "$2" ]; then
    echo "toolchain: wanted $1 $2 but $(command -v "$1") reports ${have:-nothing}" >&2
    return 1
  fi
}

# Installs two tools side by side (a fresh checkout installs them at once): ensure_pair TOOL VERSION TOOL VERSION
ensure_pair() {
  ensure_tool "$1" "$2" &
  local first_job=$! first_status second_status
  ensure_tool "$3" "$4"
  second_status=$?
  wait "$first_job"
  first_status=$?
  hash -r
  [ "$first_status" = 0 ] && [ "$second_status" = 0 ]
}

ensure_toolchain() { ensure_pair deno "$DENO_VERSION" zig "$ZIG_VERSION"; }

# Node and Bun, for what runs the package outside Deno.
ensure_runtimes() { ensure_pair node "$NODE_VERSION" bun "$BUN_VERSION"; }

# An npm package the build uses (the TypeScript compiler, say), in its own folder under .toolchain/;
# prints that folder's node_modules.
ensure_npm_package() { # package version
  local dir="$TOOLCHAIN_DIR/npm-$1-$2"
  mkdir -p "$dir"
  # Both lanes of tools/check.sh may ask for the same package at once: one installs, the other waits
  # (flock where the system has it), so neither reads a half-installed folder.
  (
    command -v flock >/dev/null && flock 9
    if [ ! -f "$dir/node_modules/$1/package.json" ]; then
      echo "toolchain: installing npm package $1 $2 into .toolchain/" >&2
      npm install --silent --no-audit --no-fund --prefix "$dir" "$1@$2" >&2
    fi
  ) 9>"$dir/.lock" || return 1
  echo "$dir/node_modules"
}

# Runs Deno against the JSR mirror in ../shared/jsr when this checkout has one
# (these machines cannot reach jsr.io), against the public registry otherwise.
deno_with_registry() {
  local mirror="$ZEROCOPY_ROOT/../shared/jsr/with-registry"
  if [ -x "$mirror" ]; then "$mirror" deno "$@"; else deno "$@"; fi
}
