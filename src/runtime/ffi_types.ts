/**
 * The foreign-function types zerocopy's public signatures use, defined here
 * rather than borrowed from a runtime's namespace, so that the package's
 * types check under Deno's, Node's and Bun's TypeScript alike. They describe
 * what every runtime's loader accepts and returns (src/runtime/runtime.ts):
 * a symbol table in Deno's FFI spelling, numbers, bigints for 64-bit
 * integers, `BufferSource` for `"buffer"` and opaque pointer objects.
 *
 * @module
 */

/**
 * A parameter or result type of a foreign function, spelled as Deno's FFI spells it.
 *
 * @example The types of a sum over f64
 * ```ts
 * import type { NativeType } from "@zerocopy/zerocopy";
 *
 * const parameters: NativeType[] = ["buffer", "u32"];
 * console.log(parameters.length); // 2
 * ```
 */
export type NativeType =
  | "u8"
  | "i8"
  | "u16"
  | "i16"
  | "u32"
  | "i32"
  | "f32"
  | "f64"
  | "u64"
  | "i64"
  | "usize"
  | "isize"
  | "bool"
  | "pointer"
  | "buffer"
  | "function";

/**
 * One foreign function: its parameter and result types; `nonblocking` runs it off the JavaScript thread
 * and returns a promise; `optional` binds null for a symbol the library lacks.
 *
 * @example A nonblocking export
 * ```ts
 * import type { ForeignFunction } from "@zerocopy/zerocopy";
 *
 * const slow: ForeignFunction = { parameters: ["buffer", "u32"], result: "f64", nonblocking: true };
 * console.log(slow.nonblocking); // true
 * ```
 */
export interface ForeignFunction<
  Parameters extends readonly NativeType[] = readonly NativeType[],
  Result extends NativeType | "void" = NativeType | "void",
  NonBlocking extends boolean = boolean,
> {
  /** The symbol's name in the library, when it differs from the key. */
  name?: string;
  /** The parameter types, in order. */
  parameters: Parameters;
  /** The result type. */
  result: Result;
  /** Runs the call off the JavaScript thread; the bound function returns a promise. */
  nonblocking?: NonBlocking;
  /** Binds null rather than failing when the library lacks the symbol. */
  optional?: boolean;
}

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
export interface ForeignLibraryInterface {
  /** Each export's entry, by name. */
  [name: string]: ForeignFunction;
}

/**
 * A non-null native address as the FFI passes it: an opaque object, never a
 * number. Any runtime's pointer object fits here (Deno's `UnsafePointer.create`
 * gives one); hand one to Deno's own pointer functions with a cast.
 *
 * @example Narrow a pointer value
 * ```ts
 * import type { PointerObject, PointerValue } from "@zerocopy/zerocopy";
 *
 * const isObject = (value: PointerValue): value is PointerObject => value !== null;
 * console.log(isObject(null)); // false
 * ```
 */
export type PointerObject = object;

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
export type PointerValue = PointerObject | null;

/**
 * What a parameter of type `T` takes: a number, a bigint for 64-bit integers,
 * any `ArrayBuffer` or view (or null) for `"buffer"`, a pointer value for `"pointer"`.
 *
 * @typeParam T The parameter's type.
 *
 * @example The argument a u64 takes
 * ```ts
 * import type { ForeignArgument } from "@zerocopy/zerocopy";
 *
 * const count: ForeignArgument<"u64"> = 3n;
 * console.log(count); // 3n
 * ```
 */
export type ForeignArgument<T extends NativeType> = T extends "u64" | "i64" | "usize" | "isize" ? bigint
  : T extends "bool" ? boolean
  : T extends "buffer" ? ArrayBufferLike | ArrayBufferView | null
  : T extends "pointer" | "function" ? PointerValue
  : number;

/**
 * What a result of type `T` is (a promise of it for a nonblocking function).
 *
 * @typeParam T The result's type.
 *
 * @example The result of an i32
 * ```ts
 * import type { ForeignResult } from "@zerocopy/zerocopy";
 *
 * const status: ForeignResult<"i32"> = 0;
 * console.log(status); // 0
 * ```
 */
export type ForeignResult<T extends NativeType | "void"> = T extends "void" ? void
  : T extends "u64" | "i64" | "usize" | "isize" ? bigint
  : T extends "bool" ? boolean
  : T extends "pointer" | "function" | "buffer" ? PointerValue
  : number;

/**
 * The function a loader binds for one foreign function: its arguments and
 * result typed from its entry, a promise for a nonblocking one.
 *
 * @typeParam T The function's entry.
 *
 * @example The type of a bound sum
 * ```ts
 * import type { BoundFunction } from "@zerocopy/zerocopy";
 *
 * const entry = { parameters: ["u32", "u32"], result: "u32" } as const;
 * const add: BoundFunction<typeof entry> = (a, b) => a + b;
 * console.log(add(1, 2)); // 3
 * ```
 */
export type BoundFunction<T extends ForeignFunction> = T extends ForeignFunction
  ? T["parameters"] extends readonly []
    ? () => T["nonblocking"] extends true ? Promise<ForeignResult<T["result"]>>
      : ForeignResult<T["result"]>
  : (
    ...args: ForeignArguments<T["parameters"]>
  ) => T["nonblocking"] extends true ? Promise<ForeignResult<T["result"]>> : ForeignResult<T["result"]>
  : never;

/**
 * The arguments a function with parameters `P` takes, one {@linkcode ForeignArgument} each.
 *
 * @typeParam P The parameter types.
 *
 * @example The arguments of a sum over f64
 * ```ts
 * import type { ForeignArguments } from "@zerocopy/zerocopy";
 *
 * const args: ForeignArguments<readonly ["buffer", "u32"]> = [new Float64Array(2), 2];
 * console.log(args.length); // 2
 * ```
 */
export type ForeignArguments<P extends readonly NativeType[]> = [P[number][]] extends [P]
  ? ForeignArgument<P[number]>[]
  : [readonly P[number][]] extends [P] ? readonly ForeignArgument<P[number]>[]
  : { -readonly [K in keyof P]: ForeignArgument<P[K]> };

/**
 * The functions a loader binds for a symbol table: each one's arguments and
 * result typed from its entry, a promise for a nonblocking one, null allowed for an optional one.
 *
 * @typeParam S The symbol table.
 *
 * @example The type of one bound function
 * ```ts
 * import type { BoundFunctions } from "@zerocopy/zerocopy";
 *
 * const symbols = { zc_abi_version: { parameters: [], result: "u32" } } as const;
 * const version: BoundFunctions<typeof symbols>["zc_abi_version"] = () => 3;
 * console.log(version()); // 3
 * ```
 */
export type BoundFunctions<S extends ForeignLibraryInterface> = {
  [K in keyof S]: S[K]["optional"] extends true ? BoundFunction<S[K]> | null : BoundFunction<S[K]>;
};

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
export interface LoadedLibrary<S extends ForeignLibraryInterface> {
  /** The bound functions, by name. */
  readonly symbols: BoundFunctions<S>;
  /** Unloads the library where the runtime can (Deno); a no-op where it cannot (Node-API modules stay loaded). */
  close(): void;
}
