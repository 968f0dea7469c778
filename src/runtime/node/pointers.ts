/**
 * Raw pointers under Node and Bun: there are none to make or read through.
 * Node-API hands memory over as external `ArrayBuffer`s, so the node-api
 * mapping needs none; the pointer-view mapping and `unsafePointer` are Deno's alone.
 *
 * @module
 */

import { ZeroCopyError } from "../../errors.ts";
import type { Pointers } from "../runtime.ts";

function unavailable(what: string): never {
  throw new ZeroCopyError(
    "UNSUPPORTED_RUNTIME",
    `${what} needs raw pointers, which only Deno's FFI gives: use the node-api mapping (the default) and buffer views`,
  );
}

/** No raw pointers. */
export const nodePointers: Pointers = {
  available: false,
  create: () => unavailable("A pointer from an address"),
  arrayBuffer: () => unavailable("The pointer-view mapping"),
  cString: () => unavailable("Reading a C string"),
};
