// Random apache-arrow columns of the newer types whose lengths, offsets and dictionary indices lie or not,
// lent to Zig's checksum kernel: what lendBatch lends, Zig reads whole and checksums as apache-arrow holds it;
// the rest is refused with a typed error before Zig is called. ZEROCOPY_PROPERTY_RUNS sets the number of cases.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import fc from "fast-check";
import {
  Decimal,
  Dictionary,
  Field,
  FixedSizeBinary,
  Int32,
  Int8,
  LargeUtf8,
  List,
  makeData,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { ZeroCopyError } from "../../mod.ts";
import { lendBatch } from "../../arrow.ts";
import { lib } from "../_helpers.ts";
import { type AnyData, batchOf } from "../_arrow_lend.ts";
import { checksumBatch } from "../_arrow.ts";
import { RUNS } from "./_run.ts";

function column(
  kind: string,
  capacity: number,
  length: number,
  offset: number,
  values: number[],
  valid: number,
): AnyData {
  const nullBitmap = new Uint8Array(Math.ceil((offset + length + 8) / 8)).fill(valid);
  const common = { length, offset, nullCount: valid === 0xff ? 0 : -1, nullBitmap };
  switch (kind) {
    case "dictionary":
      return makeData({
        ...common,
        type: new Dictionary(new Utf8(), new Int8()),
        data: new Int8Array(values.length > 0 ? values : [0]),
        dictionary: vectorFromArray(Array.from({ length: capacity % 9 }, (_, i) => `w${i}`), new Utf8()),
      } as never);
    case "list":
      return makeData({
        ...common,
        type: new List(new Field("item", new Int32(), true)),
        valueOffsets: new Int32Array(values.length > 0 ? values : [0]),
        child: makeData({
          type: new Int32(),
          length: capacity,
          nullCount: 0,
          data: new Int32Array(capacity),
        }),
      });
    case "large_utf8":
      return makeData({
        ...common,
        type: new LargeUtf8(),
        valueOffsets: BigInt64Array.from(values.length > 0 ? values : [0], BigInt),
        data: new Uint8Array(capacity).fill(97),
      });
    case "decimal":
      return makeData({ ...common, type: new Decimal(2, 10, 128), data: new Uint32Array(capacity) });
    default:
      return makeData({ ...common, type: new FixedSizeBinary(3), data: new Uint8Array(capacity) });
  }
}

describe("lendBatch with random columns of the newer types", () => {
  it("lends what Zig reads whole, as apache-arrow holds it, and refuses the rest with a typed error", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("dictionary", "list", "large_utf8", "decimal", "fixed_size_binary"),
        fc.nat({ max: 64 }),
        fc.nat({ max: 40 }),
        fc.nat({ max: 6 }),
        fc.array(fc.integer({ min: -3, max: 70 }), { maxLength: 48 }),
        fc.constantFrom(0xff, 0x55, 0),
        (kind, capacity, length, offset, values, valid) => {
          const batch = batchOf(column(kind, capacity, length, offset, values, valid));
          const out = new BigUint64Array(1);
          let status: number;
          try {
            status = lendBatch(lib, batch, (s, a) => lib.symbols.zc_arrow_checksum(s, a, out));
          } catch (error) {
            assert(error instanceof ZeroCopyError, String(error));
            assert(["ARROW_INVALID", "DETACHED"].includes(error.code), error.message);
            return;
          }
          assertEquals(status, 0, "lent, yet Zig's reader refused it");
          assertEquals(out[0], checksumBatch(batch));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
