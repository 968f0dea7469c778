/**
 * npm packages under Deno: fetched into Deno's npm cache on first use through
 * `npm:` specifiers. Deno records a package only where its specifier is
 * written out in an import (as JSR does for npm users of this package, who get
 * it as a dependency), so each package zerocopy pins is named here literally.
 *
 * @module
 */

import type { NpmFile, NpmFileRequest, NpmPackages } from "../runtime.ts";

interface Pinned {
  /** Imports the package's manifest: what makes Deno fetch the package. */
  manifest(): Promise<{ default: { version?: unknown } }>;
  /** The manifest's URL in the npm cache. */
  resolve(): string;
}

const PINNED: Readonly<Record<string, Pinned>> = {
  "@duckdb/node-bindings-linux-x64@1.5.6-r.1": {
    manifest: () =>
      import("npm:@duckdb/node-bindings-linux-x64@1.5.6-r.1/package.json", { with: { type: "json" } }),
    resolve: () => import.meta.resolve("npm:@duckdb/node-bindings-linux-x64@1.5.6-r.1/package.json"),
  },
};

async function locate({ name, version, file }: NpmFileRequest): Promise<NpmFile> {
  const spec = `${name}@${version}`;
  if (!Object.hasOwn(PINNED, spec)) {
    throw new Error(`"${spec}" is not one of the npm packages src/runtime/deno/npm.ts names`);
  }
  const manifest = await PINNED[spec].manifest();
  const url = PINNED[spec].resolve();
  if (!url.startsWith("file:")) throw new Error(`its manifest resolved to ${url}, not a file`);
  return {
    path: decodeURIComponent(new URL(file, url).pathname),
    version: String(manifest.default.version),
  };
}

/** Deno's npm packages. */
export const denoNpm: NpmPackages = {
  locate,
  installHint: () => "check that Deno can reach the npm registry (or that its npm cache holds the package)",
};
