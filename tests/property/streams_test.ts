// Property test: random sequences of region and ring operations (create,
// take, batch, reset, next, acquire, release, dispose, drop), checked after
// every step against a model of what each view holds, which slots are held,
// and what Zig counts as live. Against the checked library
// (ZEROCOPY_LIB=zig-out/checked/libzerocopy.so) a double free aborts the run.
//
// ZEROCOPY_PROPERTY_RUNS sets the number of sequences (default 300).

import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { Region, Ring, type RingSlot, ZeroCopyError } from "../../mod.ts";
import { expectedPattern, lib } from "../_helpers.ts";
import { checkLiveCounts, RUNS, runSequences } from "./_run.ts";

type Op =
  | { op: "region"; bytes: number }
  | { op: "take"; pick: number; type: "u8" | "i32" | "f64"; length: number }
  | { op: "batch"; pick: number; count: number; length: number }
  | { op: "reset" | "disposeRegion" | "dropRegion"; pick: number }
  | { op: "ring"; slots: number; slotLength: number }
  | { op: "next"; pick: number; seed: number; length: number }
  | { op: "acquire"; pick: number }
  | { op: "release" | "releaseStale" | "disposeRing" | "dropRing"; pick: number };

const pick = fc.nat();
const ops: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("region" as const), bytes: fc.integer({ min: 1, max: 2048 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("take" as const),
      pick,
      type: fc.constantFrom("u8" as const, "i32" as const, "f64" as const),
      length: fc.integer({ min: 0, max: 64 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("batch" as const),
      pick,
      count: fc.integer({ min: 0, max: 8 }),
      length: fc.integer({ min: 0, max: 16 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom("reset" as const, "disposeRegion" as const, "dropRegion" as const),
      pick,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("ring" as const),
      slots: fc.integer({ min: 1, max: 4 }),
      slotLength: fc.integer({ min: 1, max: 128 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("next" as const),
      pick,
      seed: fc.nat({ max: 255 }),
      length: fc.integer({ min: 0, max: 130 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("acquire" as const), pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constantFrom(
        "release" as const,
        "releaseStale" as const,
        "disposeRing" as const,
        "dropRing" as const,
      ),
      pick,
    }),
  },
);

/** A view and what it must hold; `null` once a reset let Zig carve over it. */
interface Taken {
  view: ArrayBufferView & { length: number };
  expected: ArrayBufferView | null;
}

interface RegionEntry {
  region: Region;
  bytes: number;
  taken: Taken[];
}

interface HeldSlot {
  slot: RingSlot<"u8">;
  expected: Uint8Array | null;
}

interface RingEntry {
  ring: Ring<"u8">;
  slots: number;
  slotLength: number;
  held: HeldSlot[];
  stale: RingSlot<"u8">[];
}

class Model {
  regions: RegionEntry[] = [];
  rings: RingEntry[] = [];
  /** Views of disposed regions and rings: each must have length 0. */
  detached: { length: number }[] = [];
  dropped = 0;
  droppedBytes = 0;

  region(pick: number): RegionEntry | undefined {
    return this.regions.length === 0 ? undefined : this.regions[pick % this.regions.length];
  }

  ring(pick: number): RingEntry | undefined {
    return this.rings.length === 0 ? undefined : this.rings[pick % this.rings.length];
  }

  /** Bytes Zig counts for a ring: each slot starts on a 64-byte line. */
  static ringBytes(entry: { slots: number; slotLength: number }): number {
    return entry.slots * Math.ceil(entry.slotLength / 64) * 64;
  }
}

function ringPattern(seed: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed + i) & 0xff);
}

function expectCode(run: () => unknown, code: string): void {
  try {
    run();
  } catch (error) {
    assert(error instanceof ZeroCopyError, String(error));
    assertEquals(error.code, code, error.message);
    return;
  }
  throw new Error(`expected ${code}`);
}

function apply(model: Model, step: Op): void {
  switch (step.op) {
    case "region":
      model.regions.push({ region: Region.create(lib, step.bytes), bytes: step.bytes, taken: [] });
      return;
    case "take": {
      const entry = model.region(step.pick);
      if (!entry) return;
      const symbol = `zc_region_generate_${step.type}` as const;
      try {
        const view = entry.region.adopt(step.type, (out) => lib.symbols[symbol](step.length, out));
        entry.taken.push({ view, expected: expectedPattern(step.type, step.length) });
      } catch (error) {
        // The only refusal a live region may give here: no room left.
        assert(error instanceof ZeroCopyError && error.code === "FULL", String(error));
      }
      return;
    }
    case "batch": {
      const entry = model.region(step.pick);
      if (!entry) return;
      try {
        const views = entry.region.adoptBatch(
          "f64",
          (out) => lib.symbols.zc_region_generate_batch_f64(step.count, step.length, out),
        );
        assertEquals(views.length, step.count);
        views.forEach((view, k) =>
          entry.taken.push({
            view,
            expected: Float64Array.from({ length: step.length }, (_, i) => (k + i) / 2),
          })
        );
      } catch (error) {
        assert(error instanceof ZeroCopyError && error.code === "FULL", String(error));
      }
      return;
    }
    case "reset": {
      const entry = model.region(step.pick);
      if (!entry) return;
      entry.region.reset();
      for (const taken of entry.taken) taken.expected = null;
      return;
    }
    case "disposeRegion":
    case "dropRegion": {
      const entry = model.region(step.pick);
      if (!entry) return;
      model.regions.splice(model.regions.indexOf(entry), 1);
      if (step.op === "dropRegion") {
        model.dropped++;
        model.droppedBytes += entry.bytes;
        return;
      }
      entry.region[Symbol.dispose]();
      model.detached.push(...entry.taken.map((t) => t.view));
      expectCode(() => entry.region.adopt("u8", () => 0), "DISPOSED");
      return;
    }
    case "ring":
      model.rings.push({
        ring: Ring.create(lib, "u8", step),
        slots: step.slots,
        slotLength: step.slotLength,
        held: [],
        stale: [],
      });
      return;
    case "next": {
      const entry = model.ring(step.pick);
      if (!entry) return;
      const next = () =>
        entry.ring.next((out) => lib.symbols.zc_ring_generate_u8(step.seed, step.length, out));
      if (entry.held.length === entry.slots) return expectCode(next, "FULL");
      if (step.length > entry.slotLength) return expectCode(next, "SIZE_OVERFLOW");
      const slot = next();
      assert(!entry.held.some((h) => h.slot.index === slot.index), `slot ${slot.index} handed out twice`);
      entry.held.push({ slot, expected: ringPattern(step.seed, step.length) });
      return;
    }
    case "acquire": {
      const entry = model.ring(step.pick);
      if (!entry) return;
      if (entry.held.length === entry.slots) return expectCode(() => entry.ring.acquire(), "FULL");
      const slot = entry.ring.acquire();
      assert(!entry.held.some((h) => h.slot.index === slot.index), `slot ${slot.index} handed out twice`);
      assertEquals(slot.view.length, entry.slotLength);
      slot.view.fill(slot.index);
      entry.held.push({ slot, expected: new Uint8Array(entry.slotLength).fill(slot.index) });
      return;
    }
    case "release": {
      const entry = model.ring(step.pick);
      if (!entry || entry.held.length === 0) return;
      const [held] = entry.held.splice(step.pick % entry.held.length, 1);
      entry.ring.release(held.slot);
      entry.stale.push(held.slot);
      return;
    }
    case "releaseStale": {
      const entry = model.ring(step.pick);
      if (!entry || entry.stale.length === 0) return;
      // Releasing through an old handle must leave whoever holds the slot now alone.
      entry.ring.release(entry.stale[step.pick % entry.stale.length]);
      return;
    }
    case "disposeRing":
    case "dropRing": {
      const entry = model.ring(step.pick);
      if (!entry) return;
      model.rings.splice(model.rings.indexOf(entry), 1);
      if (step.op === "dropRing") {
        model.dropped++;
        model.droppedBytes += Model.ringBytes(entry);
        return;
      }
      const views = entry.held.map((h) => h.slot.view);
      entry.ring[Symbol.dispose]();
      model.detached.push(...views);
      for (const { slot } of entry.held) assert(slot.released);
      return;
    }
  }
}

function check(model: Model, base: { liveBuffers: number; liveBytes: number }): void {
  for (const entry of model.regions) {
    for (const { view, expected } of entry.taken) {
      if (expected !== null) assertEquals(view, expected);
    }
  }
  for (const entry of model.rings) {
    assertEquals(entry.ring.held, entry.held.length);
    for (const { slot, expected } of entry.held) {
      assertEquals(slot.released, false);
      if (expected !== null) assertEquals(slot.view, expected);
    }
  }
  for (const view of model.detached) assertEquals(view.length, 0);
  checkLiveCounts(lib.stats(), base, {
    buffers: model.regions.length + model.rings.length,
    bytes: model.regions.reduce((sum, e) => sum + e.bytes, 0) +
      model.rings.reduce((sum, e) => sum + Model.ringBytes(e), 0),
  }, model);
}

Deno.test(`${RUNS} random sequences of region and ring operations keep the views, slots and live counts the model predicts`, async () => {
  const steps = await runSequences({
    library: lib,
    ops,
    newModel: () => new Model(),
    apply,
    check,
    cleanup: (model) => {
      for (const { region } of model.regions) region[Symbol.dispose]();
      for (const { ring } of model.rings) ring[Symbol.dispose]();
    },
  });
  console.log(`${RUNS} sequences run, ${steps} steps checked`);
});
