#!/usr/bin/env bash
# Runs the portable suite (tests/portable/) in Node or Bun against the npm form of the package,
# installed with npm into a fresh project as a user would install it; ZEROCOPY_LIB, when set,
# is the library the suite opens (the checked build, say), else the package's prebuilt one.
# Under Node it first type-checks tests/portable/_types_check.ts there with `tsc` and `@types/node`
# (no DOM library), as a Node user's TypeScript sees the package. libduckdb's npm package, which the
# package declares as an optional dependency, comes from .toolchain/ (ensure_npm_package: one download
# per version) at the version declared; before it is there, connect() must say what to install.
# The SQL suite's ADBC case loads the SQLite driver tools/adbc_drivers.sh installs.
#   tools/check_portable.sh node|bun [dist/<name>.tgz]      (packs first when no tarball is given)
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/toolchain.sh
. tools/npm_project.sh
runtime=${1:?usage: tools/check_portable.sh node|bun [tarball]}
npm_runtime "$runtime" "${2:-}"
npm_project "$tarball"
mkdir "$project/tests"
cp tests/portable/*.ts "$project/tests/"
tools/adbc_drivers.sh >/dev/null
export ZEROCOPY_ADBC_SQLITE=$PWD/.toolchain/adbc-drivers-$ADBC_DRIVERS_VERSION/libadbc_driver_sqlite.so
# The author example's generated bindings, importing the installed package as the author's package would;
# its library is the one phase 1 of tools/check.sh builds (zig build --build-file examples/zig_author/build.zig).
as_installed examples/zig_author/bindings.ts >"$project/tests/_author_bindings.ts"
export ZEROCOPY_AUTHOR_LIB=$PWD/examples/zig_author/zig-out/lib/libusecases.so

# libduckdb's package: what a user meets without it (the working directory's copy never counts), or
# at another version, then the declared version linked in.
install="npm install"
[ "$runtime" = bun ] && install="bun add"
declared=$(duckdb_declared)
fake() { # directory version: a package of that name and version whose library is no library
  mkdir -p "$1/node_modules/@duckdb/node-bindings-linux-x64"
  echo "{ \"name\": \"@duckdb/node-bindings-linux-x64\", \"version\": \"$2\" }" >"$1/node_modules/@duckdb/node-bindings-linux-x64/package.json"
  echo "not a library" >"$1/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so"
}
fake "$project/decoy" "$declared"
(cd "$project/decoy" && "$runtime" "$project/tests/sql_install_check.ts" missing "$install")
fake "$project" 1.0.0
(cd "$project" && "$runtime" tests/sql_install_check.ts version "$install")
rm -rf "$project/decoy" "$project/node_modules/@duckdb/node-bindings-linux-x64"
link_duckdb
rm "$project/tests/sql_install_check.ts"

cd "$project"
if [ "$runtime" = node ]; then
  typescript=$(cd "$OLDPWD" && ensure_npm_package typescript "$TYPESCRIPT_VERSION")
  types_node=$(cd "$OLDPWD" && ensure_npm_package @types/node "$TYPES_NODE_VERSION")
  mkdir -p node_modules/@types && ln -s "$types_node/@types/node" node_modules/@types/node
  cat >tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
    "noEmit": true, "types": ["node"], "lib": ["ES2023"]
  },
  "files": ["tests/_types_check.ts"]
}
JSON
  node "$typescript/typescript/bin/tsc" -p tsconfig.json
  echo "npm form's declarations type-check under @types/node $TYPES_NODE_VERSION"
  # Node strips the suite's types itself; one process, so the suite's library is opened once.
  node --expose-gc --test --test-isolation=none --test-reporter=spec tests/*_test.ts
else
  bun test tests/
fi
