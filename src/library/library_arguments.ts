/**
 * The check every function that takes a library makes first.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { what } from "../buffer/gate.ts";
import { ZeroCopyLibrary } from "./library.ts";

/**
 * Checks, for callers without type checking, that `library` is an opened
 * library and `options` (when given) an object, naming `method` in the error.
 */
export function checkLibraryArguments(library: unknown, options: unknown, method: string): void {
  if (!(library instanceof ZeroCopyLibrary)) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `${method} takes a library from openLibrary() (or a generated open()), not ${what(library)}`,
    );
  }
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `${method} takes an options object (or none), not ${what(options)}`,
    );
  }
}
