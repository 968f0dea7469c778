/**
 * Run by bench/report.ts under Bun (`bun bench/bun/handover.ts <library> <sizes...>`):
 * the handover a Bun user would write with `bun:ffi`'s `toArrayBuffer`, over
 * the same bench library and pools the Deno cases use, timed by the same
 * loops. Prints one JSON object on stdout.
 *
 * Type-checked by Deno: `bun:ffi` is imported by a computed specifier and
 * described by the few types below, so Deno never resolves it.
 *
 * @module
 */

import { measure, type Measurement, type Size, SIZES } from "../_timing.ts";

/** The part of `bun:ffi` used here. */
interface BunFfi {
  dlopen(path: string, symbols: Record<string, { args: string[]; returns: string }>): {
    symbols: Record<string, (...args: unknown[]) => number>;
  };
  toArrayBuffer(pointer: number, byteOffset: number, byteLength: number): ArrayBuffer;
}

/** What this script prints: Bun's version and each case's measurement per size label (null when skipped). */
export interface BunResults {
  /** `Bun.version`. */
  version: string;
  /** Case key → size label → measurement. */
  results: Record<string, Record<string, Measurement | null>>;
}

const ffiModule = "bun:ffi";
const { dlopen, toArrayBuffer } = (await import(ffiModule)) as BunFfi;
const bun = (globalThis as unknown as { Bun: { version: string; argv: string[] } }).Bun;
const [libraryPath, ...labels] = bun.argv.slice(2);

const { symbols } = dlopen(libraryPath, {
  bench_pool_prepare: { args: ["u32", "u32", "u32"], returns: "i32" },
  bench_pool_free: { args: ["u32"], returns: "i32" },
  bench_hand_over: { args: ["u32", "ptr"], returns: "i32" },
  bench_pool_address: { args: ["u32"], returns: "ptr" },
  bench_floor: { args: ["u32", "ptr"], returns: "i32" },
  zc_release: { args: ["ptr"], returns: "void" },
  zc_ring_create: { args: ["u32", "u64", "ptr"], returns: "i32" },
  zc_ring_release: { args: ["ptr", "u32"], returns: "i32" },
  bench_ring_next: { args: ["u32", "ptr"], returns: "i32" },
});

const BUFFER_WORDS = 6;
let sink: unknown;

/** Bun's handover: the call, `toArrayBuffer` over the pointer, a view, and the release call. */
function handOver(pool: number, byteLength: number): () => void {
  return () => {
    const descriptor = new BigUint64Array(BUFFER_WORDS);
    symbols.bench_hand_over(pool, descriptor);
    sink = new Float64Array(toArrayBuffer(Number(descriptor[0]), 0, byteLength));
    symbols.zc_release(descriptor);
  };
}

/** `toArrayBuffer` alone over an existing pointer, like the raw Deno path. */
function toArrayBufferOnly(pointer: number, byteLength: number): () => void {
  return () => {
    sink = new Float64Array(toArrayBuffer(pointer, 0, byteLength));
  };
}

const results: BunResults["results"] = { bun_floor: {}, bun_to_array_buffer: {}, bun_handover: {} };
// The same samples per size as the Deno handover cases get over their three rounds.
const budget = { ms: 1200, minSamples: 5, maxSamples: 123 };

for (const size of SIZES.filter((s: Size) => labels.includes(s.label))) {
  const pool = SIZES.indexOf(size);
  if (symbols.bench_pool_prepare(pool, size.bytes / 1024, 1) !== 0) {
    for (const key of Object.keys(results)) results[key][size.label] = null;
    continue;
  }
  const floorDescriptor = new BigUint64Array(BUFFER_WORDS);
  collectGarbage();
  results.bun_floor[size.label] = await measure(() => {
    sink = symbols.bench_floor(pool, floorDescriptor);
  }, budget);
  collectGarbage();
  results.bun_handover[size.label] = await measureOrNull(handOver(pool, size.bytes), budget);
  collectGarbage();
  results.bun_to_array_buffer[size.label] = await measureOrNull(
    toArrayBufferOnly(symbols.bench_pool_address(pool), size.bytes),
    budget,
  );
  collectGarbage();
  symbols.bench_pool_free(pool);
}

/** The ring streams bench/report.ts measures, passed in ZEROCOPY_STREAMS. */
interface StreamCase {
  key: string;
  slotBytes: number;
}

/**
 * The same ring and producer as the Deno stream cases: Zig stamps the next
 * free slot and hands it over; Bun maps the slot with `toArrayBuffer`, reads
 * the stamp and releases the slot, as a Bun user of this library would.
 */
function stream(slotBytes: number): { run: () => void; close: () => void } {
  const descriptor = new BigUint64Array(BUFFER_WORDS);
  if (symbols.zc_ring_create(4, slotBytes, descriptor) !== 0) throw new Error("Cannot create the ring");
  const out = new BigUint64Array(4); // zig/zerocopy/abi.zig SliceOut: owner, offset, len, element type and slot
  out[0] = descriptor[4]; // the ring, from the descriptor's `private`
  const halves = new Uint32Array(out.buffer);
  const base = Number(descriptor[0]);
  let sequence = 0;
  return {
    run: () => {
      sequence = (sequence + 1) | 0;
      symbols.bench_ring_next(sequence, out);
      const view = new Uint8Array(toArrayBuffer(base, halves[2], halves[4]));
      sink = view[0];
      symbols.zc_ring_release(descriptor, halves[7]);
    },
    close: () => symbols.zc_release(descriptor),
  };
}

const streams = JSON.parse(
  (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env
    .ZEROCOPY_STREAMS ?? "[]",
) as StreamCase[];
for (const { key, slotBytes } of streams) {
  const ring = stream(slotBytes);
  collectGarbage();
  results[`bun_${key}`] = { stream: await measure(ring.run, budget) };
  collectGarbage();
  ring.close();
}

/** A size Bun cannot map (an ArrayBuffer too large for JavaScriptCore) is skipped, not fatal. */
async function measureOrNull(iteration: () => void, limits: typeof budget): Promise<Measurement | null> {
  try {
    return await measure(iteration, limits);
  } catch {
    return null;
  }
}

/**
 * Starts each measurement from a collected heap, as the Deno report does, and
 * collects the views made over a pool before its memory is freed.
 */
function collectGarbage(): void {
  (globalThis as unknown as { Bun: { gc(force: boolean): void } }).Bun.gc(true);
}

const output: BunResults = { version: bun.version, results };
// Reading the sink keeps the views it held observable to the JIT.
if (sink === undefined) throw new Error("No case ran");
console.log(JSON.stringify(output));
