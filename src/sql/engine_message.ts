/**
 * Reads the C strings a SQL engine returns (its error messages): the one
 * place src/sql reads memory through a raw pointer, allowed by
 * tools/check_gate.ts for that alone.
 *
 * @module
 */

/** The text of a NUL-terminated string the engine owns, or `fallback` for a null pointer. */
export function engineMessage(pointer: Deno.PointerValue, fallback: string): string {
  return pointer === null ? fallback : Deno.UnsafePointerView.getCString(pointer);
}
