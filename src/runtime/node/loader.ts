/**
 * Loading a library under Node and Bun: `process.dlopen`, once per file. The
 * library registers itself as a Node-API module: each export's FFI-like
 * binding under `symbols` (a promise-returning one under `nonblocking` for
 * exports marked nonblocking), beside the node-api mapping's entry.
 *
 * @module
 */

import type { ForeignLibraryInterface, LoadedLibrary } from "../ffi_types.ts";
import type { Loader, NodeDlopen } from "../runtime.ts";
import { builtin, type NodePath, nodeProcess } from "./host.ts";

// Each process.dlopen registers the module anew; one registration per file
// keeps the mapping's entry and the bound functions on the same module state.
const modules = new Map<string, Record<string, unknown>>();

function exportsOf(path: string): Record<string, unknown> {
  // A bare name is the dynamic loader's to search for; a path is the same file however spelled.
  const file = /[/\\]/.test(path) ? builtin<NodePath>("node:path").resolve(path) : path;
  let exports = modules.get(file);
  if (exports === undefined) {
    const module = { exports: {} };
    nodeProcess().dlopen(module, file);
    exports = module.exports;
    modules.set(file, exports);
  }
  return exports;
}

type Functions = Record<string, ((...args: unknown[]) => unknown) | undefined>;

/** Binds `symbols` from the module's exports, as `Deno.dlopen` binds them. */
function bind<S extends ForeignLibraryInterface>(path: string, symbols: S): LoadedLibrary<S> {
  const exports = exportsOf(path);
  const sync = (exports.symbols ?? {}) as Functions;
  const nonblocking = (exports.nonblocking ?? {}) as Functions;
  const bound: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(symbols)) {
    const native = definition.name ?? name;
    const call = definition.nonblocking ? nonblocking[native] : sync[native];
    if (typeof call === "function") {
      bound[name] = call;
    } else if (definition.optional) {
      bound[name] = null;
    } else {
      throw new Error(
        `Failed to register symbol ${native}: "${path}" does not export it as a Node-API function`,
      );
    }
  }
  return { symbols: bound as LoadedLibrary<S>["symbols"], close() {} };
}

const dlopenOnce: NodeDlopen = (module, filename) => {
  module.exports = exportsOf(filename);
};

/** Node's and Bun's loader. */
export const nodeLoader: Loader = {
  dlopen: bind,
  nodeDlopen: () => Promise.resolve(dlopenOnce),
};
