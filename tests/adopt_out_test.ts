// adopt() passes every call a descriptor of its own and copies the words out after mapping: what a
// callback keeps of it, writes into it or does with it later must never reach a buffer's memory, and
// no other adopt, nested, later or asynchronous, is ever given it.

import { assertEquals, assertNotStrictEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { type Descriptor, ZeroCopyError } from "../mod.ts";
import { assertLiveUnchanged, lib } from "./_helpers.ts";
import { turn } from "./_turn.ts";

function expectPattern(view: Float64Array, length: number): void {
  assertEquals(view.length, length);
  for (let i = 0; i < length; i++) assertEquals(view[i], i * 0.5, `element ${i}`);
}

describe("the descriptor adopt() passes its call", () => {
  it("owns and describes nothing once adopt returns, so a call kept it for frees nothing", () => {
    const before = lib.stats();
    let kept: Descriptor | undefined;
    const buffer = lib.adopt("f64", (out) => {
      kept = out;
      return lib.symbols.zc_generate_f64(16n, out);
    });
    assertEquals([...kept!], [0n, 0n, 0n, 0n, 0n, 0n]);
    lib.symbols.zc_release(kept!);
    expectPattern(buffer.view, 16);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
    buffer[Symbol.dispose]();
    assertLiveUnchanged(before);
  });

  it("is zeroed before each call: words written into a kept one are never mapped", () => {
    const before = lib.stats();
    let kept: Descriptor | undefined;
    using first = lib.adopt("f64", (out) => {
      kept = out;
      return lib.symbols.zc_generate_f64(4n, out);
    });
    // A hand-over into the kept descriptor outside any adopt: its memory is the caller's to free.
    lib.symbols.zc_generate_f64(8n, kept!);
    const planted = kept!.slice();
    lib.symbols.zc_release(planted);
    let next: Descriptor | undefined;
    const error = assertThrows(() =>
      lib.adopt("f64", (out) => {
        next = out;
        return 0;
      }), ZeroCopyError);
    assertNotStrictEquals(next, kept);
    assertEquals(error.code, "INVALID_ELEMENT_TYPE");
    expectPattern(first.view, 4);
    first[Symbol.dispose]();
    assertLiveUnchanged(before);
  });

  it("is not shared with an adopt nested in the call, before or after the outer hand-over", () => {
    const before = lib.stats();
    let inner1: ReturnType<typeof lib.adopt<"f64">> | undefined;
    let inner2: ReturnType<typeof lib.adopt<"f64">> | undefined;
    const outer = lib.adopt("f64", (out) => {
      inner1 = lib.adopt("f64", (o) => lib.symbols.zc_generate_f64(3n, o));
      const status = lib.symbols.zc_generate_f64(5n, out);
      inner2 = lib.adopt("f64", (o) => lib.symbols.zc_generate_f64(7n, o));
      return status;
    });
    expectPattern(outer.view, 5);
    expectPattern(inner1!.view, 3);
    expectPattern(inner2!.view, 7);
    for (const buffer of [outer, inner1!, inner2!]) buffer[Symbol.dispose]();
    assertLiveUnchanged(before);
    // And the next adopt still works on the library's own descriptor.
    using after = lib.adopt("f64", (out) => lib.symbols.zc_generate_f64(2n, out));
    expectPattern(after.view, 2);
  });

  it("goes with a callback that returned a promise: what it hands over later is freed, the next adopt is untouched", async () => {
    const before = lib.stats();
    let late: (() => void) | undefined;
    const error = assertThrows(
      () =>
        lib.adopt("f64", (out) =>
          new Promise<number>((resolve) => {
            late = () => resolve(lib.symbols.zc_generate_f64(32n, out));
          }) as never),
      ZeroCopyError,
    );
    assertEquals(error.code, "INVALID_ARGUMENT");
    using next = lib.adopt("f64", (out) => lib.symbols.zc_generate_f64(6n, out));
    late!();
    await turn();
    await turn();
    expectPattern(next.view, 6);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
    next[Symbol.dispose]();
    assertLiveUnchanged(before);
  });

  it("is released when the call fails (and when it throws: bad_input_test.ts), and serves the next adopt", () => {
    const before = lib.stats();
    assertEquals(
      assertThrows(() => lib.adopt("u8", (out) => lib.symbols.zc_generate_f64(8n, out)), ZeroCopyError).code,
      "INVALID_ELEMENT_TYPE",
    );
    assertLiveUnchanged(before);
    using buffer = lib.adopt("f64", (out) => lib.symbols.zc_generate_f64(9n, out));
    expectPattern(buffer.view, 9);
  });

  it("leaves each buffer its own descriptor for pins, passes and give-backs", () => {
    const before = lib.stats();
    const a = lib.adopt("f64", (out) => lib.symbols.zc_generate_f64(10n, out));
    const b = lib.adopt("f64", (out) => lib.symbols.zc_generate_f64(20n, out));
    {
      using pinA = a.pin();
      using pinB = b.pin();
      assertEquals(pinA.descriptor[1], 10n);
      assertEquals(pinB.descriptor[1], 20n);
    }
    lib.giveBack(a, (descriptor) => lib.symbols.zc_consume(descriptor));
    assertEquals(a.state, "consumed");
    expectPattern(b.view, 20);
    b[Symbol.dispose]();
    assertLiveUnchanged(before);
  });
});
