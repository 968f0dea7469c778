/**
 * The Node-API mapping: the library's Node-API entry (zig/napi.zig) wraps a
 * handed-over descriptor in an external `ArrayBuffer` whose finalizer releases
 * it, so the memory goes back to Zig when the last `ArrayBuffer` holding it
 * dies, wherever V8 moved it: no `FinalizationRegistry`, and a user's
 * `transfer()`, `structuredClone` or `postMessage` transfer is safe.
 *
 * @module
 */

import type { Descriptor } from "./zero_copy_buffer.ts";

/** What zig/napi.zig puts on `module.exports`. */
export interface NodeApiEntry {
  /** Takes ownership of a handed-over descriptor (its `release` is zeroed) and maps its memory. */
  wrap(descriptor: Descriptor): ArrayBuffer;
  /** Detaches `memory` and moves its ownership into `descriptor`; false when something else still holds it. */
  reclaim(memory: ArrayBuffer, descriptor: Descriptor): boolean;
  /** Releases what finalizers on garbage-collector threads left for a JavaScript thread; returns how many. */
  drain(): number;
  /** The layout manifest, as `zc_layout` returns it. */
  layout(): string;
}

interface NodeModule {
  exports: Partial<NodeApiEntry>;
}

type Dlopen = (module: NodeModule, filename: string) => void;

/**
 * Loads the Node-API entry of the library at `path` with `process.dlopen`,
 * which takes the shared library as it is (no `.node` copy). Null when it
 * cannot load: a host without Node-API, a library built before the entry
 * existed, a relative path Deno cannot resolve without `--allow-read`.
 * Permission errors are Deno's own and pass through.
 */
export async function loadNodeApiEntry(path: string): Promise<NodeApiEntry | null> {
  const filename = absolute(path);
  if (filename === undefined) return null;
  let dlopen: Dlopen;
  try {
    dlopen = (await import("node:process")).default.dlopen as unknown as Dlopen;
  } catch {
    return null;
  }
  const module: NodeModule = { exports: {} };
  try {
    dlopen(module, filename);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) throw error;
    return null;
  }
  const entry = module.exports;
  if (
    typeof entry.wrap !== "function" || typeof entry.reclaim !== "function" ||
    typeof entry.drain !== "function" || typeof entry.layout !== "function"
  ) return null;
  return entry as NodeApiEntry;
}

/**
 * `process.dlopen` needs an absolute path, except under a path-scoped
 * `--allow-ffi`, which resolves it. Resolving needs the working directory:
 * `Deno.cwd()` under `--allow-read`, else Linux's `/proc/self/cwd`.
 */
function absolute(path: string): string | undefined {
  if (/^([/\\]|[A-Za-z]:[/\\])/.test(path)) return path;
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return path;
  if (Deno.permissions.querySync({ name: "read" }).state === "granted") return `${Deno.cwd()}/${path}`;
  if (Deno.build.os === "linux") return `/proc/self/cwd/${path}`;
  return undefined;
}
