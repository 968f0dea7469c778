/**
 * The runtime zerocopy runs in, told apart by the global each one defines:
 * `Deno`, then `Bun` (which also defines `process`), else Node.
 *
 * @module
 */

import type { Runtime } from "./runtime.ts";
import { denoRuntime } from "./deno/mod.ts";
import { bunRuntime } from "./bun/mod.ts";
import { nodeLikeRuntime } from "./node/mod.ts";

function detect(): Runtime {
  if ("Deno" in globalThis) return denoRuntime();
  if ("Bun" in globalThis) return bunRuntime();
  return nodeLikeRuntime("node");
}

/** The runtime in use. */
export const runtime: Runtime = detect();
