// The rows of the bad-input matrix that the other suites do not
// cover: each is refused with a stable code and leaves no buffer live.

import { assertEquals, assertMatch, assertRejects, assertStrictEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { lend, openDemo, type ZeroCopyBuffer, ZeroCopyError } from "../mod.ts";
import { assertCode, assertLiveUnchanged, demo, fixturePath, hooks, lib } from "./_helpers.ts";

describe("lengths the library cannot hand over", () => {
  it("allocate() throws SIZE_OVERFLOW for a length beyond Number.MAX_SAFE_INTEGER", () => {
    const before = lib.stats();
    assertCode(() => lib.allocate("u8", Number.MAX_SAFE_INTEGER + 2), "SIZE_OVERFLOW");
    assertLiveUnchanged(before);
  });

  it("a bigint length whose byte size overflows usize reaches Zig and comes back as SIZE_OVERFLOW", () => {
    const before = lib.stats();
    assertCode(() => lib.adopt("u64", (out) => lib.symbols.zc_generate_u64(2n ** 62n, out)), "SIZE_OVERFLOW");
    assertLiveUnchanged(before);
  });

  it("zc_allocate with a byte size overflowing usize returns SIZE_OVERFLOW through adopt()", () => {
    const before = lib.stats();
    assertCode(
      () => lib.adopt("f64", (out) => lib.symbols.zc_allocate(10, 2n ** 61n + 1n, out)),
      "SIZE_OVERFLOW",
    );
    assertLiveUnchanged(before);
  });
});

describe("a descriptor with a bad pointer handed to adopt()", () => {
  it("throws INVALID_POINTER for a null pointer with a nonzero length, releasing the memory", () => {
    const before = hooks.stats();
    assertCode(
      () => hooks.adopt("f64", (out) => hooks.symbols.zc_hand_over_null(16n, out)),
      "INVALID_POINTER",
    );
    assertLiveUnchanged(before, hooks);
    assertEquals(hooks.stats().totalReleased, before.totalReleased + 1);
  });

  it("throws INVALID_POINTER for a pointer not aligned to the element size, releasing the memory", () => {
    const before = hooks.stats();
    assertCode(
      () => hooks.adopt("f64", (out) => hooks.symbols.zc_hand_over_misaligned(16n, out)),
      "INVALID_POINTER",
    );
    assertLiveUnchanged(before, hooks);
    assertEquals(hooks.stats().totalReleased, before.totalReleased + 1);
  });
});

describe("an adopt() callback that throws after Zig handed over", () => {
  it("adopt() rethrows the error and frees what was handed over", () => {
    const before = lib.stats();
    const thrown = new Error("the caller's own failure");
    const error = assertThrows(() =>
      lib.adopt("f64", (out) => {
        lib.symbols.zc_generate_f64(8n, out);
        throw thrown;
      })
    );
    assertStrictEquals(error, thrown);
    assertLiveUnchanged(before);
  });

  it("adoptAsync() rejects with the error and frees what was handed over", async () => {
    const before = lib.stats();
    const thrown = new Error("the caller's own failure");
    const error = await assertRejects(() =>
      lib.adoptAsync("f64", (out) => {
        lib.symbols.zc_generate_f64(8n, out);
        return Promise.reject(thrown);
      })
    );
    assertStrictEquals(error, thrown);
    assertLiveUnchanged(before);
  });
});

/** Every member that needs the memory, as a use of a buffer that is gone. */
const uses: [string, (buffer: ZeroCopyBuffer) => unknown][] = [
  ["view", (b) => b.view],
  ["bytes", (b) => b.bytes],
  ["type", (b) => b.type],
  ["length", (b) => b.length],
  ["byteLength", (b) => b.byteLength],
  ["unsafePointer", (b) => b.unsafePointer],
  ["pin()", (b) => b.pin()],
  ["transfer()", (b) => b.transfer()],
  ["giveBack()", (b) => lib.giveBack(b, (d) => lib.symbols.zc_consume(d))],
  ["checksum()", (b) => demo.checksum(b)],
  ["lend(view)", (b) => lend(b.view)],
];

describe("a disposed buffer", () => {
  for (const [name, use] of uses) {
    it(`throws DISPOSED from ${name} and frees nothing twice`, () => {
      const before = lib.stats();
      const buffer = demo.generate("f64", 32);
      buffer[Symbol.dispose]();
      assertCode(() => use(buffer), "DISPOSED");
      buffer[Symbol.dispose]();
      assertLiveUnchanged(before);
      assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
    });
  }
});

describe("a buffer given back to Zig", () => {
  for (const [name, use] of uses) {
    it(`throws CONSUMED from ${name} and frees nothing twice`, () => {
      const before = lib.stats();
      const buffer = demo.generate("f64", 32);
      lib.giveBack(buffer, (descriptor) => lib.symbols.zc_consume(descriptor));
      assertCode(() => use(buffer), "CONSUMED");
      buffer[Symbol.dispose]();
      assertLiveUnchanged(before);
      assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
    });
  }
});

describe("a pin", () => {
  it("frees a buffer disposed while pinned once, however often the pin is disposed", () => {
    const before = lib.stats();
    const buffer = demo.generate("f64", 8);
    const pin = buffer.pin();
    buffer[Symbol.dispose]();
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
    pin[Symbol.dispose]();
    pin[Symbol.dispose]();
    assertLiveUnchanged(before);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
  });
});

describe("a value lend() cannot lend", () => {
  it("is an Array: INVALID_ARGUMENT, not a TypeError", () => {
    const error = assertCode(() => lend([1, 2, 3] as unknown as Float64Array), "INVALID_ARGUMENT");
    assertMatch(error.message, /an Array: lend a TypedArray/);
  });

  it("is a ZeroCopyBuffer: INVALID_ARGUMENT naming its view", () => {
    using buffer = demo.generate("f64", 3);
    const error = assertCode(() => lend(buffer as unknown as Float64Array), "INVALID_ARGUMENT");
    assertMatch(error.message, /buffer\.view/);
  });

  it("is null: INVALID_ARGUMENT", () => {
    assertCode(() => lend(null as unknown as Float64Array), "INVALID_ARGUMENT");
  });
});

describe("openDemo() on a library without the demo exports", () => {
  it("is a ZeroCopyError naming the missing exports, before any generate() can fail", async () => {
    const error = await assertRejects(
      () => openDemo({ path: fixturePath("bindings_fixture") }),
      ZeroCopyError,
    );
    assertEquals(error.code, "SYMBOL_MISSING");
    assertMatch(error.message, /zc_generate_\w+/);
  });
});
