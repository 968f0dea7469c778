/**
 * zerocopy's runtime interface under Bun: Node's, since Bun implements
 * `process.dlopen`, Node-API and `node:fs` as Node does.
 *
 * @module
 */

import type { Runtime } from "../runtime.ts";
import { nodeLikeRuntime } from "../node/mod.ts";

/** Bun, as zerocopy uses it. */
export function bunRuntime(): Runtime {
  return nodeLikeRuntime("bun");
}
