/**
 * Opens the example Zig author's library through its generated bindings.
 * Build it first, once, from the repository's root:
 *
 *     zig build --build-file examples/zig_author/build.zig --release=safe
 *
 * @module
 */

import { type Bindings, open, type symbols } from "./bindings.ts";
import { libraryFileName, ZeroCopyError, type ZeroCopyLibrary } from "../../mod.ts";

/** Where `zig build` in examples/zig_author puts the library. */
export function exampleLibraryPath(): string {
  return new URL(`./zig-out/lib/${libraryFileName("usecases")}`, import.meta.url).pathname;
}

/** The example library's typed wrappers, and the library for `stats()`. */
export async function openExamples(): Promise<
  Bindings & { readonly library: ZeroCopyLibrary<typeof symbols> }
> {
  try {
    return await open(exampleLibraryPath());
  } catch (error) {
    if (!(error instanceof ZeroCopyError) || error.code !== "LIBRARY_NOT_FOUND") throw error;
    throw new ZeroCopyError(
      "LIBRARY_NOT_FOUND",
      `The example library "${exampleLibraryPath()}" is not built: run "zig build --build-file examples/zig_author/build.zig --release=safe" in the zerocopy checkout`,
      { cause: error },
    );
  }
}
