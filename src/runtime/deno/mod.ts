/**
 * zerocopy's runtime interface under Deno, assembled from one module per concern.
 *
 * @module
 */

import type { Runtime } from "../runtime.ts";
import { denoFileSystem } from "./fs.ts";
import { denoLoader } from "./loader.ts";
import { denoNpm } from "./npm.ts";
import { denoErrors, denoPermissions } from "./permissions.ts";
import { denoPointers } from "./pointers.ts";

/** Deno, as zerocopy uses it; made on demand, since `Deno` exists only under Deno. */
export function denoRuntime(): Runtime {
  return {
    name: "deno",
    os: Deno.build.os,
    arch: Deno.build.arch,
    pid: Deno.pid,
    fs: denoFileSystem,
    permissions: denoPermissions,
    errors: denoErrors,
    loader: denoLoader,
    npm: denoNpm,
    pointers: denoPointers,
    stderr: Deno.stderr,
    detachFinalizes: true,
    transfersMemory: true,
    env: (name) => Deno.env.get(name),
    onExit: (callback) => globalThis.addEventListener("unload", callback),
  };
}
