/**
 * Loading a library under Deno: `Deno.dlopen` for its FFI symbols, and
 * `process.dlopen` from Deno's Node compatibility layer for its Node-API entry.
 *
 * @module
 */

import type { LoadedLibrary } from "../ffi_types.ts";
import type { Loader, NodeDlopen } from "../runtime.ts";

let nodeDlopen: Promise<NodeDlopen | null> | undefined;

/** Deno's loaders. */
export const denoLoader: Loader = {
  // Deno binds the same table; its own types for it only spell the same things differently.
  dlopen: (path, symbols) =>
    Deno.dlopen(path, symbols as Deno.ForeignLibraryInterface) as unknown as LoadedLibrary<typeof symbols>,
  // Imported on first use: loading Deno's Node compatibility layer costs about
  // 15 ms, which the pointer-view mapping never pays.
  nodeDlopen: () => nodeDlopen ??= importNodeDlopen(),
};

async function importNodeDlopen(): Promise<NodeDlopen | null> {
  try {
    const process = (await import("node:process")).default as unknown as { dlopen?: NodeDlopen };
    return typeof process.dlopen === "function" ? process.dlopen : null;
  } catch {
    return null;
  }
}
