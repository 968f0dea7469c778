/**
 * The runtime zerocopy runs in. Only Deno's is written so far; a Node or Bun
 * form of the package answers here with its own implementation of the same
 * interface, and nothing outside src/runtime/ changes.
 *
 * @module
 */

import type { Runtime } from "./runtime.ts";
import { denoRuntime } from "./deno/mod.ts";

/** The runtime in use. */
export const runtime: Runtime = denoRuntime;
