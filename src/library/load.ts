/**
 * Loading a library file, the fourth step of opening one: a file the user
 * named or built is loaded where it is, a prebuilt one from its private copy
 * (src/library/private_copy.ts). Every symbol is bound as optional, so that
 * the next step (src/library/abi_check.ts) can report a library of another
 * ABI version as such before a missing symbol would hide it.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { probeSymbols } from "../abi/symbols.ts";
import type { ForeignLibraryInterface, LoadedLibrary } from "../runtime/ffi_types.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { wrongArchitecture } from "./machine.ts";

/**
 * The runtime's `dlopen` of `path` with every symbol of `table` and the ABI
 * probes bound as optional. Null when there is no file; the runtime's
 * permission errors pass through unwrapped.
 *
 * @param host The runtime whose loader to use.
 * @param path The file to load.
 * @param table The symbols to bind.
 * @returns The loaded library, or null when there is no file at `path`.
 * @throws {ZeroCopyError} `LIBRARY_INVALID` for a file that is not a loadable library;
 * `WRONG_ARCHITECTURE` for one built for another machine or OS (which glibc reports as no file).
 */
export function loadFile(
  host: Runtime,
  path: string,
  table: ForeignLibraryInterface,
): LoadedLibrary<ForeignLibraryInterface> | null {
  const optional = Object.fromEntries(
    Object.entries({ ...table, ...probeSymbols }).map((
      [name, symbol],
    ) => [name, { ...symbol, optional: true }]),
  ) as ForeignLibraryInterface;
  try {
    return host.loader.dlopen(path, optional);
  } catch (error) {
    if (host.errors.isPermissionError(error)) throw error;
    const wrongMachine = wrongArchitecture(path, host);
    if (wrongMachine !== null) throw wrongMachine;
    if (isMissingFile(host, path, error)) return null;
    throw new ZeroCopyError(
      "LIBRARY_INVALID",
      `Cannot load native library "${path}": ${
        (error as Error).message
      }; rebuild it with "zig build" for this platform`,
      { cause: error },
    );
  }
}

/** The loader's words for a missing file, or, since loaders word it differently (Wine's "Module not found"), no file there. */
function isMissingFile(host: Runtime, path: string, error: unknown): boolean {
  if (
    error instanceof Error &&
    /no such file|cannot open shared object file: no such|image not found|specified module could not be found/i
      .test(error.message)
  ) return true;
  try {
    host.fs.statSync(path);
    return false;
  } catch (statError) {
    return host.errors.isNotFound(statError);
  }
}
