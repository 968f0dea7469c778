// The example Zig author's library (examples/zig_author), built against the
// `zerocopy` Zig module and bound with this package's TypeScript API.

import { assertEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { lend, openLibrary, ZeroCopyError } from "../mod.ts";
import { framesLibraryPath, framesSymbols } from "../examples/zig_author/main.ts";

const frames = openLibrary({ path: framesLibraryPath(), symbols: framesSymbols });

describe("a Zig author's library built on the zerocopy module", () => {
  it("hands over an RGBA frame that Deno reads in place", () => {
    using frame = frames.take("u8", (out) => frames.symbols.make_frame(4, 3, out));
    assertEquals(frame.length, 4 * 3 * 4);
    assertEquals(Array.from(frame.view.subarray(0, 4)), [0, 0, 0x80, 0xff]);
    assertEquals(Array.from(frame.view.subarray(44, 48)), [255, 255, 0x80, 0xff]);
  });

  it("hands over an ArrayList matrix and sums a lent view of it", () => {
    using matrix = frames.take("f64", (out) => frames.symbols.make_matrix(10, 10, out));
    assertEquals(matrix.view[99], 99);
    assertEquals(frames.symbols.sum_matrix(lend(matrix.view), matrix.length), 4950);
  });

  it("frees each buffer once, counted by the author's library", () => {
    const before = frames.stats();
    frames.take("u8", (out) => frames.symbols.make_frame(8, 8, out))[Symbol.dispose]();
    assertEquals(frames.stats().liveBuffers, before.liveBuffers);
    assertEquals(frames.stats().totalReleased, before.totalReleased + 1);
  });

  it("reports a size overflow from the author's function as a typed error", () => {
    const before = frames.stats();
    const error = assertThrows(
      () => frames.take("u8", (out) => frames.symbols.make_frame(0xffff_ffff, 0xffff_ffff, out)),
      ZeroCopyError,
    );
    assertEquals(error.code, "SIZE_OVERFLOW");
    assertEquals(frames.stats(), before);
  });
});
