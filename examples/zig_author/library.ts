/**
 * Opens the example Zig author's library (build it first: `zig build` in
 * examples/zig_author) through its generated bindings.
 *
 * @module
 */

import { type Bindings, open, type symbols } from "./bindings.ts";
import { libraryFileName, type ZeroCopyLibrary } from "../../mod.ts";

/** Where `zig build` in examples/zig_author puts the library. */
export function exampleLibraryPath(): string {
  return new URL(`./zig-out/lib/${libraryFileName("usecases")}`, import.meta.url).pathname;
}

/** The example library's typed wrappers, and the library for `stats()`. */
export function openExamples(): Promise<Bindings & { readonly library: ZeroCopyLibrary<typeof symbols> }> {
  return open(exampleLibraryPath());
}
