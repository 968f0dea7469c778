# Sourced by the scripts that run the npm form as a user installs it (tools/check_portable.sh,
# tools/check_examples_runtimes.sh, tools/check_windows.sh); needs tools/toolchain.sh sourced first.

# npm_runtime node|bun [TARBALL]: the pinned runtime installed, and `tarball` set to TARBALL (its full path),
# or to the npm form packed from the checkout when none is given.
npm_runtime() {
  case "$1" in node) ensure_tool node "$NODE_VERSION" ;; bun) ensure_tool bun "$BUN_VERSION" ;; *) return 2 ;; esac
  tarball=$(realpath "${2:-$(./tools/npm_pack.sh)}")
}

# npm_project TARBALL: sets `project` to a fresh temporary project (removed at exit) with the package
# installed from TARBALL by npm, without its optional dependencies (libduckdb's bindings: link_duckdb).
npm_project() {
  project=$(mktemp -d)
  # shellcheck disable=SC2064 # the path now, not at exit
  trap "rm -rf '$project'" EXIT
  echo '{ "private": true, "type": "module" }' >"$project/package.json"
  npm install --silent --no-audit --no-fund --omit=optional --prefix "$project" "@zerocopy/zerocopy@file:$1"
}

# duckdb_declared: the version of libduckdb's npm package the installed package declares.
duckdb_declared() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["optionalDependencies"]["@duckdb/node-bindings-linux-x64"])' \
    "$project/node_modules/@zerocopy/zerocopy/package.json"
}

# link_duckdb: links that version into the project from .toolchain/ (one download per version, not per run).
link_duckdb() {
  mkdir -p "$project/node_modules/@duckdb"
  ln -s "$(ensure_npm_package @duckdb/node-bindings-linux-x64 "$(duckdb_declared)")/@duckdb/node-bindings-linux-x64" \
    "$project/node_modules/@duckdb/node-bindings-linux-x64"
}

# as_installed FILE: FILE with its imports of the checkout's mod.ts, arrow.ts and sql.ts (at any depth)
# naming the installed package instead, as a user's copy would.
as_installed() {
  sed -E -e 's#"(\.\./)+mod\.ts"#"@zerocopy/zerocopy"#' -e 's#"(\.\./)+arrow\.ts"#"@zerocopy/zerocopy/arrow"#' \
    -e 's#"(\.\./)+sql\.ts"#"@zerocopy/zerocopy/sql"#' "$1"
}
