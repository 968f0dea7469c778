/**
 * Where an ADBC driver comes from: a named driver resolves to the pinned
 * install beside a checkout of this package (tools/adbc_drivers.sh), else to
 * a private copy of the one in its pinned PyPI wheel (driver_download.ts), or, for DuckDB, to
 * the libduckdb the embedded engine uses (../duckdb_library.ts); a path must be absolute. Never the working
 * directory. Zig dlopens the file, so the `--allow-ffi` grant is checked here.
 *
 * @module
 */

import { ZeroCopyError } from "../../errors.ts";
import { runtime } from "../../runtime/current.ts";
import { toPath } from "../../library/env.ts";
import { duckdbPath } from "../duckdb_library.ts";
import { downloadedDriver } from "./driver_download.ts";
import { driverWheels } from "./driver_wheels.ts";
import type { DriverWheel } from "./wheel.ts";

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

/** Where the named drivers come from: a checkout's install, else the pinned wheels downloaded into a cache. */
export interface NamedDriverSource {
  /** The folder tools/adbc_drivers.sh installs into, used when it holds the driver (a `file:` URL). */
  readonly install?: URL;
  /** The pinned wheels, by driver and platform key. */
  readonly wheels: Readonly<Record<string, Readonly<Record<string, DriverWheel>>>>;
  /** Where to cache downloaded wheels; `<Deno's cache directory>/zerocopy` by default. */
  readonly cacheDir?: string;
}

/** The pinned drivers: a checkout's install, else the pinned wheels. */
export const pinnedSource: NamedDriverSource = {
  install: new URL(`../../../.toolchain/adbc-drivers-${ADBC_DRIVERS_VERSION}/`, import.meta.url),
  wheels: driverWheels,
};

/**
 * The file of `driver` ("sqlite", "postgresql", "duckdb" or an absolute path), checked to be loadable.
 * `source` says where the named drivers come from; only tests pass another.
 */
export async function resolveDriver(
  driver: string,
  entrypoint: string | undefined,
  source: NamedDriverSource = pinnedSource,
): Promise<DriverFile> {
  let file: DriverFile;
  if (driver === "duckdb") {
    file = { path: await duckdbPath(), entrypoint: entrypoint ?? "duckdb_adbc_init", uriOption: "path" };
  } else if (Object.hasOwn(named, driver)) {
    const wheels = Object.hasOwn(source.wheels, driver) ? source.wheels[driver] : {};
    file = {
      path: await installedDriver(source.install, named[driver].file) ??
        await downloadedDriver(driver, wheels, source.cacheDir),
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
  // libduckdb came from the runtime's npm packages and a named driver was just found or written, both
  // at the pinned version; a path is checked to exist.
  if (driver === "duckdb" || Object.hasOwn(named, driver)) return file;
  try {
    await runtime.fs.stat(file.path);
  } catch (error) {
    if (runtime.errors.isPermissionError(error)) throw error;
    throw new ZeroCopyError(
      "LIBRARY_NOT_FOUND",
      `The ADBC driver "${file.path}" cannot be found: check the path`,
      { cause: error },
    );
  }
  return file;
}

/**
 * The driver a checkout installed (tools/adbc_drivers.sh), when `install` is a
 * folder on this machine that `--allow-read` covers and the file is there.
 */
async function installedDriver(install: URL | undefined, name: string): Promise<string | undefined> {
  if (install?.protocol !== "file:") return undefined;
  const path = toPath(new URL(name, install));
  if (!runtime.permissions.read(path)) return undefined;
  try {
    await runtime.fs.stat(path);
    return path;
  } catch (error) {
    if (runtime.errors.isNotFound(error)) return undefined;
    throw error;
  }
}
