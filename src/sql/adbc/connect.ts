/**
 * `connect({ driver })`: the driver resolved (driver.ts), then loaded and
 * connected by Zig (connection.ts).
 *
 * @module
 */

import { ZeroCopyError } from "../../errors.ts";
import { openLibrary } from "../../library/open.ts";
import { checkLibraryArguments } from "../../library/library_arguments.ts";
import { checkOpenOptions } from "../../library/options.ts";
import type { ZeroCopyLibrary } from "../../library/library.ts";
import type { ForeignLibraryInterface } from "../../runtime/ffi_types.ts";
import { type AdbcEngine, connectAdbc } from "./engine.ts";
import { pinnedSource, resolveDriver } from "./driver.ts";

/** What `connect` takes for a driver (sql/connection.ts `ConnectOptions`). */
export interface DriverOptions {
  readonly library?: ZeroCopyLibrary;
  readonly driver?: string;
  readonly uri?: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly entrypoint?: string;
  readonly cacheDir?: string;
}

/** Connects through the ADBC driver `options.driver` names. */
export async function connectDriver(options: DriverOptions): Promise<AdbcEngine> {
  const { driver, uri, entrypoint } = options;
  if (typeof driver !== "string") {
    throw new ZeroCopyError("INVALID_ARGUMENT", `connect: driver is a name or a path, not ${typeof driver}`);
  }
  if (uri !== undefined && typeof uri !== "string") {
    throw new ZeroCopyError("INVALID_ARGUMENT", `connect: uri is a string, not ${typeof uri}`);
  }
  if (
    entrypoint !== undefined &&
    (typeof entrypoint !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(entrypoint))
  ) {
    throw new ZeroCopyError("INVALID_ARGUMENT", "connect: entrypoint is the name of a C function");
  }
  const { cacheDir } = checkOpenOptions({ cacheDir: options.cacheDir });
  const file = await resolveDriver(driver, entrypoint, { ...pinnedSource, cacheDir });
  const library = options.library ?? await openLibrary();
  checkLibraryArguments(library, undefined, "connect");
  const databaseOptions: Record<string, string> = { ...(options.options ?? {}) };
  if (uri !== undefined) databaseOptions[file.uriOption] = uri;
  return await connectAdbc(
    library as unknown as ZeroCopyLibrary<ForeignLibraryInterface>,
    file,
    databaseOptions,
  );
}
