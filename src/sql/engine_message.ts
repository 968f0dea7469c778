/**
 * Reads the C strings a SQL engine returns (its error messages): the one
 * place src/sql reads memory through a raw pointer, allowed by
 * tools/check_gate.ts for that alone.
 *
 * @module
 */

import { runtime } from "../runtime/current.ts";
import type { PointerValue } from "../runtime/ffi_types.ts";

/** The text of a NUL-terminated string the engine owns, or `fallback` for a null pointer. */
export function engineMessage(pointer: PointerValue, fallback: string): string {
  return pointer === null ? fallback : runtime.pointers.cString(pointer);
}
