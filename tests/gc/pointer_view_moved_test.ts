// Run with --v8-flags=--expose-gc and unscoped --allow-ffi. The pointer-view
// mapping's ArrayBuffer has no deleter, so memory the user moves away cannot be
// freed safely: a wrapper dropped after its ArrayBuffer was moved must leave
// the memory allocated (and count it), never free it under the moved view.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { openDemo } from "../../mod.ts";
import { lib, UNSCOPED_FFI } from "../_helpers.ts";
import { collect, gc } from "./_collect.ts";
import { assertIntactAfterGc, type Move, movedOut } from "./_moved.ts";

describe("memory moved away under the pointer-view mapping", { ignore: !UNSCOPED_FFI }, () => {
  const opened = UNSCOPED_FFI ? openDemo({ path: lib.path, mapping: "pointer-view" }) : null;

  for (
    const [how, move] of [
      ["ArrayBuffer.prototype.transfer()", (view) => new Float64Array(view.buffer.transfer())],
      ["structuredClone with a transfer list", (view) => structuredClone(view, { transfer: [view.buffer] })],
    ] as const satisfies readonly (readonly [string, Move])[]
  ) {
    it(`is left allocated and counted, not freed, when the wrapper dies after ${how}`, async () => {
      assert(gc, "run this suite with --v8-flags=--expose-gc");
      const demo = await opened!;
      const { library } = demo;
      const before = library.stats();
      const moved = movedOut(demo, move);
      await collect(() => library.stats().abandonedBuffers > before.abandonedBuffers);
      await assertIntactAfterGc(moved, "the moved memory changed: it was freed");
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
