// A region or ring given a nonblocking symbol where it takes a synchronous
// call: the call is refused with a typed error, and the memory Zig carves from
// and writes into stays allocated until the call returns, even if the region
// or ring is disposed at once.

import { assertEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { openLibrary, Region, Ring, ZeroCopyError } from "../mod.ts";
import { lib } from "./_helpers.ts";

const slow = await openLibrary({
  path: lib.path,
  symbols: {
    zc_region_generate_u8: { parameters: ["u32", "buffer"], result: "i32", nonblocking: true },
    zc_region_generate_batch_f64: { parameters: ["u32", "u32", "buffer"], result: "i32", nonblocking: true },
    zc_ring_generate_u8: { parameters: ["u32", "u32", "buffer"], result: "i32", nonblocking: true },
  },
});

/** Waits for the nonblocking calls to return and the pins they left to be given back. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 100));

describe("a nonblocking symbol given to a region or ring", () => {
  it("Region.adopt and adoptBatch refuse it, and the region's memory outlives a dispose until it returns", async () => {
    const before = slow.stats().liveBuffers;
    const region = Region.create(slow, 1 << 20);
    const error = assertThrows(
      () =>
        region.adopt("u8", (out) => slow.symbols.zc_region_generate_u8(1 << 19, out) as unknown as number),
      ZeroCopyError,
    );
    assertEquals(error.code, "INVALID_ARGUMENT");
    const batchError = assertThrows(
      () =>
        region.adoptBatch(
          "f64",
          (out) => slow.symbols.zc_region_generate_batch_f64(8, 64, out) as unknown as number,
        ),
      ZeroCopyError,
    );
    assertEquals(batchError.code, "INVALID_ARGUMENT");
    region[Symbol.dispose]();
    // Zig may still be writing into the region: its memory is held, not freed.
    assertEquals(slow.stats().liveBuffers, before + 1);
    await settled();
    assertEquals(slow.stats().liveBuffers, before);
  });

  it("Ring.next refuses it, and the ring's memory outlives a dispose until it returns", async () => {
    const before = slow.stats().liveBuffers;
    const ring = Ring.create(slow, "u8", { slots: 2, slotLength: 1 << 16 });
    const error = assertThrows(
      () => ring.next((out) => slow.symbols.zc_ring_generate_u8(1, 1 << 16, out) as unknown as number),
      ZeroCopyError,
    );
    assertEquals(error.code, "INVALID_ARGUMENT");
    ring[Symbol.dispose]();
    assertEquals(slow.stats().liveBuffers, before + 1);
    await settled();
    assertEquals(slow.stats().liveBuffers, before);
  });
});
