/**
 * Opens the benchmarks' own Zig library (bench/zig/bench_lib.zig, built by
 * `zig build bench-lib`) through zerocopy's public API, as a Zig author would.
 *
 * @module
 */

import { type MappingKind, openLibrary, ZeroCopyError, type ZeroCopyLibrary } from "../mod.ts";
import { libraryFileName } from "../src/library/discovery.ts";
import { STATUS } from "../src/abi/layout.ts";
import { readProcFile } from "./_proc.ts";
import { type Size, SIZES } from "./_timing.ts";
import { benchSymbols } from "./_bench_symbols.ts";

/** The bench library's own exports, generated from bench/zig/bench_lib.zig by `zig build bindings`. */
export { benchSymbols };

/** The opened bench library. */
export type BenchLibrary = ZeroCopyLibrary<typeof benchSymbols>;

/** Where `zig build bench-lib` installs the library. */
export const BENCH_LIBRARY_PATH: string =
  new URL(`../zig-out/bench/${libraryFileName("zerocopy_bench")}`, import.meta.url).pathname;

/**
 * Opens the bench library once per mapping (the default when absent); run
 * `zig build bench-lib` first. Every mapping's object shares the file's pools.
 */
export async function openBenchLibrary(mapping?: MappingKind): Promise<BenchLibrary> {
  try {
    return await openLibrary({ path: BENCH_LIBRARY_PATH, symbols: benchSymbols, mapping });
  } catch (error) {
    if (!(error instanceof ZeroCopyError) || error.code !== "LIBRARY_NOT_FOUND") throw error;
    throw new ZeroCopyError(
      "LIBRARY_NOT_FOUND",
      `The bench library "${BENCH_LIBRARY_PATH}" is not built: run "zig build bench-lib" in the zerocopy checkout`,
      { cause: error },
    );
  }
}

/** The pool (size class) index of `size` in the bench library. */
export function poolOf(size: Size): number {
  return SIZES.indexOf(size);
}

/** Sizes whose pool was filled, so that an unprepared size is skipped rather than failed. */
const prepared = new Set<Size>();

/**
 * Fills the pool of pre-made buffers for `size` once. Returns false when the
 * machine cannot hold it (the pool would take more than half the memory
 * available, or the allocator refused), so the caller skips that size.
 */
export function preparePool(lib: BenchLibrary, size: Size): boolean {
  if (prepared.has(size)) return true;
  if (size.bytes * 2 > availableMemory()) return false;
  const status = lib.symbols.bench_pool_prepare(poolOf(size), size.bytes / 1024, 1);
  if (status !== STATUS.ok) return false;
  prepared.add(size);
  return true;
}

/** MemAvailable from /proc/meminfo in bytes; Infinity where there is none to read. */
export function availableMemory(): number {
  const match = readProcFile("/proc/meminfo")?.match(/^MemAvailable:\s+(\d+) kB/m);
  return match ? Number(match[1]) * 1024 : Infinity;
}
