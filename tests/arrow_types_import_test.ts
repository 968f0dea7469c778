// Zig's batch of dictionaries, dates, times, durations, decimals, intervals, binaries and lists
// (zig/demo/demo_arrow_types.zig) read in Deno as apache-arrow: every value as Zig wrote it, with nulls
// and offsets, lent back to Zig with the same checksum, and a directory that lies refused.

import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { type RecordBatch, Type } from "apache-arrow";
import { ZeroCopyError } from "../mod.ts";
import { importBatch, lendBatch } from "../arrow.ts";
import { abiLayout } from "../src/abi/symbols.ts";
import { open } from "./fixtures/arrow_demo.ts";
import { lib } from "./_helpers.ts";
import { checksumBatch } from "./_arrow.ts";
import { expected, plain } from "./_arrow_types.ts";

const arrowDemo = await open(lib.path);
const WITH_NULLS = 1;
const SLICED = 2;
/** The raw little-endian bytes of row `row` of a fixed-width column whose `get` gives no plain value. */
function raw(batch: RecordBatch, name: string, row: number, width: number): Uint8Array {
  const data = batch.getChild(name)!.data[0];
  const values = data.values as ArrayBufferView;
  return new Uint8Array(values.buffer, values.byteOffset + row * width, width);
}

function zigChecksum(batch: RecordBatch): bigint {
  const out = new BigUint64Array(1);
  assertEquals(lendBatch(lib, batch, (s, a) => lib.symbols.zc_arrow_checksum(s, a, out)), 0);
  return out[0];
}

describe("a Zig batch of the types SQL engines exchange, imported", () => {
  for (const options of [0, WITH_NULLS, SLICED, WITH_NULLS | SLICED]) {
    it(`reads every value as Zig wrote it (options ${options})`, () => {
      using batch = arrowDemo.zc_arrow_demo_types(41, options);
      const table = batch.table;
      const record = table.batches[0];
      const shift = options & SLICED ? 3 : 0;
      assertEquals(table.numRows, 41);
      const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, f.type]));
      assertEquals(types.dict8.typeId, Type.Dictionary);
      assertEquals(String(types.decimal), "Decimal[10e+2]");
      assertEquals(String(types.ts_ns), "Timestamp<NANOSECOND, Europe/Paris>");
      assertEquals(types.interval.typeId, Type.Interval);
      for (const field of table.schema.fields) {
        const vector = table.getChild(field.name)!;
        for (let row = 0; row < 41; row++) {
          const p = row + shift;
          const isNull = (options & WITH_NULLS) !== 0 && p % 4 === 1;
          if (isNull) {
            assertEquals(vector.get(row), null, `${field.name}[${row}]`);
            continue;
          }
          const want = expected(field.name, p);
          if (want !== undefined) assertEquals(plain(vector.get(row)), want, `${field.name}[${row}]`);
        }
      }
      for (let row = 0; row < 41; row++) {
        const p = row + shift;
        const decimal = new DataView(raw(record, "decimal", row, 16).slice().buffer);
        assertEquals(decimal.getBigInt64(0, true), (BigInt(p) - 5n) * 12345n);
        const interval = new DataView(raw(record, "interval", row, 16).slice().buffer);
        assertEquals([interval.getInt32(0, true), interval.getInt32(4, true)], [p, -p]);
        assertEquals(interval.getBigInt64(8, true), BigInt(p) * 1_000_000_007n);
        const stamp = new DataView(raw(record, "ts_ns", row, 8).slice().buffer);
        assertEquals(stamp.getBigInt64(0, true), 1_700_000_000_000_000_000n + BigInt(p));
      }
      // Lent back to Zig, every value reads the same there.
      assertEquals(zigChecksum(record), checksumBatch(record));
    });
  }
});

const HEADER = abiLayout.structs.BatchHeader.fields;
const NODE = abiLayout.structs.BatchNode.fields;
const NODE_BYTES = abiLayout.structs.BatchNode.size;
// Preorder: 0 the root, 1 dict8, 2 its dictionary, 3 dict32, 4 its dictionary, 5 date32, ... (demo_arrow_types.zig).
const NODES = { dict8: 1, date32: 5, decimal: 11, large_utf8: 14, binary: 15, list: 17, list_items: 18 };

function typesMemory() {
  const library = arrowDemo.library;
  return library.adopt("u8", (out) => library.symbols.zc_arrow_demo_types(5n, 0, out));
}

/** Imports `memory` after `change` rewrote its directory or buffers; the refusal's message. */
function refused(change: (view: DataView, node: (i: number) => number) => void): string {
  const memory = typesMemory();
  const view = new DataView(memory.bytes.buffer, memory.bytes.byteOffset, memory.bytes.byteLength);
  change(view, (i) => Number(view.getBigUint64(HEADER.nodes_at, true)) + i * NODE_BYTES);
  const error = assertThrows(() => importBatch(memory), ZeroCopyError);
  assertEquals(error.code, "ARROW_INVALID", error.message);
  assert(memory.disposed);
  return error.message;
}

describe("importing a Zig batch whose directory lies about the new types", () => {
  it("a dictionary flag on a column whose indices are not integers", () => {
    assertStringIncludes(
      refused((view, node) => view.setUint32(node(NODES.date32) + NODE.dictionary, 1, true)),
      'indices of format "tdD"',
    );
  });

  it("a dictionary flag taken away: the dictionary is read as a column and the tree no longer fits", () => {
    refused((view, node) => view.setUint32(node(NODES.dict8) + NODE.dictionary, 0, true));
  });

  it("list offsets past the rows of the list's items", () => {
    assertStringIncludes(
      refused((view, node) => view.setBigUint64(node(NODES.list_items) + NODE.length, 0n, true)),
      "past the 0 rows of its child",
    );
  });

  it("a large string's last offset past its characters, and a negative first offset", () => {
    const offsetsAt = (view: DataView, node: number) =>
      Number(view.getBigUint64(node + NODE.buffer_at + 8, true));
    assertStringIncludes(
      refused((view, node) =>
        view.setBigInt64(offsetsAt(view, node(NODES.large_utf8)) + 5 * 8, 1n << 40n, true)
      ),
      "must hold",
    );
    assertStringIncludes(
      refused((view, node) => view.setInt32(offsetsAt(view, node(NODES.binary)), -1, true)),
      "offsets from -1",
    );
  });

  it("a buffer count that does not match the type", () => {
    assertStringIncludes(
      refused((view, node) => view.setUint32(node(NODES.decimal) + NODE.n_buffers, 3, true)),
      "3 buffers, not 2",
    );
  });

  it("a decimal whose values are shorter than its rows", () => {
    assertStringIncludes(
      refused((view, node) => view.setBigUint64(node(NODES.decimal) + NODE.buffer_len + 8, 16n, true)),
      "must hold 80",
    );
  });
});
