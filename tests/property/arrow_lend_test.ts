// Random apache-arrow columns whose lengths, offsets, null counts and utf8
// offsets lie or not, lent to Zig's checksum kernel: what fits is lent, the
// rest refused with a typed error before Zig is called, and nothing crashes.
// ZEROCOPY_PROPERTY_RUNS sets the number of cases (300 by default).

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import fc from "fast-check";
import { Float64, Int32, makeData, Utf8 } from "apache-arrow";
import { ZeroCopyError } from "../../mod.ts";
import { type AnyData, batchOf, checksum } from "../_arrow_lend.ts";
import { RUNS } from "./_run.ts";

describe("lendBatch with random lengths and offsets", () => {
  it("lends what fits and refuses the rest with a typed error, never crashing", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("i32", "f64", "utf8"),
        fc.nat({ max: 64 }),
        fc.nat({ max: 80 }),
        fc.nat({ max: 8 }),
        fc.nat({ max: 3 }),
        fc.array(fc.integer({ min: -4, max: 96 }), { maxLength: 80 }),
        (kind, capacity, length, offset, nulls, offsets) => {
          let data: AnyData;
          if (kind === "utf8") {
            data = makeData({
              type: new Utf8(),
              length,
              offset,
              nullCount: 0,
              valueOffsets: new Int32Array(offsets.length > 0 ? offsets : [0]),
              data: new Uint8Array(capacity),
            });
          } else {
            data = makeData<AnyData>({
              type: kind === "i32" ? new Int32() : new Float64(),
              length,
              offset,
              nullCount: nulls,
              nullBitmap: nulls > 0 ? new Uint8Array(Math.ceil(capacity / 8)) : undefined,
              data: kind === "i32" ? new Int32Array(capacity) : new Float64Array(capacity),
            });
          }
          const result = checksum(batchOf(data));
          if (result instanceof ZeroCopyError) {
            assert(["ARROW_INVALID", "DETACHED"].includes(result.code), result.message);
          } else {
            assertEquals(result, 0);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
