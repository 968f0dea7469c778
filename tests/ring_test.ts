import { assert, assertEquals, assertNotStrictEquals, assertStrictEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { Ring, type RingSlot } from "../mod.ts";
import { assertCode, assertLiveUnchanged, expectedPattern, lib } from "./_helpers.ts";

const packet = (ring: Ring<"u8">, seed: number, length = 64): RingSlot<"u8"> =>
  ring.next((out) => lib.symbols.zc_ring_generate_u8(seed, length, out));

describe("Ring", () => {
  it("refuses a slot once its ArrayBuffer was moved away, with MOVED as a buffer does", () => {
    const ring = Ring.create(lib, "u8", { slots: 2, slotLength: 64 });
    const moved = packet(ring, 1).view.buffer.transfer();
    assertCode(() => packet(ring, 2), "MOVED");
    if (lib.mapping === "pointer-view") assertCode(() => ring[Symbol.dispose](), "MOVED");
    else ring[Symbol.dispose]();
    assertEquals(moved.byteLength, 128);
  });

  it("hands each slot out once while held, then again once released", () => {
    using ring = Ring.create(lib, "u8", { slots: 4, slotLength: 256 });
    const held = [0, 1, 2, 3].map((seed) => packet(ring, seed));
    assertEquals(new Set(held.map((slot) => slot.index)).size, 4);
    assertEquals(ring.held, 4);
    assertCode(() => packet(ring, 9), "FULL");
    held.forEach((slot, seed) => assertEquals(slot.view[0], seed));
    ring.release(held[2]);
    const again = packet(ring, 42);
    assertEquals(again.index, held[2].index);
    assertEquals(again.view[0], 42);
    // The others were never handed out twice: they still hold their own packets.
    for (const i of [0, 1, 3]) assertEquals(held[i].view[0], i);
  });

  it("never hands out a held slot over many rounds of next and release", () => {
    using ring = Ring.create(lib, "u8", { slots: 3, slotLength: 16 });
    const holding = new Map<number, RingSlot<"u8">>();
    for (let round = 0; round < 300; round++) {
      if (holding.size === 3 || (round % 5 === 4 && holding.size > 0)) {
        const [index, slot] = holding.entries().next().value!;
        ring.release(slot);
        holding.delete(index);
      }
      const slot = packet(ring, round, 16);
      assert(!holding.has(slot.index), `slot ${slot.index} handed out while held`);
      holding.set(slot.index, slot);
      for (const [, other] of holding) assertEquals(other.released, false);
    }
  });

  it("makes releasing twice, or through a stale handle, do nothing", () => {
    using ring = Ring.create(lib, "u8", { slots: 1, slotLength: 8 });
    const first = packet(ring, 1, 8);
    ring.release(first);
    ring.release(first);
    const second = packet(ring, 2, 8);
    first[Symbol.dispose]();
    assertEquals(second.released, false);
    assertEquals(second.view[0], 2);
    assertCode(() => packet(ring, 3, 8), "FULL");
  });

  it("revokes a released slot's handle; a view taken from it reads the slot's next contents", () => {
    using ring = Ring.create(lib, "u8", { slots: 1, slotLength: 8 });
    const first = packet(ring, 10, 8);
    const kept = first.view;
    ring.release(first);
    assert(first.released);
    assertCode(() => first.view, "DISPOSED");
    using second = packet(ring, 20, 8);
    assertEquals(kept[0], 20);
    assertStrictEquals(second.view, kept); // a full slot's view is made once
  });

  it("detaches every view and revokes every slot on dispose, and frees the memory exactly once", () => {
    const before = lib.stats();
    const ring = Ring.create(lib, "u8", { slots: 2, slotLength: 1000 });
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
    const slot = packet(ring, 5, 1000);
    const view = slot.view;
    ring[Symbol.dispose]();
    ring[Symbol.dispose]();
    assertEquals(view.length, 0);
    assert(slot.released);
    assertCode(() => slot.view, "DISPOSED");
    ring.release(slot);
    assertCode(() => packet(ring, 1), "DISPOSED");
    assertCode(() => ring.acquire(), "DISPOSED");
    assertLiveUnchanged(before);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
  });

  it("gives an empty slot to fill from Deno, whole", () => {
    using ring = Ring.create(lib, "f64", { slots: 2, slotLength: 10 });
    using slot = ring.acquire();
    assertEquals(slot.view.length, 10);
    slot.view.set(expectedPattern("f64", 10));
    using filled = ring.next((out) => lib.symbols.zc_ring_generate_f64(10, out));
    assertNotStrictEquals(filled.index, slot.index);
    assertEquals(filled.view, expectedPattern("f64", 10));
  });

  it("refuses a slot of another element type and gives the slot back", () => {
    using ring = Ring.create(lib, "u8", { slots: 1, slotLength: 64 });
    assertCode(() => ring.next((out) => lib.symbols.zc_ring_generate_f64(4, out)), "INVALID_ELEMENT_TYPE");
    assertEquals(ring.held, 0);
    using slot = packet(ring, 7, 64);
    assertEquals(slot.view[63], 70);
  });

  it("gives back a slot the function acquired before failing", () => {
    using ring = Ring.create(lib, "u8", { slots: 1, slotLength: 16 });
    assertCode(() => packet(ring, 0, 17), "SIZE_OVERFLOW");
    assertEquals(ring.held, 0);
    using slot = packet(ring, 0, 16);
    assertEquals(slot.view.length, 16);
  });

  it("refuses a slot handed out by another ring", () => {
    using one = Ring.create(lib, "u8", { slots: 1, slotLength: 8 });
    using other = Ring.create(lib, "u8", { slots: 1, slotLength: 8 });
    using slot = packet(one, 1, 8);
    assertCode(() => other.release(slot), "INVALID_ARGUMENT");
  });

  for (
    const [options, code] of [
      [{ slots: 0, slotLength: 8 }, "INVALID_LENGTH"],
      [{ slots: 2, slotLength: 0 }, "INVALID_LENGTH"],
      [{ slots: 2.5, slotLength: 8 }, "INVALID_LENGTH"],
      [{ slots: 2, slotLength: -1 }, "INVALID_LENGTH"],
      [{ slots: 2, slotLength: 2 ** 52 }, "SIZE_OVERFLOW"],
      [{ slots: 2 ** 20, slotLength: 2 ** 40 }, "SIZE_OVERFLOW"],
    ] as const
  ) {
    it(`refuses ${JSON.stringify(options)} of f64 with ${code}`, () => {
      const before = lib.stats();
      assertCode(() => Ring.create(lib, "f64", options), code);
      assertLiveUnchanged(before);
    });
  }

  it("refuses an unknown element type with INVALID_ELEMENT_TYPE", () => {
    assertCode(() => Ring.create(lib, "f16" as "f32", { slots: 1, slotLength: 1 }), "INVALID_ELEMENT_TYPE");
  });
});
