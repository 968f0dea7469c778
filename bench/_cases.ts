/**
 * Every measured approach, defined once: the `Deno.bench` files and the
 * report run the same code, so `deno bench` and `deno task bench` agree.
 *
 * @module
 */

import { type MappingKind, Region, Ring } from "../mod.ts";
import { DESCRIPTOR_WORDS } from "../src/buffer/descriptor.ts";
import { importNodeDlopen, loadNodeApiEntry } from "../src/buffer/mapping.ts";
import {
  availableMemory,
  BENCH_LIBRARY_PATH,
  type BenchLibrary,
  openBenchLibrary,
  poolOf,
  preparePool,
} from "./_bench_library.ts";
import {
  BATCH_SIZE,
  type Case,
  type Prepared,
  prepared,
  RING_SLOTS,
  type StreamCase,
  upTo,
} from "./_case.ts";
import { drainLending, readFloor, tsSum, zigSum } from "./_lending_cases.ts";
import { type Size, SIZES } from "./_timing.ts";

export { BATCH_SIZE, type Case, type Prepared, RING_SLOTS, type StreamCase, STREAMS } from "./_case.ts";
export { readFloor, tsSum, zigSum } from "./_lending_cases.ts";

// Results land here so the JIT cannot drop a view or a sum nobody reads.
let sink: unknown;

/** Reads the sink, so the last result of every case is observably used. */
export function drain(): unknown {
  return [sink, drainLending()];
}

/**
 * The address of `size`'s pooled buffer, for the approaches that start from a
 * bare pointer. It aliases the buffer `ours` hands over; neither frees it.
 */
function poolPointer(lib: BenchLibrary, size: Size): Deno.PointerObject {
  const pointer = lib.symbols.bench_pool_address(poolOf(size));
  if (pointer === null) throw new Error(`The pool of ${size.label} is empty`);
  return pointer as unknown as Deno.PointerObject;
}

/** Cases with a pool: skipped where the pool cannot be filled. */
function withPool(make: (lib: BenchLibrary, size: Size) => Prepared): Case["prepare"] {
  return (lib, size) => preparePool(lib, size) ? make(lib, size) : undefined;
}

/**
 * Our API: Zig hands over an existing buffer, Deno wraps it in a view, then
 * disposes it, under one mapping. Disposed by a direct call, not `using`:
 * Deno 2.9 compiles `using` to a helper that costs more than the handover
 * (see `oursWithUsing`).
 */
function adoptViewDispose(key: string, mapping: MappingKind): Case {
  return {
    group: "handover",
    key,
    name: `zerocopy adopt + view + dispose (${mapping})`,
    sizes: SIZES,
    prepare: withPool((_lib, size) => {
      const lib = libraries[mapping];
      const pool = poolOf(size);
      const handOver = lib.symbols.bench_hand_over;
      return prepared(() => {
        const buffer = lib.adopt("f64", (out) => handOver(pool, out));
        sink = buffer.view;
        buffer[Symbol.dispose]();
      });
    }),
  };
}

// The bench library under each mapping: two objects over one loaded file.
const libraries: Record<MappingKind, BenchLibrary> = {
  "node-api": await openBenchLibrary("node-api"),
  "pointer-view": await openBenchLibrary("pointer-view"),
};

/** The handover under the Node-API mapping, the default: an external ArrayBuffer whose finalizer releases. */
export const ours: Case = adoptViewDispose("ours", "node-api");

/** The handover under the pointer-view mapping: getArrayBuffer, detach, then a release call. */
export const oursPointerView: Case = adoptViewDispose("ours_pointer_view", "pointer-view");

/**
 * The pooled path: the bench library's region of slots is handed over and
 * mapped once; per buffer, a fast call claims a slot, Deno views it with a
 * subarray, and a fast call puts it back. Views are revoked per region, not
 * per buffer: a view of a released slot stays readable until the region goes.
 */
export const pooled: Case = {
  group: "handover",
  key: "pooled",
  name: "pooled: claim slot + subview + put back",
  sizes: upTo("100 MB"),
  prepare: (lib, size) => {
    const slots = 4;
    const pool = poolOf(size);
    if (size.bytes * slots * 2 > availableMemory()) return undefined;
    if (lib.symbols.bench_region_prepare(pool, size.bytes / 1024, slots) !== 0) return undefined;
    const region = lib.adopt("f64", (out) => lib.symbols.bench_region_hand_over(pool, out));
    const view = region.view;
    const slotLength = size.bytes / 8;
    const claim = lib.symbols.bench_region_take;
    const putBack = lib.symbols.bench_region_put;
    return {
      run: () => {
        const offset = claim(pool);
        sink = view.subarray(offset, offset + slotLength);
        putBack(pool, offset);
      },
      [Symbol.dispose]: () => {
        region[Symbol.dispose]();
        lib.symbols.bench_region_free(pool);
      },
    };
  },
};

/**
 * The public region API: a region of twice the size mapped once; per buffer a
 * fast call carves a slice (no fill) and `Region.adopt` views it with a
 * subarray. Nothing is unmapped or freed per buffer: the region goes whole.
 */
export const region: Case = {
  group: "handover",
  key: "region",
  name: "Region.adopt: carve + subarray",
  sizes: upTo("100 MB"),
  prepare: (lib, size) => {
    if (size.bytes * 2 * 2 > availableMemory()) return undefined;
    const mapped = Region.create(lib, 2 * size.bytes);
    const kib = size.bytes / 1024;
    const slice = lib.symbols.bench_region_slice;
    const call = (out: BigUint64Array<ArrayBuffer>) => slice(kib, out);
    return {
      run: () => {
        sink = mapped.adopt("f64", call);
      },
      [Symbol.dispose]: () => mapped[Symbol.dispose](),
    };
  },
};

/** A batch: one fast call hands over `BATCH_SIZE` slices; the figure is per slice. */
export const batched: Case = {
  group: "handover",
  key: "batched",
  name: `Region.adoptBatch: ${BATCH_SIZE} slices per call`,
  sizes: upTo("8 KB"),
  perRun: BATCH_SIZE,
  prepare: (lib, size) => {
    const mapped = Region.create(lib, BATCH_SIZE * size.bytes, { maxBatch: BATCH_SIZE });
    const kib = size.bytes / 1024;
    const batch = lib.symbols.bench_region_batch;
    const call = (out: BigUint64Array<ArrayBuffer>) => batch(BATCH_SIZE, kib, out);
    return {
      run: () => {
        sink = mapped.adoptBatch("f64", call);
      },
      [Symbol.dispose]: () => mapped[Symbol.dispose](),
    };
  },
};

/**
 * The public ring API: Zig stamps the next free slot and hands it over, Deno
 * reads the stamp through the slot's view and releases the slot.
 */
export function prepareStream(lib: BenchLibrary, stream: StreamCase): Prepared {
  const ring = Ring.create(lib, "u8", { slots: RING_SLOTS, slotLength: stream.slotBytes });
  const next = lib.symbols.bench_ring_next;
  let sequence = 0;
  const call = (out: BigUint64Array<ArrayBuffer>) => next(sequence, out);
  return {
    run: () => {
      sequence = (sequence + 1) | 0;
      const slot = ring.next(call);
      sink = slot.view[0];
      ring.release(slot);
    },
    [Symbol.dispose]: () => ring[Symbol.dispose](),
  };
}

/** `ours` written as the README shows it, with `using`: the difference is Deno's `using`, not zerocopy. */
export const oursWithUsing: Case = {
  group: "approaches",
  key: "ours_using",
  name: "zerocopy adopt + view, disposed by `using`",
  sizes: upTo("8 KB"),
  prepare: withPool((lib, size) => {
    const pool = poolOf(size);
    const handOver = lib.symbols.bench_hand_over;
    return prepared(() => {
      using buffer = lib.adopt("f64", (out) => handOver(pool, out));
      sink = buffer.view;
    });
  }),
};

/** The floor: an FFI call with the handover's argument types that does nothing. */
export const floor: Case = {
  group: "handover",
  key: "floor",
  name: "empty FFI call (floor)",
  sizes: SIZES,
  prepare: withPool((lib, size) => {
    const pool = poolOf(size);
    const call = lib.symbols.bench_floor;
    const descriptor = new BigUint64Array(DESCRIPTOR_WORDS);
    return prepared(() => {
      sink = call(pool, descriptor);
    });
  }),
};

// The bench library's Node-API entry by itself, for the floor of its mapping.
const dlopen = await importNodeDlopen();
const nodeApiEntry = dlopen === null ? null : loadNodeApiEntry(dlopen, BENCH_LIBRARY_PATH);

/**
 * The floor of the Node-API mapping: the handover call, the entry's `wrap`, a
 * view and `detach` (whose finalizer releases), with none of zerocopy's
 * TypeScript around them: what any Node-API handover in Deno pays.
 */
export const nodeApiFloor: Case = {
  group: "handover",
  key: "node_api_floor",
  name: "Node-API alone: call + wrap + view + detach",
  sizes: SIZES,
  prepare: withPool((lib, size) => {
    const entry = nodeApiEntry;
    if (entry === null) throw new Error("The bench library's Node-API entry does not load here");
    const pool = poolOf(size);
    const handOver = lib.symbols.bench_hand_over;
    const descriptor = new BigUint64Array(DESCRIPTOR_WORDS);
    return prepared(() => {
      handOver(pool, descriptor);
      const memory = entry.wrap(descriptor, 0) as ArrayBuffer;
      sink = new Float64Array(memory);
      entry.detach(memory);
    });
  }),
};

/** What Deno offers without this library and without safety: map, view, detach; no free, no safety net. */
export const raw: Case = {
  group: "handover",
  key: "raw",
  name: "raw getArrayBuffer + view + transfer(0)",
  sizes: SIZES,
  prepare: withPool((lib, size) => {
    const pointer = poolPointer(lib, size);
    const bytes = size.bytes;
    return prepared(() => {
      const memory = Deno.UnsafePointerView.getArrayBuffer(pointer, bytes);
      sink = new Uint8Array(memory);
      memory.transfer(0);
    });
  }),
};

/** The copy a user without this library makes: the same bytes into a fresh JS-owned buffer. */
export const copy: Case = {
  group: "handover",
  key: "copy",
  name: "copy into JS memory (getArrayBuffer().slice)",
  sizes: upTo("1 GB"),
  prepare: withPool((lib, size) => {
    const pointer = poolPointer(lib, size);
    const bytes = size.bytes;
    return prepared(() => {
      const mapped = Deno.UnsafePointerView.getArrayBuffer(pointer, bytes);
      sink = new Uint8Array(mapped.slice(0));
      mapped.transfer(0);
    });
  }),
};

const decoder = new TextDecoder();

/** Serialization: Zig prints JSON, Deno decodes and parses it. */
export const json: Case = {
  group: "approaches",
  key: "json",
  name: "Zig JSON → JSON.parse",
  sizes: upTo("10 MB"),
  prepare: withPool((lib, size) => {
    const pool = poolOf(size);
    const toJson = lib.symbols.bench_to_json;
    return prepared(() => {
      using text = lib.adopt("u8", (out) => toJson(pool, out));
      sink = JSON.parse(decoder.decode(text.view));
    });
  }),
};

/** Element by element: one `getFloat64` per element into a JS array. */
export const elementReads: Case = {
  group: "approaches",
  key: "element_reads",
  name: "UnsafePointerView.getFloat64 per element",
  sizes: upTo("10 MB"),
  prepare: withPool((lib, size) => {
    const view = new Deno.UnsafePointerView(poolPointer(lib, size));
    const length = size.bytes / 8;
    return prepared(() => {
      const values = new Float64Array(length);
      for (let i = 0; i < length; i++) values[i] = view.getFloat64(i * 8);
      sink = values;
    });
  }),
};

/** End to end: Zig allocates and fills, Deno adopts and disposes (frees). */
export const fillAndHandOver: Case = {
  group: "approaches",
  key: "fill_and_hand_over",
  name: "Zig alloc + fill + adopt + dispose",
  sizes: upTo("1 GB"),
  prepare: (lib, size) => {
    const kib = size.bytes / 1024;
    const fill = lib.symbols.bench_fill_and_hand_over;
    return prepared(() => {
      const buffer = lib.adopt("f64", (out) => fill(kib, out));
      sink = buffer.view;
      buffer[Symbol.dispose]();
    });
  },
};

/** Every case, in the order the report runs them. */
export const CASES: readonly Case[] = [
  floor,
  ours,
  oursPointerView,
  nodeApiFloor,
  pooled,
  region,
  batched,
  raw,
  copy,
  oursWithUsing,
  fillAndHandOver,
  json,
  elementReads,
  readFloor,
  zigSum,
  tsSum,
];
