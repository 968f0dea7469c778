#!/usr/bin/env bash
# Builds the npm form of the package into dist/<name>-<version>.tgz, as JSR serves it to npm users:
# every .ts file compiled to .js and .d.ts by the npm `typescript` package (relative imports
# rewritten to .js, `npm:<name>@<version>/...` specifiers to bare `<name>/...` ones), a package.json
# whose exports are ".", "./arrow" and "./sql", and lib/'s prebuilt libraries at their paths. The
# npm packages the sources name by `npm:` specifier (libduckdb's, for the SQL subpath) become
# optional dependencies at their pinned versions: each is one platform's binaries, which npm skips
# elsewhere, as @duckdb/node-bindings declares them. A Node or Bun project installs the result with
#   npm install @zerocopy/zerocopy@file:dist/<name>-<version>.tgz
# Prints the tarball's path last.
#   ./tools/npm_pack.sh          (deno task npm-pack)
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/toolchain.sh
ensure_tool node "$NODE_VERSION"
modules=$(ensure_npm_package typescript "$TYPESCRIPT_VERSION")
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' deno.json)
# The Arrow subpath's one dependency, at the version deno.json maps it to: the compiler reads its types.
arrow_version=$(sed -n 's/^ *"apache-arrow": "npm:apache-arrow@\(.*\)"$/\1/p' deno.json)
arrow_modules=$(ensure_npm_package apache-arrow "$arrow_version")

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/src" "$stage/package"
cp mod.ts arrow.ts sql.ts "$stage/"
ln -s "$arrow_modules" "$stage/node_modules"
# The Deno runtime's module is compiled too (one package serves all three runtimes): the compiler
# takes Deno's globals from `deno types`, which declares the web platform's as well.
deno types >"$stage/deno.d.ts"
(cd src && find . -name '*.ts' ! -name '*_test.ts' -exec cp --parents {} "$stage/src/" \;)
# The npm packages named by `npm:` specifier, as "<name>@<version>" (src/runtime/deno/npm.ts pins them).
mapfile -t pinned < <(grep -rhoE '"npm:(@[a-z0-9._-]+/)?[a-z0-9._-]+@[^/"]+' "$stage/src" | sed 's/^"npm://' | sort -u)
: >"$stage/npm_packages.d.ts"
optional=
for spec in "${pinned[@]}"; do
  name=${spec%@*}
  optional+="${optional:+, }\"$name\": \"${spec##*@}\""
  # What JSR does for npm users: a bare specifier, resolved among the dependencies; only its manifest
  # is imported (Deno's runtime module, never loaded elsewhere), so the compiler is told its shape.
  grep -rlF "npm:$spec/" "$stage/src" | xargs sed -i "s|npm:$spec/|$name/|g"
  printf 'declare module "%s/package.json" { const manifest: { readonly version?: unknown }; export default manifest; }\n' \
    "$name" >>"$stage/npm_packages.d.ts"
done
cat >"$stage/package.json" <<JSON
{ "type": "module" }
JSON
cat >"$stage/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "rewriteRelativeImportExtensions": true,
    "lib": ["ES2024", "ESNext.Disposable"],
    "types": [],
    "strict": true,
    "declaration": true,
    "skipLibCheck": true,
    "outDir": "package",
    "rootDir": "."
  },
  "files": ["deno.d.ts", "npm_packages.d.ts", "mod.ts", "arrow.ts", "sql.ts"]
}
JSON
node "$modules/typescript/bin/tsc" -p "$stage/tsconfig.json"

package="$stage/package"
cp README.md LICENSE "$package/"
mkdir -p "$package/lib"
for dir in lib/*/; do cp -r "$dir" "$package/lib/"; done
cat >"$package/package.json" <<JSON
{
  "name": "@zerocopy/zerocopy",
  "version": "$version",
  "description": "Move large buffers between Zig and JavaScript without copying, in Deno, Node and Bun",
  "license": "MIT",
  "type": "module",
  "engines": { "node": ">=22.3", "bun": ">=1.4" },
  "dependencies": { "apache-arrow": "$arrow_version" },
  "optionalDependencies": { $optional },
  "exports": {
    ".": { "types": "./mod.d.ts", "default": "./mod.js" },
    "./arrow": { "types": "./arrow.d.ts", "default": "./arrow.js" },
    "./sql": { "types": "./sql.d.ts", "default": "./sql.js" }
  }
}
JSON
mkdir -p dist
tarball=$(cd dist && npm pack --silent "$package" | tail -1)
size=$(wc -c <"dist/$tarball")
if [ "$size" -ge 20000000 ]; then
  echo "npm_pack: dist/$tarball is $size bytes, over JSR's 20 MB per version" >&2
  exit 1
fi
echo "npm_pack: $size bytes" >&2
echo "dist/$tarball"
