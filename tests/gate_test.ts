// The gate between JavaScript objects and native pointers: a buffer whose
// ArrayBuffer someone else detached or moved becomes `moved` and refuses every
// native use with a ZeroCopyError, a pin keeps its memory allocated whatever
// happens to that ArrayBuffer, and every argument that would become a pointer
// is checked before any call. Each case below once crashed the process or
// answered with an untyped error.

import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import {
  type Demo,
  lendAs,
  type MappingKind,
  openDemo,
  passDescriptor,
  Region,
  Ring,
  toFfiInteger,
  type ZeroCopyBuffer,
  ZeroCopyError,
} from "../mod.ts";
import { assertCode, assertLiveUnchanged, expectedPattern, fnv1a, lib, UNSCOPED_FFI } from "./_helpers.ts";

const MAPPINGS: readonly MappingKind[] = UNSCOPED_FFI ? ["node-api", "pointer-view"] : ["node-api"];
const demos = new Map<MappingKind, Demo>();
for (const mapping of MAPPINGS) demos.set(mapping, await openDemo({ path: lib.path, mapping }));

/** Every way of using a buffer natively or reading it, each of which must throw `code`. */
function assertRefusedEverywhere(demo: Demo, buffer: ZeroCopyBuffer, code: "MOVED"): void {
  assertCode(() => demo.checksum(buffer), code);
  assertCode(() => demo.bindings.zc_checksum(buffer), code);
  assertCode(() => buffer.pin(), code);
  assertCode(() => buffer.view, code);
  assertCode(() => buffer.bytes, code);
  assertCode(() => buffer.transfer(), code);
  assertCode(
    () => demo.library.giveBack(buffer, (descriptor) => demo.library.symbols.zc_consume(descriptor)),
    code,
  );
}

/**
 * What the library must count after a move: under the Node-API mapping the
 * moved ArrayBuffer (or V8, for a copy) frees the memory; under the
 * pointer-view mapping it is left allocated and counted as abandoned.
 */
function assertMovedCounts(
  demo: Demo,
  before: ReturnType<Demo["library"]["stats"]>,
  stillHeld: boolean,
): void {
  const after = demo.library.stats();
  if (demo.library.mapping === "node-api") {
    assertEquals(after.liveBuffers, before.liveBuffers + (stillHeld ? 1 : 0));
    assertEquals(after.abandonedBuffers, before.abandonedBuffers);
  } else {
    assertEquals(after.liveBuffers, before.liveBuffers + 1);
    assertEquals(after.abandonedBuffers, before.abandonedBuffers + 1);
  }
}

for (const mapping of MAPPINGS) {
  const demo = demos.get(mapping)!;
  const { library } = demo;

  describe(`a buffer whose ArrayBuffer was moved away (${mapping})`, () => {
    it("by transfer(n) of another length is `moved` and refuses every native use", () => {
      const before = library.stats();
      const buffer = demo.generate("f64", 1 << 16);
      const moved = buffer.view.buffer.transfer(16);
      assertEquals(buffer.state, "moved");
      assert(buffer.disposed);
      assertRefusedEverywhere(demo, buffer, "MOVED");
      // transfer(n) copied what fits: under Node-API V8 freed the original at once.
      assertEquals(new Float64Array(moved)[1], 0.5);
      assertMovedCounts(demo, before, false);
      buffer[Symbol.dispose](); // already moved: nothing to do, nothing thrown
    });

    it("by transferToFixedLength() is `moved`, and its memory goes with the new ArrayBuffer", () => {
      const before = library.stats();
      const buffer = demo.generate("u8", 4096);
      const moved = buffer.view.buffer.transferToFixedLength();
      assertRefusedEverywhere(demo, buffer, "MOVED");
      assertEquals(buffer.state, "moved");
      assertEquals(new Uint8Array(moved)[4095], 255);
      assertMovedCounts(demo, before, true);
      if (mapping === "node-api") {
        moved.transfer(0); // the new holder lets go: freed, and counted
        assertLiveUnchanged(before, library);
      }
    });

    it("refuses a pin taken before the move", () => {
      const buffer = demo.generate("f64", 64);
      using pin = buffer.pin();
      const moved = buffer.view.buffer.transfer();
      assertCode(() => pin.descriptor, "MOVED");
      assertCode(() => passDescriptor(pin, "zc_checksum", "descriptor"), "MOVED");
      assertEquals(buffer.state, "moved");
      if (mapping === "node-api") moved.transfer(0); // nothing left for garbage collection to free later
    });

    it("throws MOVED from dispose under pointer-view only, where the memory is left allocated", () => {
      const buffer = demo.generate("u8", 64);
      const moved = buffer.view.buffer.transfer();
      if (mapping === "pointer-view") assertCode(() => buffer[Symbol.dispose](), "MOVED");
      else buffer[Symbol.dispose]();
      assertEquals(buffer.state, "moved");
      assertEquals(new Uint8Array(moved)[63], 63);
      if (mapping === "node-api") moved.transfer(0);
    });
  });

  describe(`a pin during a nonblocking call (${mapping})`, () => {
    it("keeps the memory allocated when the user moves view.buffer away and drops it mid-call", async () => {
      const before = library.stats();
      const length = 1 << 20; // 8 MB: freed memory this large is unmapped, so a read faults
      const buffer = demo.generate("f64", length);
      const expected = expectedPattern("f64", length).reduce((a, b) => a + b, 0);
      const pin = buffer.pin();
      const sum = library.symbols.zc_sum_f64_after(pin.descriptor, 150);
      // Another length makes V8 copy and free the original at once, under Node-API.
      buffer.view.buffer.transfer(8);
      assertEquals(buffer.state, "moved");
      assertEquals(await sum, expected);
      pin[Symbol.dispose]();
      assertMovedCounts(demo, before, false);
    });
  });
}

describe("the README's worker example, for a worker that is then terminated", () => {
  it("leaves the frame `moved`, refused with MOVED (the GC suite forces the free)", async () => {
    const { demo: demoFor, frame } = (() => {
      const demo = demos.get("node-api")!;
      return { demo, frame: demo.generate("u8", 1 << 20) };
    })();
    const worker = new Worker(new URL("./gc/_holding_worker.ts", import.meta.url), { type: "module" });
    const view = new Float64Array(frame.view.buffer);
    worker.postMessage(view, [view.buffer]);
    worker.terminate();
    assertCode(() => demoFor.checksum(frame), "MOVED");
    assertEquals(frame.state, "moved");
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
});

describe("a lent parameter of a generated wrapper", () => {
  const { bindings } = demos.get("node-api")!;

  it("refuses a TypedArray of another element type before the call", () => {
    for (const wrong of [new Uint8Array(64), new Int8Array(64), new Float32Array(8), new BigInt64Array(8)]) {
      const error = assertCode(
        () => bindings.zc_sum_f64(wrong as unknown as Float64Array),
        "INVALID_ELEMENT_TYPE",
      );
      assert(error.message.includes("Float64Array"), error.message);
    }
  });

  it("refuses a DataView, an Array, null and a detached array", () => {
    assertCode(() => bindings.zc_sum_f64(new DataView(new ArrayBuffer(64)) as never), "INVALID_ELEMENT_TYPE");
    assertCode(() => bindings.zc_sum_f64([1, 2] as never), "INVALID_ARGUMENT");
    assertCode(() => bindings.zc_sum_f64(null as never), "INVALID_ARGUMENT");
    const detached = new Float64Array(4);
    detached.buffer.transfer();
    assertCode(() => bindings.zc_sum_f64(detached), "DETACHED");
  });

  it("takes any Float64Array: a subarray, one over a resizable or a shared buffer", () => {
    const values = new Float64Array([1, 2, 3.5, 4]);
    assertEquals(bindings.zc_sum_f64(values.subarray(1, 3)), 5.5);
    const resizable = new Float64Array(new ArrayBuffer(16, { maxByteLength: 64 }));
    resizable.set([1, 2]);
    assertEquals(bindings.zc_sum_f64(resizable), 3);
    const shared = new Float64Array(new SharedArrayBuffer(16));
    shared.set([2, 5]);
    assertEquals(bindings.zc_sum_f64(shared), 7);
  });

  it("is what lendAs checks for a hand-written call", () => {
    assertCode(
      () => lendAs(new Int8Array(8) as never, "f64", "zc_sum_f64", "values"),
      "INVALID_ELEMENT_TYPE",
    );
    assertEquals(lendAs(new Uint8ClampedArray(2), "u8", "f", "bytes").length, 2);
  });
});

describe("adopt given an async callback", () => {
  it("throws INVALID_ARGUMENT and frees what the callback hands over afterwards", async () => {
    const before = lib.stats();
    let called: Promise<void> | undefined;
    assertCode(
      () =>
        lib.adopt(
          "f64",
          (async (out: BigUint64Array<ArrayBuffer>) => {
            called = Promise.resolve();
            await new Promise((resolve) => setTimeout(resolve, 5));
            lib.symbols.zc_generate_f64(1000n, out);
          }) as never,
        ),
      "INVALID_ARGUMENT",
    );
    assert(called !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assertLiveUnchanged(before);
  });

  it("throws INVALID_ARGUMENT for a callback returning something other than a status", () => {
    const before = lib.stats();
    assertCode(() => lib.adopt("u8", (() => "0") as never), "INVALID_ARGUMENT");
    assertLiveUnchanged(before);
  });
});

describe("arguments that would become pointers or integers", () => {
  const demo = demos.get("node-api")!;

  it("giveBack(null), giveBack({}) and giveBack(buffer, null): INVALID_ARGUMENT, nothing consumed", () => {
    using buffer = lib.allocate("u8", 8);
    const call = (descriptor: unknown) => lib.symbols.zc_consume(descriptor as BigUint64Array<ArrayBuffer>);
    assertCode(() => lib.giveBack(null as never, call), "INVALID_ARGUMENT");
    assertCode(() => lib.giveBack({} as never, call), "INVALID_ARGUMENT");
    assertCode(() => lib.giveBack(buffer, null as never), "INVALID_ARGUMENT");
    assertEquals(buffer.state, "live");
  });

  it("demo.checksum(null) and of a plain object: INVALID_ARGUMENT", () => {
    assertCode(() => demo.checksum(null as never), "INVALID_ARGUMENT");
    assertCode(() => demo.checksum({} as never), "INVALID_ARGUMENT");
    using bytes = demo.generate("u8", 32);
    assertEquals(demo.checksum(bytes), fnv1a(expectedPattern("u8", 32)));
  });

  it('reshape(null), reshape("4") and withShape([4], null): INVALID_SHAPE', () => {
    using buffer = demo.generate("f32", 4);
    assertCode(() => buffer.reshape(null as never), "INVALID_SHAPE");
    assertCode(() => buffer.reshape("4" as never), "INVALID_SHAPE");
    assertCode(() => buffer.withShape([4], null as never), "INVALID_SHAPE");
  });

  it("Region.create(null, n), Region.create(lib, 64, null), Ring.create(null, ...): INVALID_ARGUMENT", () => {
    const before = lib.stats();
    assertCode(() => Region.create(null as never, 64), "INVALID_ARGUMENT");
    assertCode(() => Region.create(lib, 64, null as never), "INVALID_ARGUMENT");
    assertCode(() => Ring.create(null as never, "u8", { slots: 2, slotLength: 4 }), "INVALID_ARGUMENT");
    assertLiveUnchanged(before);
  });

  it("adopt(type, null) and adoptAsync(type, null): INVALID_ARGUMENT, nothing handed over", async () => {
    const before = lib.stats();
    assertCode(() => lib.adopt("u8", null as never), "INVALID_ARGUMENT");
    const error = await assertRejects(() => lib.adoptAsync("u8", null as never), ZeroCopyError);
    assertEquals(error.code, "INVALID_ARGUMENT");
    assertLiveUnchanged(before);
  });

  it('64-bit arguments "abc", null, {}, "7", true, " 0x10 ": INVALID_ARGUMENT', () => {
    for (const bad of ["abc", null, {}, "7", true, " 0x10 ", undefined, [7]]) {
      assertCode(() => toFfiInteger(bad as never, "u64", "make", "len"), "INVALID_ARGUMENT");
      assertCode(() => demo.bindings.zc_generate_u8(bad as never), "INVALID_ARGUMENT");
    }
    assertEquals(toFfiInteger(7, "u64", "make", "len"), 7n);
    assertEquals(toFfiInteger(7n, "i64", "make", "len"), 7n);
  });

  it("a DataView lent to an f64 function: INVALID_ELEMENT_TYPE", () => {
    assertCode(
      () => demo.bindings.zc_sum_f64(new DataView(new ArrayBuffer(8)) as never),
      "INVALID_ELEMENT_TYPE",
    );
  });

  it("a descriptor parameter given a number or a short BigUint64Array: INVALID_ARGUMENT", () => {
    assertCode(() => demo.bindings.zc_checksum(42 as never), "INVALID_ARGUMENT");
    assertCode(() => demo.bindings.zc_checksum(new BigUint64Array(2) as never), "INVALID_ARGUMENT");
  });

  it("a buffer passed for a descriptor lends memory a Zig function cannot free", () => {
    const before = lib.stats();
    using buffer = demo.generate("u8", 16);
    // zc_consume claims what it is given: through the gate it claims nothing.
    assertEquals(demo.bindings.zc_consume(buffer), fnv1a(expectedPattern("u8", 16)));
    assertEquals(buffer.view, expectedPattern("u8", 16));
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
  });

  it("a disposed pin's descriptor: DISPOSED", () => {
    using buffer = demo.generate("f64", 4);
    const pin = buffer.pin();
    pin[Symbol.dispose]();
    assertCode(() => pin.descriptor, "DISPOSED");
  });
});

describe("a descriptor parameter given words the caller wrote", () => {
  const demo = demos.get("node-api")!;
  it("reads the pinned memory when the pin's descriptor was overwritten", () => {
    using buffer = demo.generate("u8", 16);
    using pin = buffer.pin();
    pin.descriptor.fill(0xdeadn);
    assertEquals(demo.bindings.zc_checksum(pin.descriptor), fnv1a(expectedPattern("u8", 16)));
    assertEquals(demo.bindings.zc_checksum(pin), fnv1a(expectedPattern("u8", 16)));
  });

  it("cannot redefine a pin's descriptor", () => {
    using buffer = demo.generate("u8", 16);
    using pin = buffer.pin();
    assertThrows(() => Object.defineProperty(pin, "descriptor", { value: new BigUint64Array(6) }), TypeError);
    assertEquals(demo.bindings.zc_checksum(pin), fnv1a(expectedPattern("u8", 16)));
  });

  it("refuses a descriptor made by hand: INVALID_ARGUMENT", () => {
    const forged = new BigUint64Array([0xdeadbeefn, 1n << 40n, 1n << 40n, 1n, 0n, 0n]);
    assertCode(() => demo.bindings.zc_checksum(forged as never), "INVALID_ARGUMENT");
  });
});

describe("adopt whose callback writes over the descriptor Zig filled", () => {
  // The descriptor's words (zig/zerocopy/abi.zig): ptr, len, cap, release, private, and the element type
  // beside `flags` (the hand-over's record) in the last.
  const forgeries: [string, number, (word: bigint) => bigint][] = [
    ["an address", 0, () => 0x10000n],
    ["a length", 1, () => 1n << 40n],
    ["a release function", 3, () => 0x41414141n],
    ["the record's slot", 5, (word) => (word & 0xffff_ffffn) | (0x7fffn << 32n)],
  ];
  for (const mapping of MAPPINGS) {
    const { library } = demos.get(mapping)!;
    for (const [what, word, forge] of forgeries) {
      it(`${mapping}: ${what} is refused with INVALID_POINTER, and what Zig handed over is freed once, through its own words`, () => {
        const before = library.stats();
        const genuine = new BigUint64Array(6);
        assertCode(() =>
          library.adopt("f64", (out) => {
            const status = library.symbols.zc_generate_f64(4n, out);
            genuine.set(out);
            out[word] = forge(out[word]);
            return status;
          }), "INVALID_POINTER");
        assertEquals(library.stats().liveBuffers, before.liveBuffers + 1);
        library.symbols.zc_release(genuine);
        assertEquals(library.stats().liveBuffers, before.liveBuffers);
      });
    }
    it(`${mapping}: words copied before the buffer was disposed free nothing`, () => {
      const before = library.stats();
      const copy = new BigUint64Array(6);
      const buffer = library.adopt("f64", (out) => {
        const status = library.symbols.zc_generate_f64(4n, out);
        copy.set(out);
        return status;
      });
      assertCode(() => library.adopt("f64", (out) => void out.set(copy)), "INVALID_POINTER");
      buffer[Symbol.dispose]();
      assertEquals(library.stats().liveBuffers, before.liveBuffers);
    });
  }
});
