import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { lend, openLibrary, ZeroCopyError } from "../mod.ts";
import { assertLiveUnchanged, demo, expectedPattern, fnv1a, hooks, lib, sameBytes } from "./_helpers.ts";

function assertCode(run: () => unknown, code: string): void {
  assertEquals(assertThrows(run, ZeroCopyError).code, code);
}

describe("lending a TypedArray to Zig", () => {
  it("lets Zig read the array's own memory", () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => i);
    assertEquals(lib.symbols.zc_sum_f64(lend(values), values.length), 499_500);
  });

  it("lends a ZeroCopyBuffer's view like any other array", () => {
    using buffer = demo.generate("f64", 100);
    assertEquals(lib.symbols.zc_sum_f64(lend(buffer.view), buffer.length), 2475);
  });

  it("throws DETACHED for an array whose memory is gone", () => {
    const before = lib.stats();
    const buffer = demo.generate("f64", 10);
    const view = buffer.view;
    buffer[Symbol.dispose]();
    assertCode(() => lend(view), "DETACHED");
    const plain = new Float64Array(4);
    plain.buffer.transfer();
    assertCode(() => lend(plain), "DETACHED");
    assertLiveUnchanged(before);
  });
});

describe("ZeroCopyLibrary.allocate()", () => {
  it("hands Deno zeroed Zig memory of the requested type to fill", () => {
    const before = lib.stats();
    using buffer = lib.allocate("i16", 1000);
    assertEquals(buffer.view.constructor, Int16Array);
    assert(buffer.view.every((x) => x === 0));
    assertEquals(lib.stats().liveBytes, before.liveBytes + 2000);
  });

  it("rejects bad lengths before allocating anything", () => {
    const before = lib.stats();
    for (const length of [0, -1, 0.5, NaN, Infinity]) {
      assertCode(() => lib.allocate("u8", length), "INVALID_LENGTH");
    }
    assertCode(() => lib.allocate("u64", 2 ** 52), "SIZE_OVERFLOW");
    assertCode(() => lib.allocate("u8", 2 ** 52), "OUT_OF_MEMORY");
    // @ts-expect-error: wrong types are the point
    assertCode(() => lib.allocate("f16", 1), "INVALID_ELEMENT_TYPE");
    assertEquals(lib.stats(), before);
  });
});

describe("giving a buffer back to Zig", () => {
  it("moves a buffer filled in Deno to Zig, which reads and frees it", () => {
    const before = lib.stats();
    const buffer = lib.allocate("u8", 4096);
    buffer.view.set(expectedPattern("u8", 4096));
    const expected = fnv1a(buffer.bytes);
    const view = buffer.view;
    assertEquals(lib.giveBack(buffer, (descriptor) => lib.symbols.zc_consume(descriptor)), expected);
    assertEquals(view.length, 0);
    assert(buffer.disposed);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
  });

  it("lets Zig keep the memory: the consumed buffer neither frees nor reads it", () => {
    const before = hooks.stats();
    const buffer = hooks.allocate("f64", 1000);
    assertEquals(hooks.giveBack(buffer, (descriptor) => hooks.symbols.zc_keep(descriptor)), 0);
    buffer[Symbol.dispose]();
    assertEquals(hooks.stats().liveBuffers, before.liveBuffers + 1);
    for (const use of [() => buffer.view, () => buffer.length, () => buffer.transfer()]) {
      assertCode(use, "CONSUMED");
    }
    assertCode(() => hooks.giveBack(buffer, () => 0), "CONSUMED");
    assertEquals(hooks.symbols.zc_release_kept(), 1000);
    assertEquals(hooks.stats().liveBuffers, before.liveBuffers);
  });

  it("refuses a buffer another library handed over, leaving both libraries' counts right", () => {
    const libBefore = lib.stats();
    const hooksBefore = hooks.stats();
    using buffer = demo.generate("f64", 10);
    assertCode(
      () => hooks.giveBack(buffer, (descriptor) => hooks.symbols.zc_keep(descriptor)),
      "INVALID_ARGUMENT",
    );
    assertEquals(buffer.view[9], 4.5);
    assertEquals(hooks.stats(), hooksBefore);
    assertEquals(lib.stats().liveBuffers, libBefore.liveBuffers + 1);
  });

  it("frees the memory itself when the Zig function did not take it", () => {
    const before = lib.stats();
    const buffer = demo.generate("u32", 10);
    lib.giveBack(buffer, (descriptor) => lib.symbols.zc_checksum(descriptor));
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
  });

  it("refuses a disposed buffer with DISPOSED", () => {
    const before = lib.stats();
    const buffer = demo.generate("u8", 1);
    buffer[Symbol.dispose]();
    assertCode(() => lib.giveBack(buffer, () => 0), "DISPOSED");
    assertLiveUnchanged(before);
  });
});

describe("buffers from any Zig allocator", () => {
  const kinds = ["c_allocator", "page_allocator", "DebugAllocator", "smp_allocator", "a SharedArena"];
  kinds.forEach((name, kind) => {
    it(`returns a buffer from ${name} to it on dispose`, () => {
      const before = lib.stats();
      const buffer = lib.adopt("f64", (out) => lib.symbols.zc_generate_f64_with(kind, 10_000n, out));
      assert(sameBytes(buffer.view, expectedPattern("f64", 10_000)));
      assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
      buffer[Symbol.dispose]();
      assertEquals(lib.stats().liveBuffers, before.liveBuffers);
      assertEquals(lib.stats().liveBytes, before.liveBytes);
    });
  });

  it("reports an unknown allocator as INVALID_ARGUMENT", () => {
    assertCode(
      () => lib.adopt("f64", (out) => lib.symbols.zc_generate_f64_with(99, 1n, out)),
      "INVALID_ARGUMENT",
    );
  });

  it("refuses a buffer of another element type than expected, freeing it", () => {
    const before = lib.stats();
    assertCode(() => lib.adopt("i32", (out) => lib.symbols.zc_generate_f64(8n, out)), "INVALID_ELEMENT_TYPE");
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  });
});

describe("an ArrayList handed over directly", () => {
  it("views its length and frees its whole capacity", () => {
    const before = lib.stats();
    const buffer = lib.adopt("f64", (out) => lib.symbols.zc_generate_f64_list(1000n, out));
    assertEquals(buffer.length, 1000);
    const capacityBytes = lib.stats().liveBytes - before.liveBytes;
    assert(capacityBytes > 8000, `capacity ${capacityBytes} bytes should exceed the 8000 in use`);
    assert(sameBytes(buffer.view, expectedPattern("f64", 1000)));
    buffer[Symbol.dispose]();
    assertEquals(lib.stats().liveBytes, before.liveBytes);
  });
});

describe("nonblocking calls", () => {
  it("defer a dispose made during the call until the call settles", async () => {
    const before = lib.stats();
    const buffer = demo.generate("f64", 1000);
    const view = buffer.view;
    let sum: Promise<number>;
    {
      using pin = buffer.pin();
      sum = lib.symbols.zc_sum_f64_after(pin.descriptor, 200);
      buffer[Symbol.dispose]();
      assertEquals(view.length, 0);
      assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
      assertAlmostEquals(await sum, 249_750);
    }
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  });

  it("refuse to give back or transfer a pinned buffer", () => {
    using buffer = demo.generate("f64", 4);
    using _pin = buffer.pin();
    assertCode(() => lib.giveBack(buffer, () => 0), "PINNED");
    assertCode(() => buffer.transfer(), "PINNED");
  });

  it("adopt a buffer from a nonblocking generator with adoptAsync()", async () => {
    const asyncLib = await openLibrary({
      path: lib.path,
      symbols: {
        generate_async: {
          name: "zc_generate_i32",
          parameters: ["u64", "buffer"],
          result: "i32",
          nonblocking: true,
        },
      },
    });
    using buffer = await asyncLib.adoptAsync("i32", (out) => asyncLib.symbols.generate_async(5000n, out));
    assert(sameBytes(buffer.view, expectedPattern("i32", 5000)));
  });
});
