// What ZeroCopyBuffer's safety rests on, checked on the pinned Deno: an
// ArrayBuffer from getArrayBuffer can be detached, and detaching zeroes every view.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { demo, UNSCOPED_FFI } from "./_helpers.ts";

describe("an ArrayBuffer from UnsafePointerView.getArrayBuffer", { ignore: !UNSCOPED_FFI }, () => {
  it("turns every view to length 0 when detached with transfer(0)", () => {
    using buffer = demo.generate("u8", 64);
    const raw = Deno.UnsafePointerView.getArrayBuffer(
      buffer.unsafePointer! as unknown as Deno.PointerObject,
      64,
    );
    const views = [new Uint8Array(raw), new Float64Array(raw, 8, 2), new Int16Array(raw, 2)];
    assertEquals(views[0][63], 63);
    raw.transfer(0);
    assert(raw.detached);
    for (const view of views) assertEquals([view.length, view.byteLength], [0, 0]);
  });

  it("turns every view to length 0 when detached with structuredClone", () => {
    using buffer = demo.generate("u8", 64);
    const raw = Deno.UnsafePointerView.getArrayBuffer(
      buffer.unsafePointer! as unknown as Deno.PointerObject,
      64,
    );
    const view = new Uint32Array(raw);
    const clone = structuredClone(raw, { transfer: [raw] });
    assertEquals(view.length, 0);
    // The transfer moved the external memory rather than copying it: why users must not do it.
    new Uint8Array(clone)[0] = 200;
    assertEquals(buffer.view[0], 200);
  });

  it("is not freed by V8: reads after detach see length 0, not freed memory", () => {
    using buffer = demo.generate("u8", 8);
    const raw = Deno.UnsafePointerView.getArrayBuffer(
      buffer.unsafePointer! as unknown as Deno.PointerObject,
      8,
    );
    const view = new Uint8Array(raw);
    raw.transfer(0);
    assertEquals(view[0], undefined);
    assertEquals(buffer.view[7], 7);
  });
});
