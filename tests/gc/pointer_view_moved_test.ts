// Run with --v8-flags=--expose-gc and unscoped --allow-ffi. The pointer-view
// mapping's ArrayBuffer has no deleter, so memory the user moves away cannot be
// freed safely: a wrapper dropped after its ArrayBuffer was moved must leave
// the memory allocated (and count it), never free it under the moved view.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { openDemo } from "../../mod.ts";
import { expectedPattern, lib, sameBytes, UNSCOPED_FFI } from "../_helpers.ts";
import { collect, gc } from "./_collect.ts";

const LENGTH = 1 << 17; // 1 MB of f64: reading freed memory this large faults

describe("memory moved away under the pointer-view mapping", { ignore: !UNSCOPED_FFI }, () => {
  const opened = UNSCOPED_FFI ? openDemo({ path: lib.path, mapping: "pointer-view" }) : null;

  /** Moves a new buffer's ArrayBuffer away inside a function, so its wrapper is garbage on return. */
  async function movedOut(
    move: (view: Float64Array<ArrayBuffer>) => Float64Array<ArrayBuffer>,
  ): Promise<Float64Array<ArrayBuffer>> {
    const demo = await opened!;
    return move(demo.generate("f64", LENGTH).view);
  }

  for (
    const [how, move] of [
      ["ArrayBuffer.prototype.transfer()", (view) => new Float64Array(view.buffer.transfer())],
      ["structuredClone with a transfer list", (view) => structuredClone(view, { transfer: [view.buffer] })],
    ] as const satisfies readonly (readonly [
      string,
      (view: Float64Array<ArrayBuffer>) => Float64Array<ArrayBuffer>,
    ])[]
  ) {
    it(`is left allocated and counted, not freed, when the wrapper dies after ${how}`, async () => {
      assert(gc, "run this suite with --v8-flags=--expose-gc");
      const { library } = await opened!;
      const before = library.stats();
      const moved = await movedOut(move);
      await collect(() => library.stats().abandonedBuffers > before.abandonedBuffers);
      for (let i = 0; i < 5; i++) {
        gc!();
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      assert(sameBytes(moved, expectedPattern("f64", LENGTH)), "the moved memory changed: it was freed");
      const after = library.stats();
      assertEquals(after.abandonedBuffers, before.abandonedBuffers + 1);
      assertEquals(after.liveBuffers, before.liveBuffers + 1);
      assertEquals(after.totalReleased, before.totalReleased);
    });
  }

  it("still frees a dropped buffer whose views the user kept, once they die too", async () => {
    const { library, generate } = await opened!;
    const before = library.stats();
    let kept: Uint8Array | null = (() => new Uint8Array(generate("u8", 256).view.buffer, 200, 56))();
    await collect(() => false, 10);
    assertEquals(library.stats().liveBuffers, before.liveBuffers + 1);
    assertEquals(kept[55], 255);
    kept = null;
    await collect(() => library.stats().liveBuffers === before.liveBuffers);
    assertEquals(library.stats().totalReleased, before.totalReleased + 1);
    assertEquals(library.stats().abandonedBuffers, before.abandonedBuffers);
  });
});
