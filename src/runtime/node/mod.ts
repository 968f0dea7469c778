/**
 * zerocopy's runtime interface under Node (and, with its own name, Bun),
 * assembled from one module per concern.
 *
 * @module
 */

import type { OperatingSystem, Runtime } from "../runtime.ts";
import { nodeFileSystem } from "./fs.ts";
import { builtin, type NodeFs, nodeProcess } from "./host.ts";
import { nodeLoader } from "./loader.ts";
import { nodeNpm } from "./npm.ts";
import { nodeErrors, nodePermissions } from "./permissions.ts";
import { nodePointers } from "./pointers.ts";

const OS: Readonly<Record<string, OperatingSystem>> = { win32: "windows", sunos: "solaris" };
const ARCH: Readonly<Record<string, string>> = { x64: "x86_64", arm64: "aarch64", ia32: "x86" };

/**
 * The runtime interface over Node's `process` and `node:fs`.
 *
 * @param name What to report as the runtime's name.
 * @param loader How to load libraries.
 */
export function nodeLikeRuntime(name: "node" | "bun", loader: Runtime["loader"] = nodeLoader): Runtime {
  const process = nodeProcess();
  return {
    name,
    os: OS[process.platform] ?? process.platform as OperatingSystem,
    arch: ARCH[process.arch] ?? process.arch,
    pid: process.pid,
    fs: nodeFileSystem,
    permissions: nodePermissions,
    errors: nodeErrors,
    loader,
    npm: nodeNpm(name === "bun" ? "bun add" : "npm install"),
    pointers: nodePointers,
    stderr: {
      writeSync: (bytes) => builtin<NodeFs>("node:fs").writeSync(2, bytes),
      isTerminal: () => process.stderr.isTTY === true,
    },
    detachFinalizes: name === "bun",
    // In Bun a moved ArrayBuffer now and then arrived as a copy on a loaded machine, which the receiver
    // refuses; a handle cannot arrive as a copy.
    transfersMemory: false,
    env: (variable) => process.env[variable],
    onExit: (callback) => process.on("exit", callback),
  };
}
