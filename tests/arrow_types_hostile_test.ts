// Lending apache-arrow data of the new types built to lie: dictionaries whose indices pass their values,
// lists whose offsets pass their items or decrease, large offsets past their characters, values shorter
// than their rows, nesting past the budget. Each ends in a typed refusal before Zig is called, and data
// that tells the truth is still lent.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import {
  type Data,
  Decimal,
  Dictionary,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Int32,
  Int8,
  LargeBinary,
  LargeUtf8,
  List,
  makeData,
  makeVector,
  type RecordBatch,
  Struct,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { ZeroCopyError } from "../mod.ts";
import { lendBatch } from "../arrow.ts";
import { batchOf, checksum } from "./_arrow_lend.ts";
import { checksumBatch } from "./_arrow.ts";
import { lib } from "./_helpers.ts";
import { open } from "./fixtures/arrow_demo.ts";

function refused(batch: RecordBatch, code: string, words: string): void {
  const result = checksum(batch);
  assert(result instanceof ZeroCopyError, `lent: status ${result}`);
  assertEquals(result.code, code, result.message);
  assertStringIncludes(result.message, words);
}

const words = () => vectorFromArray(["a", "bb", "ccc"], new Utf8());

function dictionary(indices: number[], valid?: Uint8Array, values = words()): Data {
  return makeData({
    type: new Dictionary(new Utf8(), new Int8()),
    length: indices.length,
    nullCount: valid ? -1 : 0,
    nullBitmap: valid,
    data: new Int8Array(indices),
    dictionary: values,
  } as never);
}

function list(offsets: number[], items: number): Data {
  return makeData({
    type: new List(new Field("item", new Int32(), true)),
    length: offsets.length - 1,
    nullCount: 0,
    valueOffsets: new Int32Array(offsets),
    child: makeData({ type: new Int32(), length: items, nullCount: 0, data: new Int32Array(items) }),
  });
}

describe("lendBatch refuses new-type data that lies about its memory", () => {
  it("a dictionary index past its values, or below 0, unless its row is null", () => {
    assertEquals(checksum(batchOf(dictionary([0, 2, 1]))), 0);
    refused(batchOf(dictionary([0, 3])), "ARROW_INVALID", "index 3, outside its dictionary of 3");
    refused(batchOf(dictionary([-1, 0])), "ARROW_INVALID", "index -1");
    assertEquals(checksum(batchOf(dictionary([0, 99], new Uint8Array([0b01])))), 0);
  });

  it("a dictionary of several chunks, or whose values are not the type it says", () => {
    const chunks = words().concat(words());
    refused(batchOf(dictionary([0], undefined, chunks)), "ARROW_UNSUPPORTED", "2 chunks");
    const numbers = makeVector(new Int32Array([1, 2, 3]));
    refused(
      batchOf(dictionary([0], undefined, numbers as never)),
      "ARROW_INVALID",
      "its dictionary is Int32",
    );
  });

  it("a dictionary whose values' memory was transferred", () => {
    const values = words();
    const data = dictionary([0, 1], undefined, values);
    (values.data[0].values.buffer as ArrayBuffer).transfer();
    refused(batchOf(data), "DETACHED", "detached");
  });

  it("list offsets past the items, decreasing, or below 0", () => {
    assertEquals(checksum(batchOf(list([0, 2, 3], 3))), 0);
    refused(batchOf(list([0, 2, 4], 3)), "ARROW_INVALID", "past its 3 rows of its child");
    refused(batchOf(list([0, 2, 1], 3)), "ARROW_INVALID", "below the one before");
    refused(batchOf(list([-2, 1], 3)), "ARROW_INVALID", "first offset -2");
  });

  it("large offsets past their characters, or of the wrong width", () => {
    const large = (offsets: bigint[], characters: number) =>
      makeData({
        type: new LargeUtf8(),
        length: offsets.length - 1,
        nullCount: 0,
        valueOffsets: new BigInt64Array(offsets),
        data: new Uint8Array(characters),
      });
    assertEquals(checksum(batchOf(large([0n, 2n, 3n], 3))), 0);
    refused(batchOf(large([0n, 2n, 1n << 40n], 3)), "ARROW_INVALID", "past its 3 bytes of characters");
    const narrow = makeData({
      type: new LargeBinary(),
      length: 4,
      nullCount: 0,
      valueOffsets: new BigInt64Array(2), // 5 offsets needed
      data: new Uint8Array(4),
    });
    refused(batchOf(narrow), "ARROW_INVALID", "offsets");
  });

  it("decimals and fixed-size binaries shorter than their rows", () => {
    const decimals = makeData({
      type: new Decimal(2, 10, 128),
      length: 3,
      nullCount: 0,
      data: new Uint32Array(8),
    });
    refused(batchOf(decimals), "ARROW_INVALID", "need 48");
    const fixed = makeData({
      type: new FixedSizeBinary(4),
      length: 3,
      nullCount: 0,
      data: new Uint8Array(11),
    });
    refused(batchOf(fixed), "ARROW_INVALID", "need 12");
  });

  it("lists nested past the budget, and a list shared a million ways", () => {
    let data: Data = makeData({ type: new Int32(), length: 1, nullCount: 0, data: new Int32Array(1) });
    for (let depth = 0; depth < 100; depth++) {
      data = makeData({
        type: new List(new Field("item", data.type, true)),
        length: 1,
        nullCount: 0,
        valueOffsets: new Int32Array([0, 1]),
        child: data,
      });
    }
    refused(batchOf(data), "ARROW_INVALID", "levels of nesting");
    // Lists whose items are one shared list, 20 levels deep: a million paths through 21 arrays.
    let shared: Data = list([0, 1], 1);
    for (let depth = 0; depth < 20; depth++) {
      const field = new Field("item", shared.type, true);
      shared = makeData({
        type: new Struct([field, new Field("again", shared.type, true)]),
        length: 1,
        nullCount: 0,
        children: [shared, shared],
      });
    }
    refused(batchOf(shared), "ARROW_INVALID", "past 65536 arrays");
  });

  it("a type that tells a second read another width or list size is checked as its format says", () => {
    // Each parameter answers the format string first, then anything that reads it again.
    const lying = <T extends object>(type: T, key: string, first: number, reads: number, then: number): T => {
      let read = 0;
      Object.defineProperty(type, key, { get: () => ++read <= reads ? first : then });
      return type;
    };
    const decimals = makeData({
      type: new Decimal(2, 10, 128),
      length: 3,
      nullCount: 0,
      data: new Uint32Array(12),
    });
    lying(decimals.type, "bitWidth", 256, 1, 128);
    refused(batchOf(decimals), "ARROW_INVALID", "need 96");
    const item = makeData({ type: new Int32(), length: 2, nullCount: 0, data: new Int32Array(2) });
    const lists = makeData({
      type: new FixedSizeList(1, new Field("item", new Int32(), true)),
      length: 2,
      nullCount: 0,
      child: item,
    });
    lying(lists.type, "listSize", 1000, 1, 1);
    refused(batchOf(lists), "ARROW_INVALID", "where its parent needs 2000");
  });

  it("a dictionary type that is its own indices", () => {
    const data = dictionary([0, 1]);
    Object.defineProperty(data.type, "indices", { value: data.type });
    refused(batchOf(data), "ARROW_UNSUPPORTED", "is not supported");
  });

  it("a dictionary index past its values, in a row its bitmap says is valid, whatever getValid says", () => {
    const data = dictionary([0, 99]);
    Object.defineProperty(data, "getValid", { value: () => false });
    refused(batchOf(data), "ARROW_INVALID", "index 99");
  });

  it("offsets or dictionary indices in a SharedArrayBuffer, which another thread could change once checked", () => {
    const shared = (n: number) => new Int32Array(new SharedArrayBuffer(4 * n));
    const offsets = shared(3);
    offsets.set([0, 2, 3]);
    const strings = makeData({
      type: new Utf8(),
      length: 2,
      nullCount: 0,
      valueOffsets: offsets,
      data: new Uint8Array(3),
    });
    refused(batchOf(strings), "ARROW_INVALID", "SharedArrayBuffer");
    const indices = new Int8Array(new SharedArrayBuffer(2));
    const data = makeData({
      type: new Dictionary(new Utf8(), new Int8()),
      length: 2,
      nullCount: 0,
      data: indices,
      dictionary: words(),
    } as never);
    refused(batchOf(data), "ARROW_INVALID", "SharedArrayBuffer");
    assertEquals(checksum(batchOf(list([0, 2, 3], 3))), 0);
  });

  it("indices and offsets JavaScript rewrites in pinned memory during a nonblocking call: the call reads those checked", async () => {
    const demo = await open(lib.path);
    using batch = demo.zc_arrow_demo_types(2000, 0);
    const expected = checksumBatch(batch.recordBatch);
    const out = new BigUint64Array(1);
    const pending = lendBatch(
      demo.library,
      batch.recordBatch,
      (schema, array) => demo.library.symbols.zc_arrow_demo_checksum_after(schema, array, 40, out),
      { nonblocking: true },
    );
    // Zig reads after its pause. Still within bounds, so a read of them would change the sum, not fault.
    const indices = batch.recordBatch.getChild("dict8")!.data[0].values as Int8Array;
    indices[0] = (indices[0] + 1) % 4;
    const offsets = batch.recordBatch.getChild("list")!.data[0].valueOffsets as Int32Array;
    offsets[1] = offsets[2];
    assert(checksumBatch(batch.recordBatch) !== expected);
    assertEquals(await pending, 0);
    assertEquals(out[0], expected);
  });
});
