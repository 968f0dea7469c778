import { assert, assertEquals, assertStrictEquals, assertStringIncludes } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { Region } from "../mod.ts";
import { assertCode, assertLiveUnchanged, expectedPattern, hooksDemo, lib } from "./_helpers.ts";

const KiB = 1024;

describe("Region", () => {
  it("is filled only by functions of the library that created it: another's gets STALE_HANDLE", () => {
    const other = hooksDemo.library; // another library with libzerocopy's exports: its own handle table
    // Both libraries have a region at the same index and generation of their own tables.
    using mine = Region.create(lib, KiB);
    using theirs = Region.create(other, KiB);
    const error = assertCode(
      () => mine.adopt("u8", (out) => other.symbols.zc_region_generate_u8(4, out)),
      "STALE_HANDLE",
    );
    assertStringIncludes(error.message, "library that created it");
    assertCode(
      () => mine.adoptBatch("f64", (out) => other.symbols.zc_region_generate_batch_f64(2, 2, out)),
      "STALE_HANDLE",
    );
    // Neither region was carved: each still hands its first slice over at offset 0.
    assertEquals(theirs.adopt("u8", (out) => other.symbols.zc_region_generate_u8(4, out)).byteOffset, 0);
    assertEquals(mine.adopt("u8", (out) => lib.symbols.zc_region_generate_u8(4, out)).byteOffset, 0);
  });

  it("refuses use once its ArrayBuffer was moved away, with MOVED as a buffer does", () => {
    const region = Region.create(lib, KiB);
    const slice = region.adopt("u8", (out) => lib.symbols.zc_region_generate_u8(4, out));
    const moved = slice.buffer.transfer(); // the whole mapping goes with it
    assertCode(() => region.adopt("u8", (out) => lib.symbols.zc_region_generate_u8(4, out)), "MOVED");
    assertCode(() => region.adopt("f64", (out) => lib.symbols.zc_region_generate_f64(1, out)), "MOVED");
    // Under Node-API the moved ArrayBuffer frees the memory when it dies; under pointer-view nothing can
    // tell when, so the memory is left allocated and dispose says so.
    if (lib.mapping === "pointer-view") assertCode(() => region[Symbol.dispose](), "MOVED");
    else region[Symbol.dispose]();
    assert(region.disposed);
    assertEquals(moved.byteLength, KiB);
  });

  it("hands slices over as views of one mapping, counted as one buffer", () => {
    const before = lib.stats();
    using region = Region.create(lib, 64 * KiB);
    const doubles = region.adopt("f64", (out) => lib.symbols.zc_region_generate_f64(1000, out));
    const ints = region.adopt("i32", (out) => lib.symbols.zc_region_generate_i32(7, out));
    assertEquals(doubles, expectedPattern("f64", 1000));
    assertEquals(ints, expectedPattern("i32", 7));
    assertStrictEquals(doubles.buffer, ints.buffer);
    assertEquals(ints.byteOffset, 8000);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
    assertEquals(lib.stats().liveBytes, before.liveBytes + 64 * KiB);
    assertEquals(lib.stats().totalHandedOver, before.totalHandedOver + 1);
  });

  it("detaches every view at once on dispose and frees the memory exactly once", () => {
    const before = lib.stats();
    const region = Region.create(lib, 4 * KiB);
    const views = [
      region.adopt("u8", (out) => lib.symbols.zc_region_generate_u8(10, out)),
      region.adopt("f64", (out) => lib.symbols.zc_region_generate_f64(10, out)),
      ...region.adoptBatch("f64", (out) => lib.symbols.zc_region_generate_batch_f64(3, 4, out)),
    ];
    const mine = new Uint16Array(views[1].buffer, 0, 4);
    region[Symbol.dispose]();
    for (const view of [...views, mine]) assertEquals(view.length, 0);
    region[Symbol.dispose]();
    assert(region.disposed);
    assertLiveUnchanged(before);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
  });

  it("refuses a slice taken from a disposed region with DISPOSED, before calling Zig", () => {
    const region = Region.create(lib, KiB);
    region[Symbol.dispose]();
    let called = false;
    assertCode(() =>
      region.adopt("f64", (out) => {
        called = true;
        return lib.symbols.zc_region_generate_f64(1, out);
      }), "DISPOSED");
    assertCode(() => region.adoptBatch("f64", () => {}), "DISPOSED");
    assertCode(() => region.reset(), "DISPOSED");
    assertCode(() => region.byteLength, "DISPOSED");
    assertEquals(called, false);
  });

  it("refuses a slice of another element type than expected with INVALID_ELEMENT_TYPE", () => {
    using region = Region.create(lib, KiB);
    assertCode(
      () => region.adopt("i32", (out) => lib.symbols.zc_region_generate_f64(4, out)),
      "INVALID_ELEMENT_TYPE",
    );
    assertCode(
      () => region.adoptBatch("f32", (out) => lib.symbols.zc_region_generate_batch_f64(2, 2, out)),
      "INVALID_ELEMENT_TYPE",
    );
    assertCode(() => region.adopt("f16" as "f64", () => 0), "INVALID_ELEMENT_TYPE");
  });

  it("refuses a function that returns ok without handing anything over", () => {
    using region = Region.create(lib, KiB);
    assertCode(() => region.adopt("f64", () => 0), "INVALID_ARGUMENT");
  });

  it("reports a region with no room left as FULL, and makes room again on reset", () => {
    using region = Region.create(lib, 800);
    const first = region.adopt("f64", (out) => lib.symbols.zc_region_generate_f64(100, out));
    assertCode(() => region.adopt("u8", (out) => lib.symbols.zc_region_generate_u8(1, out)), "FULL");
    region.reset();
    const again = region.adopt("u8", (out) => lib.symbols.zc_region_generate_u8(8, out));
    assertEquals(again.byteOffset, 0);
    // A view from before the reset reads what was carved over it: the same memory, never freed.
    assertEquals(new Uint8Array(first.buffer, first.byteOffset, 8), again);
  });

  it("gives the same view object again for a slice at the same place after a reset", () => {
    using region = Region.create(lib, KiB);
    const first = region.adopt("f64", (out) => lib.symbols.zc_region_generate_f64(8, out));
    region.reset();
    assertStrictEquals(region.adopt("f64", (out) => lib.symbols.zc_region_generate_f64(8, out)), first);
    region.reset();
    const shorter = region.adopt("f64", (out) => lib.symbols.zc_region_generate_f64(4, out));
    assertEquals(shorter.length, 4);
    assertEquals(first.length, 8);
  });

  it("reports a batch larger than maxBatch as FULL", () => {
    using region = Region.create(lib, 64 * KiB, { maxBatch: 4 });
    assertEquals(
      region.adoptBatch("f64", (out) => lib.symbols.zc_region_generate_batch_f64(4, 1, out)).length,
      4,
    );
    assertCode(
      () => region.adoptBatch("f64", (out) => lib.symbols.zc_region_generate_batch_f64(5, 1, out)),
      "FULL",
    );
  });

  it("hands a batch over in one call: each slice holds its shifted pattern", () => {
    using region = Region.create(lib, 64 * KiB);
    const rows = region.adoptBatch("f64", (out) => lib.symbols.zc_region_generate_batch_f64(50, 16, out));
    assertEquals(rows.length, 50);
    rows.forEach((row, k) => {
      assertEquals(row.length, 16);
      assertEquals(row[0], k / 2);
      assertEquals(row[15], (k + 15) / 2);
    });
    assertEquals(region.adoptBatch("f64", (out) => lib.symbols.zc_region_generate_batch_f64(0, 16, out)), []);
  });

  for (
    const [size, code] of [
      [0, "INVALID_LENGTH"],
      [-1, "INVALID_LENGTH"],
      [1.5, "INVALID_LENGTH"],
      [
        "8",
        "INVALID_LENGTH",
      ],
      [2 ** 53, "SIZE_OVERFLOW"],
      [2 ** 50, "OUT_OF_MEMORY"],
    ] as const
  ) {
    it(`refuses a region of ${JSON.stringify(size)} bytes with ${code}`, () => {
      const before = lib.stats();
      assertCode(() => Region.create(lib, size as number), code);
      assertLiveUnchanged(before);
    });
  }

  it("refuses a maxBatch that is not a positive integer with INVALID_LENGTH", () => {
    assertCode(() => Region.create(lib, KiB, { maxBatch: 0 }), "INVALID_LENGTH");
    assertCode(() => Region.create(lib, KiB, { maxBatch: 2.5 }), "INVALID_LENGTH");
  });

  it("maps a large region once: a slice at its end is a view like one at its start", () => {
    const size = 16 * KiB * KiB;
    using region = Region.create(lib, size);
    region.adoptBatch("f64", (out) => lib.symbols.zc_region_generate_batch_f64(1, (size - 8 * KiB) / 8, out));
    const last = region.adopt("f64", (out) => lib.symbols.zc_region_generate_f64(KiB, out));
    assertEquals(last.byteOffset, size - 8 * KiB);
    assertEquals(last[KiB - 1], (KiB - 1) / 2);
  });
});
