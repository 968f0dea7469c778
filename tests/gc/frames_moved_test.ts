// Run with --v8-flags=--expose-gc. Call frames moved away by a careless
// caller under the Node-API mapping: the descriptor of a pin, and the slot
// adoptAsync passes, are views of a frame; moving one (`buffer.transfer()`)
// ends in a typed error and nothing stays allocated once the moved memory
// dies. (Under the pointer-view mapping frames are SharedArrayBuffers, which
// cannot be moved.)

import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { openDemo, ZeroCopyError } from "../../mod.ts";
import { lib } from "../_helpers.ts";
import { collect, gc } from "./_collect.ts";

const demo = await openDemo({ path: lib.path, mapping: "node-api" });
const stats = () => demo.library.stats();

describe("a call frame moved away (Node-API mapping)", () => {
  it("a pin's descriptor: DETACHED, a clean dispose, and the buffer freed once", async () => {
    assert(gc, "run this suite with --v8-flags=--expose-gc");
    const before = stats();
    const values = demo.generate("f64", 64);
    const pin = values.pin();
    let moved: ArrayBuffer | null = pin.descriptor.buffer.transfer();
    assertEquals(new BigUint64Array(moved)[1], 64n, "the moved words are the pin's descriptor");
    assertEquals(assertThrows(() => pin.descriptor, ZeroCopyError).code, "DETACHED");
    pin[Symbol.dispose]();
    values[Symbol.dispose]();
    assertEquals(values.state, "disposed");
    moved = null;
    await collect(() => stats().liveBuffers === before.liveBuffers);
    assertEquals(stats().liveBuffers, before.liveBuffers);
    assertEquals(stats().totalReleased, before.totalReleased + 1);
  });

  it("adoptAsync's slot moved during the call: DETACHED, and what the call handed over freed once", async () => {
    const before = stats();
    using bytes = demo.generate("u8", 1 << 16);
    using pin = bytes.pin();
    let moved: ArrayBuffer | undefined | null;
    const error = await assertRejects(
      () =>
        demo.library.adoptAsync("u64", async (out) => {
          const pending = demo.library.symbols.zc_histogram(pin.descriptor, 1000, null, out);
          moved = out.buffer.transfer();
          return await pending;
        }),
      ZeroCopyError,
    );
    assertEquals(error.code, "DETACHED");
    // The histogram Zig handed over lives in the moved memory until it dies.
    assertEquals(new BigUint64Array(moved!)[1], 256n, "the moved slot holds the 256 bins handed over");
    assertEquals(stats().liveBuffers, before.liveBuffers + 2);
    moved = null;
    await collect(() => stats().liveBuffers === before.liveBuffers + 1);
    assertEquals(stats().liveBuffers, before.liveBuffers + 1, "only the input stays, until disposed");
    assertEquals(stats().totalReleased, before.totalReleased + 1);
  });
});
