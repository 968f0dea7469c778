/**
 * npm packages under Node and Bun: the ones installed with zerocopy's own
 * package (its dependencies), resolved as a module of this package resolves
 * them (`node_modules` folders up from where it is installed). Never from the
 * working directory, which would let whoever controls it choose the native
 * library zerocopy loads.
 *
 * @module
 */

import type { NpmFile, NpmFileRequest, NpmPackages } from "../runtime.ts";
import { builtin, type NodeFs, type NodeModules, type NodePath } from "./host.ts";

async function locate({ name, file }: NpmFileRequest): Promise<NpmFile> {
  const require = builtin<NodeModules>("node:module").createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch (error) {
    throw new Error(`it is not installed beside @zerocopy/zerocopy`, { cause: error });
  }
  const text = new TextDecoder().decode(await builtin<NodeFs>("node:fs").promises.readFile(manifest));
  const { version } = JSON.parse(text) as { version?: unknown };
  const path = builtin<NodePath>("node:path");
  return { path: path.join(path.dirname(manifest), ...file.split("/")), version: String(version) };
}

/**
 * The npm packages of Node or Bun.
 *
 * @param install The command that adds a package to a project in this runtime (`npm install`, `bun add`).
 */
export function nodeNpm(install: string): NpmPackages {
  return {
    locate,
    installHint: (name, version) =>
      `install it in your project with "${install} ${name}@${version}" (an optional dependency of @zerocopy/zerocopy, which your package manager may have skipped)`,
  };
}
