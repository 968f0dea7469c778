// The Arrow subpath: batches Zig hands over read as apache-arrow tables in
// place, released once; apache-arrow batches lent to a Zig kernel.

import { assert, assertEquals, assertNotEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import {
  type Data,
  Float16,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromArrays,
  Utf8View,
  vectorFromArray,
} from "apache-arrow";
import { Field, FixedSizeList, Float32, Timestamp, TimeUnit, Utf8 } from "apache-arrow";
import { openDemo, ZeroCopyError } from "../mod.ts";
import { adoptBatch, type ArrowBatch, importBatch, lendBatch, lendTable } from "../arrow.ts";
import { abiLayout } from "../src/abi/symbols.ts";
import { checksumBatch, DEMO_COLUMNS, expectedValue, plain } from "./_arrow.ts";
import { lib, UNSCOPED_FFI } from "./_helpers.ts";

const WITH_NULLS = 1;
const SLICED = 2;

function demoBatch(rows: number, options: number, library = lib): ArrowBatch {
  return adoptBatch(library, (out) => library.symbols.zc_arrow_demo_batch(BigInt(rows), options, out));
}

function checkValues(batch: ArrowBatch, rows: number, options: number): void {
  const nulls = (options & WITH_NULLS) !== 0;
  const shift = (options & SLICED) !== 0 ? 3 : 0;
  assertEquals(batch.numRows, rows);
  assertEquals(batch.table.schema.fields.map((f) => f.name), [...DEMO_COLUMNS]);
  for (const column of DEMO_COLUMNS) {
    const vector = batch.table.getChild(column)!;
    assertEquals(vector.length, rows, column);
    for (let row = 0; row < rows; row++) {
      assertEquals(
        plain(column, vector.get(row)),
        expectedValue(column, row + shift, nulls),
        `${column}[${row}]`,
      );
    }
    const expectedNulls = nulls
      ? Array.from({ length: rows }, (_, i) => i + shift).filter((p) => p % 4 === 1).length
      : 0;
    assertEquals(vector.nullCount, expectedNulls, `${column} null count`);
  }
}

function checksumInZig(batch: RecordBatch): bigint {
  const out = new BigUint64Array(1);
  const status = lendBatch(lib, batch, (schema, array) => lib.symbols.zc_arrow_checksum(schema, array, out));
  assertEquals(status, 0, "zc_arrow_checksum refused the batch");
  return out[0];
}

describe("Arrow batches from Zig", () => {
  for (const [name, options] of [["without nulls", 0], ["with nulls", WITH_NULLS]] as const) {
    it(`reads every type ${name}, every value as Zig wrote it`, () => {
      using batch = demoBatch(41, options);
      checkValues(batch, 41, options);
    });
    it(`reads every type ${name} sliced (a non-zero offset in every column)`, () => {
      using batch = demoBatch(29, options | SLICED);
      checkValues(batch, 29, options | SLICED);
    });
  }

  it("reads an empty batch", () => {
    using batch = demoBatch(0, WITH_NULLS | SLICED);
    checkValues(batch, 0, WITH_NULLS | SLICED);
    assertEquals(batch.table.numRows, 0);
  });

  it("views Zig's memory: every buffer shares the handed-over ArrayBuffer, and Zig's writes show", () => {
    using batch = demoBatch(100, WITH_NULLS);
    const memory = batch.memory.bytes.buffer;
    const visit = (data: Data) => {
      for (const buffer of [data.values, data.valueOffsets, data.nullBitmap]) {
        if (buffer && buffer.byteLength > 0) assertStrictEquals(buffer.buffer, memory, `${data.type}`);
      }
      data.children.forEach(visit);
    };
    batch.recordBatch.data.children.forEach(visit);
    const f64 = batch.table.getChild("f64")!;
    assertEquals(f64.get(10), 2);
    assertEquals(batch.withDescriptor((d) => lib.symbols.zc_arrow_demo_scale_f64(d, 10)), 0);
    assertEquals(f64.get(10), 20);
    assertEquals(f64.get(1), null);
  });

  it("gives the memory back exactly once, on dispose", () => {
    const before = lib.stats();
    const batch = demoBatch(1000, 0);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
    batch[Symbol.dispose]();
    batch[Symbol.dispose]();
    const after = lib.stats();
    assertEquals(after.liveBuffers, before.liveBuffers);
    assertEquals(after.liveBytes, before.liveBytes);
    assertEquals(after.totalReleased, before.totalReleased + 1);
    assert(batch.disposed);
  });

  it("refuses access after dispose with DISPOSED, and a table kept from before reads no freed memory", () => {
    const batch = demoBatch(100, 0);
    const kept = batch.table;
    const column = kept.getChild("f64")!;
    assertEquals(column.get(10), 2);
    batch[Symbol.dispose]();
    for (
      const read of [() => batch.table, () => batch.recordBatch, () => batch.numRows, () => batch.memory]
    ) {
      const error = assertThrows(read, ZeroCopyError);
      assertEquals(error.code, "DISPOSED");
    }
    assertEquals(column.data[0].values.length, 0);
    for (const read of [() => column.get(10), () => kept.get(0), () => kept.at(-1), () => [...kept]]) {
      assertEquals(assertThrows(read, ZeroCopyError).code, "DISPOSED");
    }
  });

  it("reports a batch whose memory was moved away as moved, and refuses it with MOVED", () => {
    const batch = demoBatch(100, 0);
    assertEquals(batch.state, "live");
    const moved = batch.memory.view.buffer.transfer();
    assertEquals(batch.state, "moved");
    assert(batch.disposed, "a moved batch cannot be read");
    for (
      const read of [() => batch.table, () => batch.recordBatch, () => batch.numRows, () => batch.memory]
    ) {
      const error = assertThrows(read, ZeroCopyError);
      assertEquals(error.code, "MOVED", error.message);
    }
    // As a moved buffer's: the memory is the moved ArrayBuffer's now (or left allocated, under pointer-view).
    try {
      batch[Symbol.dispose]();
    } catch (error) {
      assertEquals((error as ZeroCopyError).code, "MOVED");
    }
    assertEquals(batch.state, "disposed");
    assert(moved.byteLength > 0);
  });

  it("refuses an unsupported format with ARROW_UNSUPPORTED naming it, and frees the batch", () => {
    const before = lib.stats();
    const memory = lib.adopt("u8", (out) => lib.symbols.zc_arrow_demo_batch(5n, 0, out));
    const text = new TextDecoder("latin1").decode(memory.bytes);
    const at = text.indexOf("tsu:UTC\0");
    assert(at > 0);
    memory.bytes[at + 2] = "x".charCodeAt(0);
    const error = assertThrows(() => importBatch(memory), ZeroCopyError);
    assertEquals(error.code, "ARROW_UNSUPPORTED");
    assert(error.message.includes('"tsx:UTC"') && error.message.includes('column "ts"'), error.message);
    assert(memory.disposed);
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  });

  it("refuses a pointer outside the memory with ARROW_INVALID, and frees the batch", () => {
    const before = lib.stats();
    const memory = lib.adopt("u8", (out) => lib.symbols.zc_arrow_demo_batch(5n, 0, out));
    const view = new DataView(memory.bytes.buffer);
    const firstColumn = Number(view.getBigUint64(abiLayout.structs.BatchHeader.fields.nodes_at, true)) +
      abiLayout.structs.BatchNode.size;
    view.setBigUint64(firstColumn + abiLayout.structs.BatchNode.fields.buffer_at + 8, 1n << 50n, true);
    const error = assertThrows(() => importBatch(memory), ZeroCopyError);
    assertEquals(error.code, "ARROW_INVALID");
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  });

  it("works under the pointer-view mapping too", { ignore: !UNSCOPED_FFI }, async () => {
    const demo = await openDemo({ mapping: "pointer-view" });
    using batch = demoBatch(17, WITH_NULLS | SLICED, demo.library);
    assertEquals(demo.library.mapping, "pointer-view");
    checkValues(batch, 17, WITH_NULLS | SLICED);
  });
});

describe("apache-arrow batches lent to Zig", () => {
  it("structs kept past their call read as released, also once their memory serves another lend", () => {
    const out = new BigUint64Array(1);
    const one = tableFromArrays({ x: Int32Array.from([1, 2, 3]) }).batches[0];
    const other = tableFromArrays({ y: Float64Array.from([0.5, 1.5]) }).batches[0];
    let kept: Uint8Array | undefined;
    lendBatch(lib, one, (schema, array) => {
      kept = schema;
      return lib.symbols.zc_arrow_checksum(schema, array, out);
    });
    assert(kept!.every((byte) => byte === 0));
    let reused = false;
    lendBatch(lib, other, (schema, array) => {
      reused = schema.buffer === kept!.buffer;
      return lib.symbols.zc_arrow_checksum(schema, array, out);
    });
    assert(reused, "the second lend's structs live in the first's memory");
    assert(kept!.every((byte) => byte === 0));
    // Shrunk through a view before the call, the structs read as released and Zig refuses them;
    // the memory is not reused.
    let resized: ArrayBufferLike | undefined;
    const status = lendBatch(lib, one, (schema, array) => {
      resized = schema.buffer;
      (resized as ArrayBuffer).resize(0);
      return lib.symbols.zc_arrow_checksum(schema, array, out);
    });
    assertNotEquals(status, 0);
    lendBatch(lib, one, (schema) => assertNotEquals(schema.buffer, resized));
  });

  it("a batch from Zig lent back checksums in Zig as apache-arrow's values do here", () => {
    for (const options of [0, WITH_NULLS, SLICED, WITH_NULLS | SLICED]) {
      using batch = demoBatch(37, options);
      assertEquals(checksumInZig(batch.recordBatch), checksumBatch(batch.recordBatch), `options ${options}`);
    }
  });

  it("a table built in Deno, with nulls, empty strings and slices, checksums the same in Zig", () => {
    const n = 40;
    const table = tableFromArrays({
      i: Int32Array.from({ length: n }, (_, i) => i * 3 - 50),
      f: Float32Array.from({ length: n }, (_, i) => i / 4),
      b: BigInt64Array.from({ length: n }, (_, i) => BigInt(i) << 40n),
    });
    const strings = vectorFromArray(
      Array.from({ length: n }, (_, i) => i % 3 === 0 ? null : i % 5 ? `v${i}` : ""),
      new Utf8(),
    );
    const items = vectorFromArray(Array.from({ length: 3 * n }, (_, i) => i % 7 ? i : null), new Float32());
    const listType = new FixedSizeList(3, new Field("item", new Float32(), true));
    const list = makeData({ type: listType, length: n, nullCount: 0, child: items.data[0] });
    const when = vectorFromArray(
      Array.from({ length: n }, (_, i) => i % 4 ? 1_700_000_000_000 + i : null),
      new Timestamp(TimeUnit.MILLISECOND, "UTC"),
    );
    const flags = vectorFromArray(Array.from({ length: n }, (_, i) => i % 6 === 1 ? null : i % 2 === 0));
    const type = new Struct([
      ...table.schema.fields,
      new Field("s", new Utf8(), true),
      new Field("l", listType, true),
      new Field("t", when.type, true),
      new Field("flag", flags.type, true),
    ]);
    const data = makeData({
      type,
      length: n,
      children: [...table.batches[0].data.children, strings.data[0], list, when.data[0], flags.data[0]],
    });
    const batch = new RecordBatch(new Schema(type.children), data);
    const whole = checksumInZig(batch);
    assertEquals(whole, checksumBatch(batch));
    for (const [from, to] of [[3, 29], [9, 9], [17, 40], [0, 1]]) {
      const slice = batch.slice(from, to);
      assertEquals(checksumInZig(slice), checksumBatch(slice), `slice ${from}..${to}`);
    }
    assertNotEquals(checksumInZig(batch.slice(1)), whole);
  });

  it("lends every batch of a table", () => {
    const table = tableFromArrays({ x: new Uint8Array([1, 2, 3]) });
    const doubled = table.concat(table);
    const out = new BigUint64Array(1);
    assertEquals(lendTable(lib, doubled, (s, a) => lib.symbols.zc_arrow_checksum(s, a, out)), [0, 0]);
    assertEquals(out[0], checksumBatch(table.batches[0]));
  });

  it("refuses a type with no supported format with ARROW_UNSUPPORTED naming it", () => {
    const halves = makeData({ type: new Float16(), length: 2, data: new Uint16Array(2) });
    const type = new Struct([new Field("h", new Float16())]);
    const batch = new RecordBatch(
      new Schema(type.children),
      makeData({ type, length: 2, children: [halves] }),
    );
    const error = assertThrows(() => lendBatch(lib, batch, () => 0), ZeroCopyError);
    assertEquals(error.code, "ARROW_UNSUPPORTED");
    assert(error.message.includes("Float16"), error.message);
    const view = new Table({
      v: makeVector(makeData({ type: new Utf8View(), length: 0, nullCount: 0 } as never)),
    });
    assertEquals(assertThrows(() => lendTable(lib, view, () => 0), ZeroCopyError).code, "ARROW_UNSUPPORTED");
  });
});
