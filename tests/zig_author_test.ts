// The example Zig author's library (examples/zig_author), built against the
// `zerocopy` Zig module and called through its generated bindings.

import { assertEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { Region, Ring, ZeroCopyError } from "../mod.ts";
import { openExamples } from "../examples/zig_author/library.ts";

const frames = await openExamples();

describe("a Zig author's library built on the zerocopy module", () => {
  it("hands over an RGBA frame that Deno reads in place", () => {
    using frame = frames.make_frame(4, 3);
    assertEquals(frame.length, 4 * 3 * 4);
    assertEquals(frame.shape, [3, 4, 4], "the shape the Zig side declares for make_frame");
    assertEquals(frame.strides, [16, 4, 1]);
    assertEquals(Array.from(frame.withShape().row(2, 3)), [255, 255, 0x80, 0xff]);
    assertEquals(Array.from(frame.view.subarray(0, 4)), [0, 0, 0x80, 0xff]);
    assertEquals(Array.from(frame.view.subarray(44, 48)), [255, 255, 0x80, 0xff]);
  });

  it("hands over an ArrayList matrix and sums a lent view of it", () => {
    using matrix = frames.make_matrix(10, 10);
    assertEquals(matrix.view[99], 99);
    assertEquals(frames.sum_matrix(matrix.view), 4950);
  });

  it("refuses a lent array of another element type before the call: Zig would read past its end", () => {
    for (const wrong of [new Uint8Array(800), new Int8Array(800), new DataView(new ArrayBuffer(800))]) {
      const error = assertThrows(() => frames.sum_matrix(wrong as never), ZeroCopyError);
      assertEquals(error.code, "INVALID_ELEMENT_TYPE");
    }
    assertEquals(frames.sum_matrix(new Float64Array(new SharedArrayBuffer(16)).fill(1)), 2);
  });

  it("frees each buffer once, counted by the author's library", () => {
    const before = frames.library.stats();
    frames.make_frame(8, 8)[Symbol.dispose]();
    assertEquals(frames.library.stats().liveBuffers, before.liveBuffers);
    assertEquals(frames.library.stats().totalReleased, before.totalReleased + 1);
  });

  it("hands a dataset over as batches in a region, through the generated wrapper", () => {
    using region = Region.create(frames.library, 10 * 3 * 4, { maxBatch: 4 });
    const batches = frames.make_batches(10, 3, 4, 1, region);
    assertEquals(batches.map((batch) => batch.length), [12, 12, 6]);
    for (const batch of batches) for (const value of batch) assertEquals(value >= 0 && value < 1, true);
  });

  it("renders frames into ring slots, through the generated wrapper", () => {
    using ring = Ring.create(frames.library, "u8", { slots: 2, slotLength: 4 * 3 * 4 });
    using first = frames.render_frame(4, 3, 0, ring);
    using second = frames.render_frame(4, 3, 1, ring);
    assertEquals(Array.from(first.view.subarray(4, 8)), [1, 0, 0, 0xff]);
    assertEquals(Array.from(second.view.subarray(4, 8)), [2, 1, 1, 0xff]);
    assertEquals(assertThrows(() => frames.render_frame(4, 3, 2, ring), ZeroCopyError).code, "FULL");
  });

  it("reports a size overflow from the author's function as a typed error", () => {
    const before = frames.library.stats();
    const error = assertThrows(() => frames.make_frame(0xffff_ffff, 0xffff_ffff), ZeroCopyError);
    assertEquals(error.code, "SIZE_OVERFLOW");
    assertEquals(frames.library.stats(), before);
  });

  it("answers sizes no mesh can have with a status instead of aborting the process", () => {
    const before = frames.library.stats();
    assertEquals(
      assertThrows(() => frames.make_mesh_vertices(4294967295), ZeroCopyError).code,
      "SIZE_OVERFLOW",
    );
    assertEquals(assertThrows(() => frames.make_mesh_indices(65536), ZeroCopyError).code, "INVALID_ARGUMENT");
    assertEquals(frames.library.stats(), before);
  });
});

describe("the author's nonblocking export and records", () => {
  it("blurs a lent frame off the event loop, with progress, to the synchronous result", async () => {
    const gray = new Uint8Array(256 * 300).map((_, i) => (i * 7) & 0xff);
    using expected = frames.box_blur(gray, 256, 300);
    const readings: number[] = [];
    using blurred = await frames.box_blur_async(gray, 256, 300, {
      onProgress: (done) => readings.push(done),
    });
    assertEquals(blurred.shape, [300, 256]);
    assertEquals(Array.from(blurred.view), Array.from(expected.view));
    assertEquals(readings.at(-1), 300);
    const reason = new Error("stop");
    const aborted = frames.box_blur_async(gray, 256, 300, { signal: AbortSignal.abort(reason) });
    assertEquals(await aborted.catch((error) => error), reason);
  });

  it("hands over mesh vertices and packet headers as typed records", () => {
    const before = frames.library.stats();
    {
      using vertices = frames.make_vertices(4);
      assertEquals(vertices.length, 25);
      assertEquals(vertices.get(6), { x: 0.25, y: 0.25, z: 0.25 * 0.75 * 0.25 * 0.75, id: 6 });
      const ids = vertices.column("id");
      assertEquals(ids.array[ids.offset + 24 * ids.stride], 24);
      using headers = frames.make_packet_headers(3);
      assertEquals(headers.get(2), {
        timestamp_ns: 1_700_000_000_000_002_000n,
        src_ip: 0x0a000002,
        dst_ip: 0x0a000102,
        src_port: 1002,
        dst_port: 443,
        length: 66,
        protocol: 6,
        ttl: 64,
      });
    }
    assertEquals(frames.library.stats().liveBuffers, before.liveBuffers);
  });
});
