// Run by tools/check_portable.sh in Node or Bun before libduckdb's package is installed in the project:
// connect() must reject with LIBRARY_NOT_FOUND saying what to install, whether the package is missing
// (`missing`, run from a working directory that holds a decoy of it, which must not be used) or installed
// at another version than the pinned one (`version`).
//   node tests/sql_install_check.ts missing|version "npm install"|"bun add"

import { ZeroCopyError } from "@zerocopy/zerocopy";
import { connect, DUCKDB_VERSION } from "@zerocopy/zerocopy/sql";

const [expect, install] = (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const spec = `@duckdb/node-bindings-linux-x64@${DUCKDB_VERSION}-r.1`;
const wanted = expect === "missing"
  ? [`Cannot locate libduckdb in the npm package "${spec}"`, `"${install} ${spec}"`]
  : [`is installed at version "1.0.0"`, `needs exactly ${DUCKDB_VERSION}-r.1`, `"${install} ${spec}"`];

let failure: unknown;
try {
  (await connect()).close();
} catch (error) {
  failure = error;
}
if (!(failure instanceof ZeroCopyError) || failure.code !== "LIBRARY_NOT_FOUND") {
  throw new Error(`connect() with libduckdb's package ${expect}: expected LIBRARY_NOT_FOUND, got ${failure}`);
}
for (const part of wanted) {
  if (!failure.message.includes(part)) throw new Error(`"${failure.message}" does not say ${part}`);
}
console.log(`sql_install_check (${expect}): ${failure.message}`);
