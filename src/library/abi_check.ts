/**
 * Opening a library file and refusing it unless it speaks this module's ABI:
 * its version, then every layout of the generated manifest, then its symbols.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { ABI_VERSION } from "../abi/layout.ts";
import { abiLayout, probeSymbols } from "../abi/symbols.ts";

interface LayoutManifest {
  abi_version?: unknown;
  structs?: Record<string, unknown>;
  element_types?: Record<string, unknown>;
  element_sizes?: Record<string, unknown>;
  statuses?: Record<string, unknown>;
}

/**
 * Opens `path` with `table` and checks it, in one `dlopen`: every symbol is
 * bound as optional, so a library of another ABI version reports its version
 * before a missing symbol could hide it. Returns null when there is no file.
 * `readLayout`, called once the version matches, may supply the layout
 * manifest another way than `zc_layout` through an `UnsafePointerView`.
 */
export function openChecked<S extends Deno.ForeignLibraryInterface>(
  path: string,
  table: S,
  readLayout: () => string | undefined = () => undefined,
): Deno.DynamicLibrary<S> | null {
  const optional = Object.fromEntries(
    Object.entries({ ...table, ...probeSymbols }).map((
      [name, symbol],
    ) => [name, { ...symbol, optional: true }]),
  ) as Deno.ForeignLibraryInterface;
  let library: Deno.DynamicLibrary<Deno.ForeignLibraryInterface>;
  try {
    library = Deno.dlopen(path, optional);
  } catch (error) {
    if (isPermissionError(error)) throw error;
    if (isMissingFile(error)) return null;
    throw new ZeroCopyError(
      "LIBRARY_INVALID",
      `Cannot load native library "${path}": ${
        (error as Error).message
      }; rebuild it with "zig build" for this platform`,
      { cause: error },
    );
  }
  try {
    checkAbi(library.symbols, table, path, readLayout);
  } catch (error) {
    library.close();
    throw error;
  }
  return library as unknown as Deno.DynamicLibrary<S>;
}

function checkAbi(
  symbols: Record<string, unknown>,
  table: Deno.ForeignLibraryInterface,
  path: string,
  readLayout: () => string | undefined,
): void {
  const probe = symbols as Partial<Deno.DynamicLibrary<typeof probeSymbols>["symbols"]>;
  if (probe.zc_abi_version == null || probe.zc_layout == null) {
    throw new ZeroCopyError(
      "SYMBOL_MISSING",
      `Cannot use native library "${path}": it lacks zc_abi_version and zc_layout, so it is not a zerocopy library; add \`comptime { zerocopy.exportAbi(); }\` to its root Zig file`,
    );
  }
  const version = probe.zc_abi_version();
  if (version !== ABI_VERSION) {
    throw new ZeroCopyError(
      "ABI_MISMATCH",
      `Cannot use native library "${path}": it has ABI version ${version} but this module needs ${ABI_VERSION}; rebuild it from the matching zerocopy version with "zig build"`,
    );
  }
  const layout = readLayout() ?? readCString(probe.zc_layout());
  checkLayout(layout, path);
  const missing = Object.keys(table).filter((name) => symbols[name] == null);
  if (missing.length > 0) {
    throw new ZeroCopyError(
      "SYMBOL_MISSING",
      `Cannot use native library "${path}": it does not export ${
        missing.join(", ")
      }; it is not the library these symbols describe, or was built from another version`,
    );
  }
}

function readCString(pointer: Deno.PointerValue): string {
  return pointer === null ? "" : new Deno.UnsafePointerView(pointer).getCString();
}

/**
 * Compares the library's JSON layout manifest with what this module expects
 * and throws `LAYOUT_MISMATCH` naming the first difference.
 */
export function checkLayout(json: string, path: string): void {
  let manifest: LayoutManifest;
  try {
    manifest = JSON.parse(json);
  } catch (cause) {
    throw mismatch(path, "its layout manifest is not JSON", { cause });
  }
  const sections = {
    structs: "struct",
    element_types: "element type",
    element_sizes: "element size",
    statuses: "status",
  } as const;
  for (const [section, label] of Object.entries(sections) as [keyof typeof sections, string][]) {
    for (const [name, expected] of Object.entries(abiLayout[section])) {
      const actual = JSON.stringify(manifest[section]?.[name]);
      if (actual !== JSON.stringify(expected)) {
        throw mismatch(path, `${label} ${name} is ${actual}, expected ${JSON.stringify(expected)}`);
      }
    }
  }
}

function mismatch(path: string, what: string, options?: ErrorOptions): ZeroCopyError {
  return new ZeroCopyError(
    "LAYOUT_MISMATCH",
    `Cannot use native library "${path}": ${what}; rebuild it from the same zerocopy version with "zig build"`,
    options,
  );
}

/** Deno's own permission errors, which zerocopy passes through unwrapped. */
export function isPermissionError(error: unknown): boolean {
  return error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied;
}

function isMissingFile(error: unknown): boolean {
  return error instanceof Error &&
    /no such file|cannot open shared object file: no such|image not found|specified module could not be found/i
      .test(error.message);
}
