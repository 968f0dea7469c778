/**
 * What this module expects of the native library's ABI (zig/abi.zig), and the
 * check that refuses a library that disagrees.
 *
 * @module
 */

import { ZeroCopyError } from "./errors.ts";
import { abiLayout } from "./symbols.ts";

/** The `abi_version` of zig/abi.zig this module was generated from. */
export const ABI_VERSION: number = abiLayout.abi_version;

/** Statuses of zig/abi.zig `Status`, by name. */
export const STATUS: typeof abiLayout.statuses = abiLayout.statuses;

/** 64-bit words of a `Buffer` descriptor, in field order. */
export const BUFFER_WORDS = 6;

/** Word index of each `Buffer` field in a `BigUint64Array` descriptor. */
export const BufferField = {
  ptr: 0,
  len: 1,
  cap: 2,
  release: 3,
  private: 4,
  /** `element_type` in the low 32 bits, `flags` in the high 32 bits. */
  elementTypeAndFlags: 5,
} as const;

/** 64-bit words of a `Stats` struct. */
export const STATS_WORDS = 4;

/** The layouts this module reads and writes, generated from zig/abi.zig. */
export const EXPECTED_STRUCTS: typeof abiLayout.structs = abiLayout.structs;

interface LayoutManifest {
  abi_version?: unknown;
  structs?: Record<string, unknown>;
  element_types?: Record<string, unknown>;
  statuses?: Record<string, unknown>;
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
  // Everything this module was generated against, compared section by section.
  const sections = { structs: "struct", element_types: "element type", statuses: "status" } as const;
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

/** Turns a non-ok status from the library into the error the caller sees. */
export function statusError(status: number, what: string): ZeroCopyError {
  switch (status) {
    case STATUS.out_of_memory:
      return new ZeroCopyError(
        "OUT_OF_MEMORY",
        `${what} failed: the native allocator is out of memory; free buffers or ask for less`,
      );
    case STATUS.size_overflow:
      return new ZeroCopyError(
        "SIZE_OVERFLOW",
        `${what} failed: the byte size overflows the native address space; ask for less`,
      );
    case STATUS.invalid_element_type:
      return new ZeroCopyError(
        "INVALID_ELEMENT_TYPE",
        `${what} failed: the native side does not know that element type`,
      );
    default:
      return new ZeroCopyError(
        "INVALID_ARGUMENT",
        `${what} failed with native status ${status}; check its arguments`,
      );
  }
}

/**
 * Throws the `ZeroCopyError` for a non-ok `zerocopy.Status` a Zig function
 * returned; generated bindings call it for every status result.
 *
 * @param status The status the Zig function returned.
 * @param what What was called, for the message.
 * @throws {ZeroCopyError} `OUT_OF_MEMORY`, `SIZE_OVERFLOW`, `INVALID_ELEMENT_TYPE` or `INVALID_ARGUMENT`.
 *
 * @example Check a status
 * ```ts
 * import { checkStatus } from "@zerocopy/zerocopy";
 *
 * checkStatus(0, "resize_image"); // ok: returns
 * ```
 */
export function checkStatus(status: number, what: string): void {
  if (status !== STATUS.ok) throw statusError(status, what);
}
