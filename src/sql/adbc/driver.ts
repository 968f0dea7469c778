/**
 * Where an ADBC driver comes from: a named driver resolves to the pinned
 * install beside this package (tools/adbc_drivers.sh) or, for DuckDB, to
 * the libduckdb the embedded engine uses (../duckdb_library.ts); a path must be absolute. Never the working
 * directory. Zig dlopens the file, so the `--allow-ffi` grant is checked here.
 *
 * @module
 */

import { ZeroCopyError } from "../../errors.ts";
import { runtime } from "../../runtime/current.ts";
import { duckdbPath } from "../duckdb_library.ts";

/**
 * The ADBC driver release the named drivers (`"sqlite"`, `"postgresql"`) are pinned to.
 *
 * @example Name the drivers in a report
 * ```ts
 * import { ADBC_DRIVERS_VERSION } from "@zerocopy/zerocopy/sql";
 *
 * console.log(`ADBC drivers ${ADBC_DRIVERS_VERSION}`); // ADBC drivers 1.13.0
 * ```
 */
export const ADBC_DRIVERS_VERSION = "1.13.0";

/** A driver to load: its file, the init function to call, and what its database options are called. */
export interface DriverFile {
  readonly path: string;
  readonly entrypoint: string;
  /** The database option that takes `uri`. */
  readonly uriOption: string;
}

const named: Record<string, { file: string; uriOption: string }> = {
  sqlite: { file: "libadbc_driver_sqlite.so", uriOption: "uri" },
  postgresql: { file: "libadbc_driver_postgresql.so", uriOption: "uri" },
};

/** The file of `driver` ("sqlite", "postgresql", "duckdb" or an absolute path), checked to be loadable. */
export async function resolveDriver(driver: string, entrypoint: string | undefined): Promise<DriverFile> {
  let file: DriverFile;
  if (driver === "duckdb") {
    file = { path: await duckdbPath(), entrypoint: entrypoint ?? "duckdb_adbc_init", uriOption: "path" };
  } else if (Object.hasOwn(named, driver)) {
    const install = new URL(`../../../.toolchain/adbc-drivers-${ADBC_DRIVERS_VERSION}/`, import.meta.url);
    if (install.protocol !== "file:") {
      throw new ZeroCopyError(
        "LIBRARY_NOT_FOUND",
        `The ADBC driver "${driver}" is installed only beside a checkout of this package (tools/adbc_drivers.sh); pass the absolute path of libadbc_driver_${driver}.so as "driver"`,
      );
    }
    file = {
      path: new URL(named[driver].file, install).pathname,
      entrypoint: entrypoint ?? "AdbcDriverInit",
      uriOption: named[driver].uriOption,
    };
  } else if (typeof driver === "string" && driver.startsWith("/")) {
    file = { path: driver, entrypoint: entrypoint ?? "AdbcDriverInit", uriOption: "uri" };
  } else {
    throw new ZeroCopyError(
      "UNTRUSTED_PATH",
      `connect: driver ${
        JSON.stringify(driver)
      } is neither "duckdb", "sqlite", "postgresql" nor an absolute path to an ADBC driver; a relative path would be looked up in the working directory, which is never trusted`,
    );
  }
  if (!runtime.permissions.ffi(file.path)) {
    throw runtime.errors.notCapable(
      `Requires ffi access to "${file.path}", run again with the --allow-ffi flag`,
    );
  }
  // libduckdb came from the runtime's npm packages, at the pinned version; the others are checked to exist.
  if (driver === "duckdb") return file;
  try {
    await runtime.fs.stat(file.path);
  } catch (error) {
    if (runtime.errors.isPermissionError(error)) throw error;
    throw new ZeroCopyError(
      "LIBRARY_NOT_FOUND",
      `The ADBC driver "${file.path}" cannot be found: ${
        Object.hasOwn(named, driver)
          ? "run tools/adbc_drivers.sh to install the pinned drivers"
          : "check the path"
      }`,
      { cause: error },
    );
  }
  return file;
}
