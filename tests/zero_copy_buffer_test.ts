import { assert, assertEquals, assertNotEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { ELEMENT_TYPES, ZeroCopyBuffer, ZeroCopyError } from "../mod.ts";
import { demo, expectedPattern, fnv1a, lib, sameBytes, UNSCOPED_FFI } from "./_helpers.ts";

describe("ZeroCopyBuffer", () => {
  for (const type of ELEMENT_TYPES) {
    for (const length of [0, 1, 1000, 1_000_003]) {
      it(`holds what Zig wrote for ${length} ${type}`, () => {
        using buffer = demo.generate(type, length);
        assertEquals(buffer.type, type);
        assertEquals(buffer.length, length);
        assertEquals(buffer.view.length, length);
        assertEquals(buffer.byteLength, buffer.view.byteLength);
        assert(sameBytes(buffer.view, expectedPattern(type, length)), "contents differ from the pattern");
      });
    }
  }

  it("maps 100 MB without copying: the view is the same memory Zig fills", () => {
    const length = 100 * 1024 * 1024 / 4;
    const before = lib.stats().liveBytes;
    using buffer = demo.generate("f32", length);
    assertEquals(buffer.byteLength, 100 * 1024 * 1024);
    assertEquals(lib.stats().liveBytes, before + 100 * 1024 * 1024);
    assertEquals(buffer.view[length - 1], Math.fround((length - 1) / 2));
    assert(sameBytes(buffer.view, expectedPattern("f32", length)));
  });

  it("shares memory: a write through the view changes Zig's checksum of the same pointer", () => {
    using buffer = demo.generate("u8", 4096);
    const before = demo.checksum(buffer);
    assertEquals(before, fnv1a(buffer.bytes));
    buffer.view[100] ^= 0xff;
    const after = demo.checksum(buffer);
    assertNotEquals(after, before);
    assertEquals(after, fnv1a(buffer.bytes));
  });

  it("hands out one view object and a bytes view over the same memory", () => {
    using buffer = demo.generate("i32", 4);
    assertStrictEquals(buffer.view, buffer.view);
    buffer.bytes[0] = 7;
    assertEquals(buffer.view[0], 7);
  });

  it("[Symbol.dispose]() frees memory once: stats return to zero and stay there", () => {
    const before = lib.stats();
    const buffer = demo.generate("f64", 1000);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
    assertEquals(lib.stats().liveBytes, before.liveBytes + 8000);
    buffer[Symbol.dispose]();
    buffer[Symbol.dispose]();
    const after = lib.stats();
    assertEquals(after.liveBuffers, before.liveBuffers);
    assertEquals(after.liveBytes, before.liveBytes);
    assertEquals(after.totalReleased, before.totalReleased + 1);
  });

  it("`using` frees the buffer at the end of the block", () => {
    const before = lib.stats().liveBuffers;
    {
      using _buffer = demo.generate("u16", 10);
      assertEquals(lib.stats().liveBuffers, before + 1);
    }
    assertEquals(lib.stats().liveBuffers, before);
  });

  it("detaches every view, including views the user made, before freeing", () => {
    const buffer = demo.generate("i32", 1000);
    const view = buffer.view;
    const userView = new Int32Array(view.buffer, 400, 10);
    const userBytes = new Uint8Array(view.buffer);
    const dataView = new DataView(view.buffer);
    buffer[Symbol.dispose]();
    assertEquals(view.length, 0);
    assertEquals(userView.length, 0);
    assertEquals(userBytes.length, 0);
    assertEquals(view[5], undefined);
    assert(view.buffer.detached);
    assertThrows(() => dataView.getInt32(0), TypeError);
  });

  it("throws DISPOSED from every getter after dispose, but reports disposed", () => {
    const buffer = demo.generate("u8", 8);
    buffer[Symbol.dispose]();
    assert(buffer.disposed);
    const reads: [string, () => unknown][] = [
      ["view", () => buffer.view],
      ["bytes", () => buffer.bytes],
      ["type", () => buffer.type],
      ["length", () => buffer.length],
      ["byteLength", () => buffer.byteLength],
      ["unsafePointer", () => buffer.unsafePointer],
      ["checksum", () => demo.checksum(buffer)],
    ];
    for (const [name, read] of reads) {
      const error = assertThrows(read, ZeroCopyError, "disposed", name);
      assertEquals(error.code, "DISPOSED");
    }
  });

  it("moves through its states: live, draining while pinned, then disposed", () => {
    const before = lib.stats().liveBuffers;
    const buffer = demo.generate("f64", 8);
    assertEquals(buffer.state, "live");
    const pin = buffer.pin();
    buffer[Symbol.dispose]();
    assertEquals(buffer.state, "draining");
    assertEquals(lib.stats().liveBuffers, before + 1);
    pin[Symbol.dispose]();
    assertEquals(buffer.state, "disposed");
    assertEquals(lib.stats().liveBuffers, before);
    buffer[Symbol.dispose]();
    assertEquals(buffer.state, "disposed");
  });

  it("is consumed once given back, and stays so whatever is called next", () => {
    const before = lib.stats().liveBuffers;
    const buffer = demo.generate("u8", 8);
    lib.giveBack(buffer, (descriptor) => lib.symbols.zc_consume(descriptor));
    assertEquals(buffer.state, "consumed");
    buffer[Symbol.dispose]();
    assertEquals(buffer.state, "consumed");
    assertEquals(lib.stats().liveBuffers, before);
  });

  it("exposes the raw pointer for experts, pointing at the first element", { ignore: !UNSCOPED_FFI }, () => {
    using buffer = demo.generate("u32", 4);
    buffer.view[0] = 0xdeadbeef;
    const pointer = buffer.unsafePointer;
    assert(pointer !== null);
    assertEquals(
      new Deno.UnsafePointerView(pointer as unknown as Deno.PointerObject).getUint32(),
      0xdeadbeef,
    );
  });

  it("inspects as its type, length and elements, and as disposed afterwards", () => {
    const buffer = demo.generate("i16", 3);
    assertEquals(Deno.inspect(buffer), "ZeroCopyBuffer<i16> { length: 3, view: Int16Array(3) [ 0, 1, 2 ] }");
    buffer[Symbol.dispose]();
    assertEquals(Deno.inspect(buffer), "ZeroCopyBuffer<i16> { disposed }");
  });

  it("cannot be constructed from outside the library", () => {
    const error = assertThrows(
      // @ts-expect-error: the constructor is private
      () => new ZeroCopyBuffer(),
      ZeroCopyError,
      "Cannot construct a ZeroCopyBuffer directly",
    );
    assertEquals(error.code, "INVALID_ARGUMENT");
  });
});
