// Arrow input built to lie, through each Deno surface: an apache-arrow batch
// whose children are shared or nested past the budget is refused before a
// struct is built; C Data structs built by hand and lent to Zig are refused by
// Zig's reader; a handed-over batch whose directory was overwritten at random
// imports or is refused with a typed error, never read outside its memory.
// Every refusal comes at once: without a budget these walks take hours.

import { assert, assertEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { type Data, type DataType, Field, Int32, makeData, RecordBatch, Schema, Struct } from "apache-arrow";
import { ZeroCopyError } from "../mod.ts";
import { STATUS } from "../src/abi/layout.ts";
import { importBatch, lendBatch } from "../arrow.ts";
import { abiLayout } from "../src/abi/symbols.ts";
import { ARRAY_BYTES, ArrayOffset, SCHEMA_BYTES, SchemaOffset } from "../src/arrow/c_data.ts";
import { lib } from "./_helpers.ts";

// Without a budget these walks run for minutes (past 60 s and 3.6 GB for the DAG); the bound is
// far above any loaded machine's time for the refusal, so that it tells termination, not speed.
function quickly<T>(run: () => T): T {
  const start = performance.now();
  const result = run();
  assert(performance.now() - start < 20_000, "took more than 20 s: the walk is not bounded");
  return result;
}

describe("Arrow input built to lie", () => {
  it("lendBatch refuses an apache-arrow batch whose children are shared 2^20 ways", () => {
    // Deeper sharing makes apache-arrow's own RecordBatch constructor walk every path.
    let type: DataType = new Int32();
    let data: Data = makeData({ type: new Int32(), length: 1, data: new Int32Array([7]) });
    for (let level = 0; level < 20; level++) {
      type = new Struct([new Field("a", type), new Field("b", type)]);
      data = makeData({ type: type as Struct, length: 1, children: [data, data] });
    }
    const batch = new RecordBatch(new Schema((type as Struct).children), data as Data<Struct>);
    const error = quickly(() => assertThrows(() => lendBatch(lib, batch, () => 0), ZeroCopyError));
    assertEquals(error.code, "ARROW_INVALID");
    assert(error.message.includes("65536 arrays"), error.message);
  });

  for (const shape of ["a DAG of 2^40 paths", "a cycle"] as const) {
    it(`Zig's reader refuses hand-built C Data structs forming ${shape}`, () => {
      const structs = handBuilt(shape === "a cycle" ? 2 : 41, shape === "a cycle");
      const out = new BigUint64Array(1);
      const status = quickly(() => lib.symbols.zc_arrow_checksum(structs.schema, structs.array, out));
      assertEquals(status, STATUS.invalid_argument);
    });
  }

  it("Zig's reader reads the same hand-built structs when they form a small DAG", () => {
    // Proves the structs above are well formed: only their size is refused.
    const structs = handBuilt(4, false);
    const out = new BigUint64Array(1);
    assertEquals(lib.symbols.zc_arrow_checksum(structs.schema, structs.array, out), STATUS.ok);
    assert(out[0] !== 0n);
  });

  it("importBatch reads or refuses a directory overwritten at random, and frees every batch once", () => {
    const before = lib.stats().liveBuffers;
    const random = mulberry32(0x5eed);
    const HEADER = abiLayout.structs.BatchHeader.fields;
    const NODE = abiLayout.structs.BatchNode;
    const interesting = [0n, 1n, 7n, 64n, 1n << 31n, 1n << 52n, 1n << 63n, (1n << 64n) - 1n];
    const outcomes = { read: 0, refused: 0 };
    for (let i = 0; i < 300; i++) {
      const memory = lib.adopt("u8", (out) => lib.symbols.zc_arrow_demo_batch(4n, 3, out));
      const view = new DataView(memory.bytes.buffer);
      const nodesAt = Number(view.getBigUint64(HEADER.nodes_at, true));
      const directoryEnd = nodesAt + Number(view.getBigUint64(HEADER.node_count, true)) * NODE.size;
      for (let k = 0; k < 1 + Math.floor(random() * 3); k++) {
        if (random() < 0.5) {
          // A whole 8-byte field of a node, to a value that matters.
          const field = Math.floor(random() * (NODE.size / 8)) * 8;
          const at = nodesAt + NODE.size * Math.floor(random() * ((directoryEnd - nodesAt) / NODE.size)) +
            field;
          view.setBigUint64(at, interesting[Math.floor(random() * interesting.length)], true);
        } else {
          // Any byte: the header, a string, a buffer.
          memory.bytes[Math.floor(random() * memory.bytes.byteLength)] = Math.floor(random() * 256);
        }
      }
      try {
        using batch = importBatch(memory);
        for (const column of batch.table.schema.fields) batch.table.getChild(column.name)?.toArray();
        outcomes.read++;
      } catch (error) {
        assert(error instanceof ZeroCopyError, String(error));
        assert(["ARROW_INVALID", "ARROW_UNSUPPORTED"].includes(error.code), error.message);
        assert(memory.disposed);
        outcomes.refused++;
      }
    }
    assert(outcomes.read > 0 && outcomes.refused > 0, JSON.stringify(outcomes));
    assertEquals(lib.stats().liveBuffers, before);
  });
});

/**
 * `count` struct nodes, each with two children both pointing at the next (a
 * DAG of 2^(count-1) paths to an int32 leaf), or, for a cycle, whose last
 * node's child is itself.
 */
function handBuilt(count: number, cycle: boolean): { schema: Uint8Array; array: Uint8Array } {
  const node = SCHEMA_BYTES + ARRAY_BYTES;
  const lists = count * node;
  const buffers = lists + count * 32;
  const strings = buffers + count * 8 + 8;
  const values = strings + 8;
  const memory = new Uint8Array(values + 8);
  // Reading `buffer` moves a small TypedArray's bytes off V8's heap, where they stay put.
  void memory.buffer;
  const base = BigInt(lib.symbols.zc_address_of(memory) as number | bigint);
  const view = new DataView(memory.buffer);
  const put = (at: number, value: bigint | number) => view.setBigInt64(at, BigInt(value), true);
  memory.set(new TextEncoder().encode("+s\0i\0"), strings);
  view.setInt32(values, 7, true);
  const schemaRelease = BigInt(lib.symbols.zc_arrow_lent_release(0) as number | bigint);
  const arrayRelease = BigInt(lib.symbols.zc_arrow_lent_release(1) as number | bigint);
  for (let i = 0; i < count; i++) {
    const schemaAt = i * node;
    const arrayAt = schemaAt + SCHEMA_BYTES;
    const leaf = !cycle && i === count - 1;
    const child = cycle ? Math.min(i + 1, count - 1) : i + 1;
    put(schemaAt + SchemaOffset.format, base + BigInt(strings + (leaf ? 3 : 0)));
    put(schemaAt + SchemaOffset.release, schemaRelease);
    put(arrayAt + ArrayOffset.length, 1);
    put(arrayAt + ArrayOffset.release, arrayRelease);
    put(arrayAt + ArrayOffset.buffers, base + BigInt(buffers + 8 * i));
    if (leaf) {
      put(arrayAt + ArrayOffset.n_buffers, 2);
      // Buffer lists overlap: the leaf's second entry is the next slot, set to its values.
      put(buffers + 8 * (i + 1), base + BigInt(values));
      continue;
    }
    put(arrayAt + ArrayOffset.n_buffers, 1);
    const children = cycle ? 1 : 2;
    put(schemaAt + SchemaOffset.n_children, children);
    put(arrayAt + ArrayOffset.n_children, children);
    put(schemaAt + SchemaOffset.children, base + BigInt(lists + 32 * i));
    put(arrayAt + ArrayOffset.children, base + BigInt(lists + 32 * i + 16));
    for (let k = 0; k < children; k++) {
      put(lists + 32 * i + 8 * k, base + BigInt(child * node));
      put(lists + 32 * i + 16 + 8 * k, base + BigInt(child * node + SCHEMA_BYTES));
    }
  }
  return { schema: memory.subarray(0, SCHEMA_BYTES), array: memory.subarray(SCHEMA_BYTES, node) };
}

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
