/**
 * Opens the benchmarks' own Zig library (bench/zig/bench_lib.zig, built by
 * `zig build bench-lib`) through zerocopy's public API, as a Zig author would.
 *
 * @module
 */

import { openLibrary, type ZeroCopyLibrary } from "../mod.ts";
import { STATUS } from "../src/abi.ts";
import { libraryFileName } from "../src/library.ts";
import { readProcFile } from "./_proc.ts";
import { type Size, SIZES } from "./_timing.ts";

/** The bench library's own exports, each parameter with its Zig type. */
export const benchSymbols = {
  /** `fn (pool: u32, kib: u32, count: u32) Status`: allocates and fills `count` buffers */
  bench_pool_prepare: { parameters: ["u32", "u32", "u32"], result: "i32" },
  /** `fn (pool: u32, kib: u32, count: u32) Status`: one region of `count` equal slots */
  bench_region_prepare: { parameters: ["u32", "u32", "u32"], result: "i32" },
  /** `fn (pool: u32, out: ?*Buffer) Status`: hands the whole region over once */
  bench_region_hand_over: { parameters: ["u32", "buffer"], result: "i32" },
  /** `fn (pool: u32) f64`: claims a slot, returns its element offset or -1 */
  bench_region_take: { parameters: ["u32"], result: "f64" },
  /** `fn (pool: u32, offset: f64) void`: puts the slot back */
  bench_region_put: { parameters: ["u32", "f64"], result: "void" },
  /** `fn (pool: u32) void`: frees the region */
  bench_region_free: { parameters: ["u32"], result: "void" },
  /** `fn (pool: u32) Status`: frees a size class whose buffers are all back */
  bench_pool_free: { parameters: ["u32"], result: "i32" },
  /** `fn (pool: u32, out: ?*Buffer) Status`: hands over an existing pre-filled buffer */
  bench_hand_over: { parameters: ["u32", "buffer"], result: "i32" },
  /** `fn (pool: u32) ?[*]f64`: the pool's first buffer, to map or copy without a handover */
  bench_pool_address: { parameters: ["u32"], result: "pointer" },
  /** `fn (pool: u32, out: ?*Buffer) Status`: does nothing, the floor */
  bench_floor: { parameters: ["u32", "buffer"], result: "i32" },
  /** `fn (kib: u32, out: ?*Buffer) Status`: allocates, fills and hands over */
  bench_fill_and_hand_over: { parameters: ["u32", "buffer"], result: "i32" },
  /** `fn (pool: u32, out: ?*Buffer) Status`: the pool's f64 as JSON text, handed over as u8 */
  bench_to_json: { parameters: ["u32", "buffer"], result: "i32" },
  /** `fn (values: ?[*]const f64, len: u32) f64`: SIMD sum of a lent Float64Array */
  bench_sum_f64: { parameters: ["buffer", "u32"], result: "f64" },
  /** `fn (words: ?[*]const u64, len: u32) u32`: reads every word, the memory floor */
  bench_read_floor: { parameters: ["buffer", "u32"], result: "u32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened bench library. */
export type BenchLibrary = ZeroCopyLibrary<typeof benchSymbols>;

/** Where `zig build bench-lib` installs the library. */
export const BENCH_LIBRARY_PATH: string =
  new URL(`../zig-out/bench/${libraryFileName("zerocopy_bench")}`, import.meta.url).pathname;

/** Opens the bench library once; run `zig build bench-lib` first. */
export function openBenchLibrary(): BenchLibrary {
  return openLibrary({ path: BENCH_LIBRARY_PATH, symbols: benchSymbols });
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
