// The two mappings behind one abstraction: the same public API, the same
// frees, counted by the library's stats; only who frees differs.

import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { type Demo, type MappingKind, openDemo, openLibrary } from "../mod.ts";
import { newDescriptor } from "../src/buffer/descriptor.ts";
import { ELEMENT_INFO } from "../src/abi/element_types.ts";
import { DescriptorOffset } from "../src/abi/layout.ts";
import { type NodeApiEntry, nodeApiMapping } from "../src/buffer/mapping.ts";
import { testHooksSymbols } from "./fixtures/test_hooks.ts";
import {
  assertCode,
  assertLiveUnchanged,
  demo,
  expectedPattern,
  hooks,
  lib,
  UNSCOPED_FFI,
} from "./_helpers.ts";

// The pointer-view mapping needs --allow-ffi without a path.
const MAPPINGS: readonly MappingKind[] = UNSCOPED_FFI ? ["node-api", "pointer-view"] : ["node-api"];
const demos = new Map<MappingKind, Demo>();
for (const mapping of MAPPINGS) demos.set(mapping, await openDemo({ path: lib.path, mapping }));

describe("openLibrary() mapping choice", () => {
  it("uses the Node-API mapping unless ZEROCOPY_MAPPING or the mapping option asks otherwise", () => {
    const asked =
      Deno.permissions.querySync({ name: "env", variable: "ZEROCOPY_MAPPING" }).state === "granted"
        ? Deno.env.get("ZEROCOPY_MAPPING")
        : undefined;
    assertEquals(lib.mapping, asked || "node-api");
  });

  it("reports the mapping asked for, one library object per mapping", { ignore: !UNSCOPED_FFI }, async () => {
    const pointerView = await openLibrary({ path: lib.path, mapping: "pointer-view" });
    const nodeApi = await openLibrary({ path: lib.path, mapping: "node-api" });
    assertEquals(pointerView.mapping, "pointer-view");
    assertEquals(nodeApi.mapping, "node-api");
    assertStrictEquals(await openLibrary({ path: lib.path, mapping: "node-api" }), nodeApi);
  });

  it("refuses an unknown mapping with a ZeroCopyError", async () => {
    const error = await openLibrary({ path: lib.path, mapping: "mmap" as MappingKind }).then(
      () => null,
      (error) => error,
    );
    assertEquals(error?.code, "INVALID_ARGUMENT");
  });
});

for (const mapping of MAPPINGS) {
  const { generate, library } = demos.get(mapping)!;
  describe(`the ${mapping} mapping`, () => {
    it("maps what Zig wrote and frees it at dispose, once", () => {
      const before = library.stats();
      const buffer = generate("i32", 1000);
      assertEquals(buffer.view, expectedPattern("i32", 1000));
      const view = buffer.view;
      buffer[Symbol.dispose]();
      buffer[Symbol.dispose]();
      assertEquals(view.length, 0);
      assertLiveUnchanged(before);
      assertEquals(library.stats().totalReleased, before.totalReleased + 1);
    });

    it("frees an empty buffer at dispose", () => {
      const before = library.stats();
      generate("f64", 0)[Symbol.dispose]();
      assertLiveUnchanged(before);
    });

    it("frees an empty buffer whose descriptor has a null pointer at dispose", async () => {
      const bad = await openLibrary({ path: hooks.path, symbols: testHooksSymbols, mapping });
      const before = bad.stats();
      const buffer = bad.adopt("f64", (out) => bad.symbols.zc_hand_over_null(0n, out));
      assertEquals(buffer.length, 0);
      buffer[Symbol.dispose]();
      assertEquals(bad.stats().liveBuffers, before.liveBuffers);
      assertEquals(bad.stats().totalReleased, before.totalReleased + 1);
    });

    it("gives a buffer back to Zig, which frees it, once", () => {
      const before = library.stats();
      const bytes = library.allocate("u8", 3);
      bytes.view.set([1, 2, 3]);
      library.giveBack(bytes, (descriptor) => library.symbols.zc_consume(descriptor));
      assertEquals(bytes.state, "consumed");
      assertLiveUnchanged(before);
      assertEquals(library.stats().totalReleased, before.totalReleased + 1);
    });

    it("keeps a pinned buffer's memory until the pin goes, with its views detached at dispose", async () => {
      const before = library.stats();
      const buffer = generate("f64", 16);
      const pin = buffer.pin();
      const view = buffer.view;
      const sum = library.symbols.zc_sum_f64_after(pin.descriptor, 20);
      buffer[Symbol.dispose]();
      assertEquals(view.length, 0);
      assertEquals(library.stats().liveBuffers, before.liveBuffers + 1);
      assertEquals(await sum, 60);
      pin[Symbol.dispose]();
      assertLiveUnchanged(before);
    });

    it("moves a buffer to a library object of the same file with transfer() and receive()", () => {
      const before = library.stats();
      // A Node-API message carries memory only a Node-API library can own.
      const other = mapping === "node-api" ? library : demos.get("node-api")!.library;
      using received = other.receive(generate("u16", 10).transfer(), "u16");
      assertEquals(received.view, expectedPattern("u16", 10));
      received[Symbol.dispose]();
      assertLiveUnchanged(before);
    });
  });
}

describe("the Node-API mapping's checks of a descriptor", () => {
  /** A descriptor of 4 f64 at a null address: what no mapping may map. */
  function nullDescriptor() {
    const descriptor = newDescriptor();
    descriptor[DescriptorOffset.len / 8] = 4n;
    descriptor[DescriptorOffset.element_type / 8] = BigInt(ELEMENT_INFO.f64.tag);
    return descriptor;
  }
  const entry = (wrap: NodeApiEntry["wrap"], checksDescriptors?: boolean): NodeApiEntry => ({
    wrap,
    checksDescriptors,
    detach: () => {},
    reclaim: () => false,
    drain: () => 0,
    layout: () => "",
  });

  it("reads the descriptor itself before an entry that does not check it maps anything", () => {
    const mapping = nodeApiMapping(entry(() => {
      throw new Error("an unchecked descriptor reached the entry");
    }));
    assertCode(() => mapping.map(nullDescriptor(), "f64"), "INVALID_POINTER");
  });

  it("leaves the checks to an entry that makes them, and explains the descriptors it refuses", () => {
    const asked: number[] = [];
    const mapping = nodeApiMapping(entry((_descriptor, expected) => {
      asked.push(expected);
      return undefined;
    }, true));
    assertCode(() => mapping.map(nullDescriptor(), "f64"), "INVALID_POINTER");
    assertCode(() => mapping.map(nullDescriptor(), "u8"), "INVALID_ELEMENT_TYPE");
    assertEquals(asked, [ELEMENT_INFO.f64.tag, ELEMENT_INFO.u8.tag]);
  });

  it("is made by every library's own entry", async () => {
    const library = await openLibrary({ path: hooks.path, symbols: testHooksSymbols, mapping: "node-api" });
    const before = library.stats();
    for (const call of [library.symbols.zc_hand_over_null, library.symbols.zc_hand_over_misaligned]) {
      assertCode(() => library.adopt("f64", (out) => call(16n, out)), "INVALID_POINTER");
    }
    assertCode( // a null f64 buffer adopted as u8: the type is refused first
      () => library.adopt("u8", (out) => library.symbols.zc_hand_over_null(16n, out)),
      "INVALID_ELEMENT_TYPE",
    );
    assertLiveUnchanged(before, library);
  });
});

describe("a transfer() message under the Node-API mapping", () => {
  const { generate, library } = demos.get("node-api")!;

  it("carries the memory itself, to be moved by its transfer list", () => {
    using buffer = generate("f64", 4);
    const transferred = buffer.transfer();
    assert(transferred.memory instanceof ArrayBuffer);
    assertEquals(transferred.transferList, [transferred.memory]);
    assertEquals(new Float64Array(transferred.memory), expectedPattern("f64", 4));
    library.receive(transferred, "f64")[Symbol.dispose]();
  });

  it("carries an empty buffer too, through a transfer list", () => {
    const before = library.stats();
    const transferred = generate("u8", 0).transfer();
    assertEquals(library.stats().liveBuffers, before.liveBuffers + 1);
    const posted = structuredClone(transferred, { transfer: transferred.transferList });
    using received = library.receive(posted, "u8");
    assertEquals(received.length, 0);
    received[Symbol.dispose]();
    assertLiveUnchanged(before, library);
  });

  it("refuses a second receive() of the same message: CONSUMED, freed once", () => {
    const before = library.stats();
    const transferred = generate("u8", 16).transfer();
    library.receive(transferred, "u8")[Symbol.dispose]();
    assertCode(() => library.receive(transferred, "u8"), "CONSUMED");
    assertLiveUnchanged(before);
  });

  it("refuses a copy (posted without its transfer list) and leaves the original receivable", () => {
    const before = library.stats();
    const transferred = generate("u8", 16).transfer();
    assertCode(() => library.receive(structuredClone(transferred), "u8"), "INVALID_ARGUMENT");
    using received = library.receive(transferred, "u8");
    assertEquals(received.view, expectedPattern("u8", 16));
    received[Symbol.dispose]();
    assertLiveUnchanged(before);
  });

  it("is refused by a pointer-view library without claiming anything", { ignore: !UNSCOPED_FFI }, () => {
    const before = library.stats();
    const transferred = generate("u8", 16).transfer();
    assertCode(() => demos.get("pointer-view")!.library.receive(transferred, "u8"), "INVALID_ARGUMENT");
    assertEquals(new Uint8Array(transferred.memory!), expectedPattern("u8", 16));
    library.receive(transferred, "u8")[Symbol.dispose]();
    assertLiveUnchanged(before);
  });
});

describe("a view.buffer the user transferred away", () => {
  it("keeps its memory under the Node-API mapping: dispose leaves it to the moved ArrayBuffer", () => {
    const { generate, library } = demos.get("node-api")!;
    const before = library.stats();
    const buffer = generate("u8", 256);
    const moved = buffer.view.buffer.transfer();
    buffer[Symbol.dispose]();
    assertEquals(buffer.state, "moved");
    assertEquals(new Uint8Array(moved)[255], 255);
    assertEquals(library.stats().liveBuffers, before.liveBuffers + 1);
    moved.transfer(0);
    assertLiveUnchanged(before);
  });

  it("cannot be given back under the Node-API mapping: MOVED, nothing freed", () => {
    const { generate, library } = demos.get("node-api")!;
    const before = library.stats();
    const buffer = generate("u8", 64);
    const moved = buffer.view.buffer.transfer();
    assertCode(
      () => library.giveBack(buffer, (descriptor) => library.symbols.zc_consume(descriptor)),
      "MOVED",
    );
    assertEquals(new Uint8Array(moved)[63], 63);
    moved.transfer(0);
    assertLiveUnchanged(before);
  });

  it("is left allocated under the pointer-view mapping: dispose throws MOVED", {
    ignore: !UNSCOPED_FFI,
  }, () => {
    const { generate, library } = demos.get("pointer-view")!;
    const before = library.stats();
    const buffer = generate("u8", 64);
    const moved = buffer.view.buffer.transfer();
    assertCode(() => buffer[Symbol.dispose](), "MOVED");
    assertEquals(buffer.state, "moved");
    // The moved ArrayBuffer still reads Zig's memory, which must therefore stay allocated.
    assertEquals(new Uint8Array(moved)[63], 63);
    assertEquals(library.stats().liveBuffers, before.liveBuffers + 1);
    assertEquals(library.stats().abandonedBuffers, before.abandonedBuffers + 1);
  });
});

describe("the unsafePointer of a buffer", { ignore: !UNSCOPED_FFI }, () => {
  it("is the address of the first element under either mapping", () => {
    for (const mapping of MAPPINGS) {
      using buffer = demos.get(mapping)!.generate("u8", 8);
      assert(buffer.unsafePointer !== null);
    }
    assert(demo.library === lib);
  });
});
