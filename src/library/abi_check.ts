/**
 * Refusing a loaded library unless it speaks this module's ABI: its version,
 * then every layout of the generated manifest, then its symbols.
 *
 * @module
 */

import { runtime } from "../runtime/current.ts";
import type { ForeignLibraryInterface, LoadedLibrary, PointerValue } from "../runtime/ffi_types.ts";
import { ZeroCopyError } from "../errors.ts";
import { ABI_VERSION } from "../abi/layout.ts";
import { abiLayout, type probeSymbols } from "../abi/symbols.ts";

interface LayoutManifest {
  abi_version?: unknown;
  structs?: Record<string, unknown>;
  element_types?: Record<string, unknown>;
  element_sizes?: Record<string, unknown>;
  statuses?: Record<string, unknown>;
}

/**
 * Checks that a loaded library speaks this module's ABI version: the fourth
 * step, before the mapping is chosen, so that a library of another version
 * is reported as such rather than as a missing Node-API entry or symbol.
 *
 * @param symbols The library's symbols, bound as optional by `loadFile`.
 * @param path The file, for the message.
 * @throws {ZeroCopyError} `SYMBOL_MISSING` for a library that is not a
 * zerocopy library; `ABI_MISMATCH` for another ABI version.
 */
export function checkAbiVersion(symbols: Record<string, unknown>, path: string): void {
  const probe = symbols as Partial<LoadedLibrary<typeof probeSymbols>["symbols"]>;
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
}

/**
 * Checks every layout of the library's manifest, then that it exports every
 * symbol of `table`: after the mapping is chosen, because the Node-API entry
 * reads the manifest where `UnsafePointerView` is refused (a path-scoped
 * `--allow-ffi`).
 *
 * @param symbols The library's symbols, bound as optional.
 * @param table The symbols the caller needs.
 * @param path The file, for the message.
 * @param layout The manifest as the Node-API entry read it; read through `zc_layout` when undefined.
 * @throws {ZeroCopyError} `LAYOUT_MISMATCH`, `SYMBOL_MISSING`.
 */
export function checkLayoutAndSymbols(
  symbols: Record<string, unknown>,
  table: ForeignLibraryInterface,
  path: string,
  layout: string | undefined,
): void {
  const probe = symbols as LoadedLibrary<typeof probeSymbols>["symbols"];
  checkLayout(layout ?? readCString(probe.zc_layout()), path);
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

function readCString(pointer: PointerValue): string {
  return pointer === null ? "" : runtime.pointers.cString(pointer);
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
