// Property test: random sequences of what a careless or hostile caller does
// with handles — regions and rings made, used and released through the raw
// exports, then named again by stale, forged and other-kind handles; buffers
// transferred, received, and their messages replayed, copied and forged —
// checked after every step against a model of each live region's carve
// position, each live ring's held slots, and what Zig counts as live. Every
// refusal must be a status or a typed ZeroCopyError, and no refusal may move
// anything live. Against the checked library a read of freed memory faults.
//
// ZEROCOPY_PROPERTY_RUNS sets the number of sequences (default 300).

import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { type TransferredBuffer, ZeroCopyError } from "../../mod.ts";
import { abiLayout } from "../../src/abi/symbols.ts";
import { demo, expectedPattern, lib } from "../_helpers.ts";
import { RUNS, runSequences } from "./_run.ts";

const STATUS = abiLayout.statuses;
const SLICE = abiLayout.structs.SliceOut;
const DESCRIPTOR_WORDS = abiLayout.structs.Descriptor.size / 8;
const PRIVATE_WORD = abiLayout.structs.Descriptor.fields.private / 8;
const OFFSET = SLICE.fields.offset / 4;
const SLOT = SLICE.fields.slot / 4;
const TYPE = SLICE.fields.element_type / 4;

type Op =
  | { op: "region"; bytes: number }
  | { op: "carve"; pick: number; length: number }
  | { op: "reset" | "releaseRegion"; pick: number }
  | { op: "ring"; slots: number }
  | { op: "acquire" | "releaseRing"; pick: number }
  | { op: "releaseSlot"; pick: number; slot: number }
  | { op: "stale"; pick: number; slot: number }
  | { op: "forge"; handle: bigint; slot: number }
  | { op: "send"; length: number }
  | { op: "receive" | "replay" | "copy"; pick: number }
  | { op: "forgeMessage"; handle: bigint };

interface Owner {
  descriptor: BigUint64Array;
  handle: bigint;
  out: BigUint64Array<ArrayBuffer>;
  halves: Uint32Array;
}
interface LiveRegion extends Owner {
  bytes: number;
  used: number;
}
interface LiveRing extends Owner {
  slots: number;
  held: Set<number>;
}
interface Message {
  transferred: TransferredBuffer;
  length: number;
  received: boolean;
}
interface Model {
  regions: LiveRegion[];
  rings: LiveRing[];
  /** Handles of released regions and rings. */
  stale: bigint[];
  messages: Message[];
  dropped: number;
  droppedBytes: number;
}

const pick = fc.nat();
// Random words, and small ones whose index and generation a live handle may share.
const forged: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.tuple(fc.nat({ max: 64 }), fc.nat({ max: 64 })).map(([generation, index]) =>
    BigInt(generation) << 32n | BigInt(index)
  ),
);
const slot = fc.nat({ max: 7 });
const ops: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("region" as const), bytes: fc.integer({ min: 1, max: 1024 }) }),
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("carve" as const), pick, length: fc.nat({ max: 200 }) }),
  },
  fc.record({ op: fc.constantFrom("reset" as const, "releaseRegion" as const), pick }),
  fc.record({ op: fc.constant("ring" as const), slots: fc.integer({ min: 1, max: 4 }) }),
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constantFrom("acquire" as const, "releaseRing" as const), pick }),
  },
  fc.record({ op: fc.constant("releaseSlot" as const), pick, slot }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant("stale" as const), pick, slot }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("forge" as const), handle: forged, slot }),
  },
  fc.record({ op: fc.constant("send" as const), length: fc.nat({ max: 64 }) }),
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom("receive" as const, "replay" as const, "copy" as const),
      pick,
    }),
  },
  fc.record({ op: fc.constant("forgeMessage" as const), handle: forged }),
);

function owner(create: (descriptor: BigUint64Array) => number): Owner {
  const descriptor = new BigUint64Array(DESCRIPTOR_WORDS);
  assertEquals(create(descriptor), STATUS.ok);
  const handle = descriptor[PRIVATE_WORD];
  const out = new BigUint64Array(SLICE.size / 8);
  out[0] = handle;
  return { descriptor, handle, out, halves: new Uint32Array(out.buffer) };
}

/** Names `handle` in a fresh out-parameter and calls every export that takes a handle: each must refuse it. */
function assertRefused(handle: bigint, slotIndex: number): void {
  const out = new BigUint64Array(SLICE.size / 8);
  out[0] = handle;
  assertEquals(lib.symbols.zc_region_reset(handle), STATUS.stale_handle);
  assertEquals(lib.symbols.zc_region_generate_u8(1, out), STATUS.stale_handle);
  assertEquals(lib.symbols.zc_ring_acquire(out), STATUS.stale_handle);
  assertEquals(lib.symbols.zc_ring_release(handle, slotIndex), STATUS.stale_handle);
}

function assertTyped(call: () => unknown, codes: string[]): void {
  try {
    call();
  } catch (error) {
    assert(error instanceof ZeroCopyError, `untyped: ${error}`);
    assert(codes.includes(error.code), `${error.code} is none of ${codes}`);
    return;
  }
  throw new Error(`expected one of ${codes}`);
}

function at<T>(list: T[], index: number): T | undefined {
  return list.length === 0 ? undefined : list[index % list.length];
}

function apply(model: Model, step: Op): void {
  switch (step.op) {
    case "region":
      model.regions.push({
        ...owner((d) => lib.symbols.zc_region_create(BigInt(step.bytes), d)),
        bytes: step.bytes,
        used: 0,
      });
      return;
    case "carve": {
      const region = at(model.regions, step.pick);
      if (!region) return;
      const status = lib.symbols.zc_region_generate_u8(step.length, region.out);
      if (region.used + step.length > region.bytes) return assertEquals(status, STATUS.full);
      assertEquals(status, STATUS.ok);
      assertEquals(region.halves[OFFSET], region.used, "a refusal elsewhere moved this region");
      region.used += step.length;
      return;
    }
    case "reset": {
      const region = at(model.regions, step.pick);
      if (!region) return;
      assertEquals(lib.symbols.zc_region_reset(region.handle), STATUS.ok);
      region.used = 0;
      return;
    }
    case "ring":
      model.rings.push({
        ...owner((d) => lib.symbols.zc_ring_create(step.slots, 64n, d)),
        slots: step.slots,
        held: new Set(),
      });
      return;
    case "acquire": {
      const ring = at(model.rings, step.pick);
      if (!ring) return;
      ring.halves[TYPE] = 0;
      const status = lib.symbols.zc_ring_acquire(ring.out);
      if (ring.held.size === ring.slots) return assertEquals(status, STATUS.full);
      assertEquals(status, STATUS.ok);
      const index = ring.halves[SLOT];
      assert(!ring.held.has(index), "a held slot was handed out again");
      ring.held.add(index);
      return;
    }
    case "releaseSlot": {
      const ring = at(model.rings, step.pick);
      if (!ring) return;
      const status = lib.symbols.zc_ring_release(ring.handle, step.slot);
      assertEquals(status, ring.held.delete(step.slot) ? STATUS.ok : STATUS.invalid_argument);
      return;
    }
    case "releaseRegion":
    case "releaseRing": {
      const list: Owner[] = step.op === "releaseRegion" ? model.regions : model.rings;
      if (list.length === 0) return;
      const [gone] = list.splice(step.pick % list.length, 1);
      lib.symbols.zc_release(gone.descriptor);
      lib.symbols.zc_release(gone.descriptor); // a second release of a released descriptor does nothing
      model.stale.push(gone.handle);
      return;
    }
    case "stale": {
      const handle = at(model.stale, step.pick);
      if (handle !== undefined) assertRefused(handle, step.slot);
      return;
    }
    case "forge": {
      const live = [...model.regions, ...model.rings].some((o) => o.handle === step.handle);
      if (!live) assertRefused(step.handle, step.slot);
      return;
    }
    case "send":
      model.messages.push({
        transferred: demo.generate("u8", step.length).transfer(),
        length: step.length,
        received: false,
      });
      return;
    case "receive": {
      const message = at(model.messages, step.pick);
      if (!message) return;
      if (message.received) return assertTyped(() => lib.receive(message.transferred, "u8"), ["CONSUMED"]);
      using buffer = lib.receive(message.transferred, "u8");
      message.received = true;
      assertEquals(buffer.view, expectedPattern("u8", message.length));
      return;
    }
    case "replay":
    case "copy": {
      // A copy of the message received in place of the original: a shallow
      // copy, or a structured clone (under node-api its memory is copied then, not moved).
      const message = at(model.messages, step.pick);
      if (!message) return;
      const nodeApi = message.transferred.memory !== null;
      if (nodeApi && message.received) {
        return assertTyped(() => lib.receive(message.transferred, "u8"), ["CONSUMED"]);
      }
      const copy = step.op === "copy" ? { ...message.transferred } : structuredClone(message.transferred);
      if (message.received || (nodeApi && copy.memory !== message.transferred.memory)) {
        return assertTyped(() => lib.receive(copy, "u8"), ["CONSUMED", "INVALID_ARGUMENT"]);
      }
      // The same claim as the original: whichever comes first gets the memory, once.
      using buffer = lib.receive(copy, "u8");
      message.received = true;
      assertEquals(buffer.view, expectedPattern("u8", message.length));
      return;
    }
    case "forgeMessage":
      if (model.messages.some((m) => !m.received && m.transferred.handle === step.handle)) return;
      assertTyped(
        () => lib.receive({ path: lib.path, handle: step.handle, memory: null, transferList: [] }),
        ["CONSUMED"],
      );
      return;
  }
}

function check(model: Model, base: { liveBuffers: number; liveBytes: number }): void {
  const pending = model.messages.filter((m) => !m.received);
  const stats = lib.stats();
  assertEquals(
    stats.liveBuffers - base.liveBuffers,
    model.regions.length + model.rings.length + pending.length,
  );
  const bytes = model.regions.reduce((sum, r) => sum + r.bytes, 0) +
    model.rings.reduce((sum, r) => sum + r.slots * 64, 0) + pending.reduce((sum, m) => sum + m.length, 0);
  assertEquals(stats.liveBytes - base.liveBytes, bytes);
}

function cleanup(model: Model): void {
  for (const owned of [...model.regions, ...model.rings]) lib.symbols.zc_release(owned.descriptor);
  for (const message of model.messages) {
    if (!message.received) lib.receive(message.transferred)[Symbol.dispose]();
  }
  model.regions = [];
  model.rings = [];
  model.messages = [];
}

Deno.test(`stale, forged and replayed handles are refused, typed, and move nothing live (${RUNS} runs)`, async () => {
  const steps = await runSequences({
    library: lib,
    ops,
    newModel: (): Model => ({ regions: [], rings: [], stale: [], messages: [], dropped: 0, droppedBytes: 0 }),
    apply,
    check,
    cleanup,
  });
  assert(steps > 0);
});
