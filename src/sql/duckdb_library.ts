/**
 * Where libduckdb comes from: the shared library of the npm package
 * `@duckdb/node-bindings-linux-x64` at a pinned version, found as the runtime
 * finds an installed npm package (src/runtime/: Deno's npm cache, or beside
 * this package elsewhere; never the working directory). Only its
 * path is found here; libzerocopy opens it.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { runtime } from "../runtime/current.ts";
import type { NpmFile, NpmFileRequest, Runtime } from "../runtime/runtime.ts";

/**
 * The DuckDB release the subpath embeds and is tested against.
 *
 * @example Name the engine in a report
 * ```ts
 * import { DUCKDB_VERSION } from "@zerocopy/zerocopy/sql";
 *
 * console.log(`DuckDB ${DUCKDB_VERSION}`); // DuckDB 1.5.6
 * ```
 */
export const DUCKDB_VERSION = "1.5.6";

/** The npm package, at its pinned version, whose directory holds libduckdb. */
export const DUCKDB_PACKAGE: NpmFileRequest = {
  name: "@duckdb/node-bindings-linux-x64",
  version: `${DUCKDB_VERSION}-r.1`,
  file: "libduckdb.so",
};

let located: Promise<string> | undefined;

/**
 * The path of libduckdb, located once per isolate. The file is opened by
 * libzerocopy (zig/zerocopy/sql/duckdb_api.zig), which binds the DuckDB
 * functions it calls: JavaScript never calls DuckDB itself.
 */
export function duckdbPath(): Promise<string> {
  return located ??= locateDuckDB().catch((error) => {
    located = undefined; // a later call may succeed (a permission granted, the package installed)
    throw error;
  });
}

/**
 * Locates libduckdb through `host`'s npm packages, refusing another version
 * than the pinned one (the exports libzerocopy binds are checked against it).
 *
 * @throws {ZeroCopyError} `UNSUPPORTED_PLATFORM` off linux x86_64;
 * `LIBRARY_NOT_FOUND` for a package missing or at another version, saying what to install.
 */
export async function locateDuckDB(host: Runtime = runtime): Promise<string> {
  if (host.os !== "linux" || host.arch !== "x86_64") {
    throw new ZeroCopyError(
      "UNSUPPORTED_PLATFORM",
      `The SQL subpath embeds DuckDB on linux x86_64 only so far, not ${host.os} ${host.arch}`,
    );
  }
  const { name, version } = DUCKDB_PACKAGE;
  const hint = host.npm.installHint(name, version);
  let found: NpmFile;
  try {
    found = await host.npm.locate(DUCKDB_PACKAGE);
  } catch (error) {
    if (host.errors.isPermissionError(error)) throw error;
    throw new ZeroCopyError(
      "LIBRARY_NOT_FOUND",
      `Cannot locate libduckdb in the npm package "${name}@${version}": ${
        error instanceof Error ? error.message : String(error)
      }; ${hint}`,
      { cause: error },
    );
  }
  if (found.version !== version) {
    throw new ZeroCopyError(
      "LIBRARY_NOT_FOUND",
      `The npm package "${name}" is installed at version ${
        JSON.stringify(found.version)
      }, but the SQL subpath needs exactly ${version} (DuckDB ${DUCKDB_VERSION}); ${hint}`,
    );
  }
  return found.path;
}
