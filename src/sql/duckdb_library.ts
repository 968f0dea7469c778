/**
 * Where libduckdb comes from and what of it is bound: the shared library of
 * the npm package `@duckdb/node-bindings-linux-x64` at a pinned version,
 * resolved through Deno's npm cache (never the working directory). Only its
 * path is found here; libzerocopy opens it.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { runtime } from "../runtime/current.ts";

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
const PACKAGE = "@duckdb/node-bindings-linux-x64@1.5.6-r.1";

let located: Promise<string> | undefined;

/**
 * The path of libduckdb in Deno's npm cache, located once per isolate. The
 * file is opened by libzerocopy (zig/zerocopy/sql/duckdb_api.zig), which binds
 * the DuckDB functions it calls: JavaScript never calls DuckDB itself.
 */
export function duckdbPath(): Promise<string> {
  return located ??= locate().catch((error) => {
    located = undefined; // a later call may succeed (a permission granted, the cache filled)
    throw error;
  });
}

async function locate(): Promise<string> {
  if (runtime.os !== "linux" || runtime.arch !== "x86_64") {
    throw new ZeroCopyError(
      "UNSUPPORTED_PLATFORM",
      `The SQL subpath embeds DuckDB on linux x86_64 only so far, not ${runtime.os} ${runtime.arch}`,
    );
  }
  let path: string;
  try {
    // Importing the package's manifest is what makes Deno fetch the package into its npm cache.
    await import("npm:@duckdb/node-bindings-linux-x64@1.5.6-r.1/package.json", { with: { type: "json" } });
    const manifest = import.meta.resolve("npm:@duckdb/node-bindings-linux-x64@1.5.6-r.1/package.json");
    if (!manifest.startsWith("file:")) throw new Error(`resolved to ${manifest}, not a file`);
    path = decodeURIComponent(new URL("libduckdb.so", manifest).pathname);
  } catch (error) {
    throw new ZeroCopyError(
      "LIBRARY_NOT_FOUND",
      `Cannot locate libduckdb in the npm package "${PACKAGE}": ${
        error instanceof Error ? error.message : String(error)
      }; check that Deno can reach the npm registry (or its cache holds the package)`,
      { cause: error },
    );
  }
  return path;
}
