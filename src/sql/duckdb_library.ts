/**
 * Where libduckdb comes from and what of it is bound: the shared library of
 * the npm package `@duckdb/node-bindings-linux-x64` at a pinned version,
 * resolved through Deno's npm cache (never the working directory), opened
 * by the runtime's loader for the few C API functions the SQL subpath calls.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { runtime } from "../runtime/current.ts";
import type { ForeignLibraryInterface, LoadedLibrary } from "../runtime/ffi_types.ts";

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

/** The DuckDB C API functions this subpath calls (duckdb.h, deprecated Arrow API included). */
export const duckdbSymbols = {
  duckdb_open: { parameters: ["buffer", "buffer"], result: "i32" },
  duckdb_close: { parameters: ["buffer"], result: "void" },
  duckdb_connect: { parameters: ["usize", "buffer"], result: "i32" },
  duckdb_disconnect: { parameters: ["buffer"], result: "void" },
  duckdb_library_version: { parameters: [], result: "pointer" },
  // Runs and materializes the whole query: the one call that may take long, so off the event loop.
  duckdb_query_arrow: { parameters: ["usize", "buffer", "buffer"], result: "i32", nonblocking: true },
  duckdb_query_arrow_error: { parameters: ["usize"], result: "pointer" },
  duckdb_query_arrow_schema: { parameters: ["usize", "buffer"], result: "i32" },
  duckdb_query_arrow_array: { parameters: ["usize", "buffer"], result: "i32" },
  duckdb_destroy_arrow: { parameters: ["buffer"], result: "void" },
} as const satisfies ForeignLibraryInterface;

/** libduckdb opened with {@linkcode duckdbSymbols}. */
export type DuckDB = LoadedLibrary<typeof duckdbSymbols>;

let opened: Promise<DuckDB> | undefined;

/** libduckdb, opened once per isolate. */
export function openDuckDB(): Promise<DuckDB> {
  return opened ??= locateAndOpen().catch((error) => {
    opened = undefined; // a later call may succeed (a permission granted, the cache filled)
    throw error;
  });
}

async function locateAndOpen(): Promise<DuckDB> {
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
    path = new URL("libduckdb.so", manifest).pathname;
  } catch (error) {
    throw new ZeroCopyError(
      "LIBRARY_NOT_FOUND",
      `Cannot locate libduckdb in the npm package "${PACKAGE}": ${
        error instanceof Error ? error.message : String(error)
      }; check that Deno can reach the npm registry (or its cache holds the package)`,
      { cause: error },
    );
  }
  try {
    return runtime.loader.dlopen(path, duckdbSymbols);
  } catch (error) {
    if (runtime.errors.isPermissionError(error)) throw error;
    throw new ZeroCopyError(
      "LIBRARY_NOT_FOUND",
      `Cannot load libduckdb "${path}" from the npm package "${PACKAGE}": ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
}
