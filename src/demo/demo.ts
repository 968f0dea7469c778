/**
 * libzerocopy's demo functions, for trying zerocopy without writing Zig: a
 * generator per element type and a checksum, over the bindings generated from
 * zig/demo/demo.zig like any Zig author's.
 *
 * @module
 */

import { bind, type Bindings } from "./demo_bindings.ts";
import { checkElementType, checkLength, type ElementType } from "../abi/element_types.ts";
import type { LibzerocopySymbols, ZeroCopyLibrary } from "../library/library.ts";
import { openLibrary } from "../library/open.ts";
import { checkOpenOptions } from "../library/options.ts";
import type { MappingKind } from "../buffer/mapping.ts";
import type { ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";

/**
 * libzerocopy opened with its demo functions bound.
 *
 * @example The demo library's wrappers
 * ```ts
 * import { type Demo, openDemo } from "@zerocopy/zerocopy";
 *
 * const demo: Demo = await openDemo();
 * using frame = demo.generate("u8", 4);
 * console.log(frame.view.length, demo.library.stats().liveBuffers >= 1); // 4 true
 * ```
 */
export interface Demo {
  /** The library, for `stats()`, `allocate()`, `giveBack()` and the raw symbols. */
  readonly library: ZeroCopyLibrary<LibzerocopySymbols>;
  /** The generated wrappers over zig/demo/demo.zig's exports. */
  readonly bindings: Bindings;
  /**
   * Generates `length` elements of `type` in Zig (element `i` is `i` wrapped to
   * the type, or `i / 2` for floats) and adopts them with no copy.
   *
   * @throws {ZeroCopyError} `INVALID_ELEMENT_TYPE`, `INVALID_LENGTH`,
   * `SIZE_OVERFLOW` before anything is allocated; `OUT_OF_MEMORY` when Zig's
   * allocator fails.
   */
  generate<T extends ElementType>(type: T, length: number): ZeroCopyBuffer<T>;
  /**
   * FNV-1a hash that Zig computes over the buffer's bytes, reading the same
   * memory the view writes to.
   *
   * @throws {ZeroCopyError} `DISPOSED`, `CONSUMED` or `MOVED` for a buffer that is gone;
   * `INVALID_ARGUMENT` for anything but a ZeroCopyBuffer.
   */
  checksum(buffer: ZeroCopyBuffer): number;
}

/**
 * Opens libzerocopy (found as {@linkcode openLibrary} finds it) with its demo
 * functions bound.
 *
 * @param options Where to find the library and how to map its memory, as for `openLibrary`.
 * @returns The demo functions and the library.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for an option of the wrong kind;
 * whatever `openLibrary` throws.
 *
 * @example Generate a buffer in Zig and read it in Deno
 * ```ts
 * import { openDemo } from "@zerocopy/zerocopy";
 *
 * const demo = await openDemo();
 * using halves = demo.generate("f64", 4);
 * console.log(halves.view, demo.checksum(halves)); // Float64Array(4) [ 0, 0.5, 1, 1.5 ] …
 * ```
 */
export async function openDemo(options: { path?: string | URL; mapping?: MappingKind } = {}): Promise<Demo> {
  const { path, mapping } = checkOpenOptions(options);
  const library = await openLibrary({ path, mapping });
  const bindings = bind(library);
  return {
    library,
    bindings,
    generate<T extends ElementType>(type: T, length: number): ZeroCopyBuffer<T> {
      checkElementType(type);
      checkLength(length, type);
      const generator = bindings[`zc_generate_${type as ElementType}`] as (len: number) => ZeroCopyBuffer<T>;
      return generator(length);
    },
    checksum: (buffer) => bindings.zc_checksum(buffer),
  };
}
