// Zig recognizes the regions, rings and transferred buffers JavaScript names
// back to it through a table of handles (zig/zerocopy/handles.zig): a stale,
// forged or replayed handle, or one of another kind, is refused with a typed
// error and touches nobody's memory. Runs under both mappings; against the
// checked library a read of freed memory would crash the run.

import { assert, assertEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { checkStatus, type Demo, openDemo, Ring, type TransferredBuffer, ZeroCopyError } from "../mod.ts";
import { abiLayout } from "../src/abi/symbols.ts";
import { assertCode, demo, expectedPattern, lib, UNSCOPED_FFI } from "./_helpers.ts";

const STATUS = abiLayout.statuses;
const SLICE = abiLayout.structs.SliceOut;
const PRIVATE_WORD = abiLayout.structs.Descriptor.fields.private / 8;

/** A region or ring made and released through the raw exports: no mapping, so any mapping's test can use it. */
function rawRegion(bytes = 256): { descriptor: BigUint64Array; handle: bigint } {
  const descriptor = new BigUint64Array(abiLayout.structs.Descriptor.size / 8);
  assertEquals(lib.symbols.zc_region_create(BigInt(bytes), descriptor), STATUS.ok);
  return { descriptor, handle: descriptor[PRIVATE_WORD] };
}

function rawRing(slots = 2, slotBytes = 64): { descriptor: BigUint64Array; handle: bigint } {
  const descriptor = new BigUint64Array(abiLayout.structs.Descriptor.size / 8);
  assertEquals(lib.symbols.zc_ring_create(slots, BigInt(slotBytes), descriptor), STATUS.ok);
  return { descriptor, handle: descriptor[PRIVATE_WORD] };
}

/** An out-parameter (`SliceOut`) naming `owner`, and its 32-bit halves. */
function target(owner: bigint): [BigUint64Array<ArrayBuffer>, Uint32Array] {
  const words = new BigUint64Array(SLICE.size / 8);
  words[0] = owner;
  return [words, new Uint32Array(words.buffer)];
}

/** Random u64 values, none of which can be a live handle of this test's making. */
function randomHandles(count: number): bigint[] {
  const words = crypto.getRandomValues(new BigUint64Array(count));
  return [0n, 1n, (1n << 64n) - 1n, 1n << 32n, ...words];
}

function forgedMessage(handle: bigint): TransferredBuffer {
  return { path: lib.path, handle, memory: null, transferList: [] };
}

describe("region and ring handles", () => {
  it("refuse a released region's handle: reset and carving touch nothing", () => {
    const stale = rawRegion();
    lib.symbols.zc_release(stale.descriptor);
    const live = rawRegion();
    try {
      const [out, halves] = target(live.handle);
      assertEquals(lib.symbols.zc_region_generate_u8(40, out), STATUS.ok);
      assertEquals(lib.symbols.zc_region_reset(stale.handle), STATUS.stale_handle);
      // Carving through the stale handle used to read the freed region (a crash under the checked library).
      const [staleOut] = target(stale.handle);
      assertEquals(lib.symbols.zc_region_generate_u8(8, staleOut), STATUS.stale_handle);
      // The live region was not reset: its next slice follows the first.
      assertEquals(lib.symbols.zc_region_generate_u8(8, out), STATUS.ok);
      assertEquals(halves[SLICE.fields.offset / 4], 40);
    } finally {
      lib.symbols.zc_release(live.descriptor);
    }
  });

  it("refuse a released ring's handle: its slots are nobody's to release", () => {
    const stale = rawRing();
    lib.symbols.zc_release(stale.descriptor);
    const live = rawRing(1);
    try {
      const [out, halves] = target(live.handle);
      assertEquals(lib.symbols.zc_ring_acquire(out), STATUS.ok);
      const slot = halves[SLICE.fields.slot / 4];
      assertEquals(lib.symbols.zc_ring_release(stale.handle, slot), STATUS.stale_handle);
      const [staleOut] = target(stale.handle);
      assertEquals(lib.symbols.zc_ring_acquire(staleOut), STATUS.stale_handle);
      // The live ring's one slot is still held: nothing released it.
      const [again] = target(live.handle);
      assertEquals(lib.symbols.zc_ring_acquire(again), STATUS.full);
      assertEquals(lib.symbols.zc_ring_release(live.handle, slot), STATUS.ok);
    } finally {
      lib.symbols.zc_release(live.descriptor);
    }
  });

  it("refuse forged handles and handles of another kind", () => {
    const region = rawRegion();
    const ring = rawRing();
    try {
      for (const forged of randomHandles(200)) {
        assertEquals(lib.symbols.zc_region_reset(forged), STATUS.stale_handle);
        assertEquals(lib.symbols.zc_ring_release(forged, 0), STATUS.stale_handle);
        const [out] = target(forged);
        assertEquals(lib.symbols.zc_region_generate_f64(1, out), STATUS.stale_handle);
        assertEquals(lib.symbols.zc_ring_acquire(target(forged)[0]), STATUS.stale_handle);
      }
      assertEquals(lib.symbols.zc_region_reset(ring.handle), STATUS.stale_handle);
      assertEquals(lib.symbols.zc_ring_release(region.handle, 0), STATUS.stale_handle);
      assertEquals(lib.symbols.zc_ring_acquire(target(region.handle)[0]), STATUS.stale_handle);
      assertEquals(lib.symbols.zc_region_generate_u8(1, target(ring.handle)[0]), STATUS.stale_handle);
    } finally {
      lib.symbols.zc_release(region.descriptor);
      lib.symbols.zc_release(ring.descriptor);
    }
  });

  it("turn the stale_handle status into a typed STALE_HANDLE error", () => {
    const region = rawRegion();
    lib.symbols.zc_release(region.descriptor);
    const status = lib.symbols.zc_region_reset(region.handle);
    assertCode(() => checkStatus(status, "Resetting a region"), "STALE_HANDLE");
  });
});

describe("a ring next() whose callback calls the producer twice", () => {
  it("refuses the second acquire with a typed error and gives the first slot back", () => {
    using ring = Ring.create(lib, "u8", { slots: 2, slotLength: 16 });
    assertCode(
      () =>
        ring.next((out) => {
          lib.symbols.zc_ring_generate_u8(1, 8, out);
          return lib.symbols.zc_ring_generate_u8(2, 8, out);
        }),
      "INVALID_ARGUMENT",
    );
    assertEquals(ring.held, 0);
    // Both slots are still there: none was lost.
    const first = ring.next((out) => lib.symbols.zc_ring_generate_u8(3, 8, out));
    const second = ring.next((out) => lib.symbols.zc_ring_generate_u8(4, 8, out));
    assertEquals([first.view[0], second.view[0]], [3, 4]);
    ring.release(first);
    ring.release(second);
  });

  it("keeps the first slot when the callback ignores the second call's status", () => {
    using ring = Ring.create(lib, "u8", { slots: 1, slotLength: 16 });
    const slot = ring.next((out) => {
      lib.symbols.zc_ring_generate_u8(5, 8, out);
      assertEquals(lib.symbols.zc_ring_generate_u8(6, 8, out), STATUS.handed_over_already);
    });
    assertEquals(slot.view[0], 5);
    ring.release(slot);
    using again = ring.acquire();
    assertEquals(again.view.length, 16);
  });
});

describe("transfer messages given to receive()", () => {
  it("refuse forged handles as CONSUMED, touching nothing", () => {
    const before = lib.stats();
    const region = rawRegion();
    try {
      for (const forged of [...randomHandles(200), region.handle]) {
        assertCode(() => lib.receive(forgedMessage(forged)), "CONSUMED");
      }
    } finally {
      lib.symbols.zc_release(region.descriptor);
    }
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
  });

  it("refuse a message in the old shape, with descriptor words instead of a handle", () => {
    const words = new BigUint64Array(new SharedArrayBuffer(48));
    words.fill(0xdeadbeefn);
    const old = { path: lib.path, descriptor: words, memory: null, transferList: [] };
    assertCode(() => lib.receive(old as unknown as TransferredBuffer), "INVALID_ARGUMENT");
    for (const handle of [-1n, 1n << 64n, 7 as unknown as bigint, "7" as unknown as bigint]) {
      assertCode(() => lib.receive({ ...forgedMessage(0n), handle }), "INVALID_ARGUMENT");
    }
  });

  it("receive a message once, and refuse its replays (copies included) as CONSUMED, freed once", () => {
    const before = lib.stats();
    const transferred = demo.generate("f64", 16).transfer();
    const copies = lib.mapping === "node-api" ? [] : [structuredClone(transferred), { ...transferred }];
    using received = lib.receive(transferred, "f64");
    assertEquals(received.view, expectedPattern("f64", 16));
    assertCode(() => lib.receive(transferred, "f64"), "CONSUMED");
    for (const copy of copies) assertCode(() => lib.receive(copy, "f64"), "CONSUMED");
    received[Symbol.dispose]();
    assertCode(() => lib.receive(transferred, "f64"), "CONSUMED");
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
  });

  for (const mapping of ["node-api", "pointer-view"] as const) {
    it(`refuse forged and replayed messages under ${mapping}`, {
      ignore: !UNSCOPED_FFI && mapping === "pointer-view",
    }, async () => {
      const opened: Demo = await openDemo({ path: lib.path, mapping });
      const library = opened.library;
      const before = library.stats();
      for (const forged of randomHandles(50)) {
        assertCode(() => library.receive({ ...forgedMessage(forged), path: library.path }), "CONSUMED");
      }
      const transferred = opened.generate("u8", 32).transfer();
      const replay = structuredClone(transferred, { transfer: transferred.transferList });
      const received = library.receive(replay, "u8");
      assertEquals(received.view, expectedPattern("u8", 32));
      for (const again of [replay, transferred]) {
        const error = assertThrows(() => library.receive(again, "u8"), ZeroCopyError);
        assert(["CONSUMED", "INVALID_ARGUMENT"].includes(error.code), error.code);
      }
      received[Symbol.dispose]();
      assertEquals(library.stats().liveBuffers, before.liveBuffers);
      assertEquals(library.stats().totalReleased, before.totalReleased + 1);
    });
  }
});

describe("node-api transfer messages carrying foreign memory", () => {
  it("refuse an ArrayBuffer that zerocopy never made, detachable or not", {
    ignore: lib.mapping !== "node-api",
  }, () => {
    const before = lib.stats();
    const foreign = [
      new ArrayBuffer(64),
      new ArrayBuffer(8, { maxByteLength: 64 }),
      new WebAssembly.Memory({ initial: 1 }).buffer as ArrayBuffer,
    ];
    for (const memory of foreign) {
      assertCode(
        () => lib.receive({ path: lib.path, handle: 0n, memory, transferList: [memory] }),
        "INVALID_ARGUMENT",
      );
    }
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  });
});
