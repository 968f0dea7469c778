// What a generated wrapper's lent parameter accepts: any TypedArray of the
// element type Deno's FFI passes without a copy (a plain `Float64Array`, one
// over a SharedArrayBuffer or a resizable ArrayBuffer), and a typed error for
// the rest at run time.

import { assertEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { ZeroCopyError } from "../mod.ts";
import { open } from "./fixtures/bindings_fixture.ts";
import { fixturePath } from "./_helpers.ts";

const fixture = await open(fixturePath("bindings_fixture"));

/** A user's own function over the type TypeScript gives `new Float64Array(...)`'s readers. */
function total(values: Float64Array): number {
  return fixture.sum_f64(values);
}

describe("a lent parameter", () => {
  it("takes a plain Float64Array, and one over shared or resizable memory", () => {
    assertEquals(total(new Float64Array([1, 2, 3.5])), 6.5);
    const shared = new Float64Array(new SharedArrayBuffer(32));
    shared.set([1, 2, 3, 4]);
    assertEquals(total(shared), 10);
    const resizable = new Float64Array(new ArrayBuffer(16, { maxByteLength: 64 }));
    resizable.set([4, 5]);
    assertEquals(total(resizable), 9);
  });

  it("refuses what is not a TypedArray, or whose memory is gone, with a typed error", () => {
    const code = (f: () => unknown) => (assertThrows(f, ZeroCopyError) as ZeroCopyError).code;
    assertEquals(code(() => total([1, 2] as unknown as Float64Array)), "INVALID_ARGUMENT");
    const moved = new Float64Array(4);
    moved.buffer.transfer();
    assertEquals(code(() => total(moved)), "DETACHED");
  });
});
