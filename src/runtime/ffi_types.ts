/**
 * The foreign-function types zerocopy's public signatures use, under names of
 * its own, so that no public type names a runtime's namespace. Under Deno they
 * are Deno's own FFI types (a pointer from `UnsafePointer` fits where one of
 * these is asked for, and back); a Node or Bun form of the package supplies
 * its own definitions of the same names.
 *
 * @module
 */

/**
 * A library's symbol table, as a dynamic loader binds it: each export's
 * parameter and result types.
 *
 * @example A table of one export
 * ```ts
 * import type { ForeignLibraryInterface } from "@zerocopy/zerocopy";
 *
 * const symbols = { zc_sum_f64: { parameters: ["buffer", "u32"], result: "f64" } } as const;
 * const table: ForeignLibraryInterface = symbols;
 * console.log(Object.keys(table)); // [ "zc_sum_f64" ]
 * ```
 */
export type ForeignLibraryInterface = Deno.ForeignLibraryInterface;

/**
 * A native address as the FFI passes it: an opaque pointer object, or null for address zero.
 *
 * @example The null pointer
 * ```ts
 * import type { PointerValue } from "@zerocopy/zerocopy";
 *
 * const none: PointerValue = null;
 * console.log(none); // null
 * ```
 */
export type PointerValue = Deno.PointerValue;

/**
 * A non-null native address as the FFI passes it.
 *
 * @example Narrow a pointer value
 * ```ts
 * import type { PointerObject, PointerValue } from "@zerocopy/zerocopy";
 *
 * const isObject = (value: PointerValue): value is PointerObject => value !== null;
 * console.log(isObject(null)); // false
 * ```
 */
export type PointerObject = Deno.PointerObject;

/**
 * A loaded library: its bound functions under `symbols`, and `close()`.
 *
 * @typeParam S The symbol table it was loaded with.
 *
 * @example The functions of a loaded table
 * ```ts
 * import type { LoadedLibrary } from "@zerocopy/zerocopy";
 *
 * const symbols = { zc_abi_version: { parameters: [], result: "u32" } } as const;
 * type Version = LoadedLibrary<typeof symbols>["symbols"]["zc_abi_version"];
 * const version: Version = () => 3;
 * console.log(version()); // 3
 * ```
 */
export type LoadedLibrary<S extends ForeignLibraryInterface> = Deno.DynamicLibrary<S>;
