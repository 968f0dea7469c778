// Reading a handed-over batch's directory: words and offsets outside what the
// reader accepts are refused with ARROW_INVALID naming what does not fit, and
// names that are not ASCII are decoded as UTF-8. Reading a mapped batch's table
// allocates no typed array, and the producer's null counts are kept.

import { assert, assertEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { ZeroCopyError } from "../mod.ts";
import { importBatch } from "../arrow.ts";
import { abiLayout } from "../src/abi/symbols.ts";
import { lib } from "./_helpers.ts";

const HEADER = abiLayout.structs.BatchHeader.fields;
const NODE = abiLayout.structs.BatchNode.fields;
const NODE_BYTES = abiLayout.structs.BatchNode.size;

function demoMemory() {
  return lib.adopt("u8", (out) => lib.symbols.zc_arrow_demo_batch(5n, 0, out));
}

/** The byte offset of directory node `i` (0 is the root, 1 the first column). */
function nodeAt(view: DataView, i: number): number {
  return Number(view.getBigUint64(HEADER.nodes_at, true)) + i * NODE_BYTES;
}

function refused(memory: ReturnType<typeof demoMemory>): ZeroCopyError {
  const before = lib.stats().liveBuffers;
  const start = performance.now();
  const error = assertThrows(() => importBatch(memory), ZeroCopyError);
  assert(performance.now() - start < 1000, "the refusal took more than a second");
  assertEquals(error.code, "ARROW_INVALID");
  assert(memory.disposed);
  assertEquals(lib.stats().liveBuffers, before - 1);
  return error;
}

describe("importing a handed-over batch", () => {
  it("refuses a length past 2^53 rather than rounding it", () => {
    const memory = demoMemory();
    const view = new DataView(memory.bytes.buffer);
    view.setBigInt64(nodeAt(view, 0) + NODE.length, 1n << 60n, true);
    assert(refused(memory).message.includes("out of range"));
  });

  it("refuses a directory larger than the memory", () => {
    const memory = demoMemory();
    new DataView(memory.bytes.buffer).setBigUint64(HEADER.node_count, 1n << 40n, true);
    assert(refused(memory).message.includes("does not fit the memory"));
  });

  it("refuses more children than the directory holds, without walking them", () => {
    const memory = demoMemory();
    const view = new DataView(memory.bytes.buffer);
    view.setUint32(nodeAt(view, 0) + NODE.n_children, 0xffff_ffff, true);
    assert(refused(memory).message.includes("more than its directory holds"));
  });

  it("refuses nodes no parent counts", () => {
    const memory = demoMemory();
    const view = new DataView(memory.bytes.buffer);
    view.setUint32(nodeAt(view, 0) + NODE.n_children, 1, true);
    assert(refused(memory).message.includes("outside the tree"));
  });

  it("names the column whose buffer points outside the memory", () => {
    const memory = demoMemory();
    const view = new DataView(memory.bytes.buffer);
    view.setBigUint64(nodeAt(view, 1) + NODE.buffer_at + 8, BigInt(memory.bytes.byteLength + 4096), true);
    const error = refused(memory);
    assert(error.message.includes('the values of column "i8" points outside'), error.message);
  });

  it("names the column whose buffer is shorter than its length needs", () => {
    const memory = demoMemory();
    const view = new DataView(memory.bytes.buffer);
    view.setBigUint64(nodeAt(view, 2) + NODE.buffer_len + 8, 2n, true);
    const error = refused(memory);
    assert(error.message.includes('the values of column "i16" has 2 bytes but must hold 10'), error.message);
  });

  it("decodes a name that is not ASCII", () => {
    using memory = demoMemory();
    const at = indexOfName(memory.bytes, "i16");
    memory.bytes.set([0xc3, 0xa9, 0x78], at); // "éx"
    using batch = importBatch(memory);
    assertEquals(batch.table.schema.fields[1].name, "éx");
  });
});

function indexOfName(bytes: Uint8Array, name: string): number {
  const text = new TextDecoder("latin1").decode(bytes);
  const at = text.indexOf(`\0${name}\0`);
  assert(at > 0);
  return at + 1;
}

describe("null counts", () => {
  for (const options of [1, 3]) {
    it(`come from the producer, so the first read of a column counts nothing (options ${options})`, () => {
      using batch = importBatch(
        lib.adopt("u8", (out) => lib.symbols.zc_arrow_demo_batch(1000n, options, out)),
      );
      let nullable = 0;
      for (const [i, field] of batch.recordBatch.schema.fields.entries()) {
        const data = batch.recordBatch.getChildAt(i)!.data[0];
        // apache-arrow keeps -1 until it has counted the bitmap itself.
        const stored = (data as unknown as { _nullCount: number })._nullCount;
        assert(stored >= 0, `column ${field.name} has no null count`);
        let nulls = 0;
        for (let row = 0; row < data.length; row++) if (!data.getValid(row)) nulls++;
        assertEquals(stored, nulls, `column ${field.name}`);
        if (nulls > 0) nullable++;
      }
      assert(nullable > 0, "the batch has no column with nulls");
    });
  }
});

/** Typed arrays `run` allocates memory for (a length above 0, not a buffer to view), on every constructor. */
function typedArrayAllocations(run: () => void): string[] {
  const names = ["Uint8Array", "Int32Array", "Uint32Array", "Float64Array", "BigUint64Array"] as const;
  const global = globalThis as unknown as Record<string, unknown>;
  const originals = names.map((name) => global[name] as new (...args: unknown[]) => unknown);
  const allocated: string[] = [];
  names.forEach((name, i) => {
    global[name] = new Proxy(originals[i], {
      construct(target, args) {
        if (typeof args[0] !== "object" && Number(args[0]) > 0) allocated.push(`${name}(${args[0]})`);
        return Reflect.construct(target, args) as object;
      },
    });
  });
  try {
    run();
  } finally {
    names.forEach((name, i) => global[name] = originals[i]);
  }
  return allocated;
}

describe("a mapped batch", () => {
  it("gives its table and columns without allocating a typed array, which would make V8 collect for it", () => {
    // A dispose after a table was read leaves the next table's offsets ready.
    const first = importBatch(lib.adopt("u8", (out) => lib.symbols.zc_arrow_demo_batch(10n, 0, out)));
    assertEquals(first.table.numRows, 10);
    first[Symbol.dispose]();
    const memory = lib.adopt("u8", (out) => lib.symbols.zc_arrow_demo_batch(1000n, 0, out));
    let batch: ReturnType<typeof importBatch> | undefined;
    let last = 0;
    const allocated = typedArrayAllocations(() => {
      batch = importBatch(memory);
      const column = batch.table.getChild("f64")!;
      last = column.get(column.length - 1) as number;
    });
    const expected = batch!.recordBatch.getChild("f64")!.get(999);
    batch![Symbol.dispose]();
    assertEquals(allocated, []);
    assertEquals(last, expected);
  });

  it("gives every table offsets of its own", () => {
    using a = importBatch(lib.adopt("u8", (out) => lib.symbols.zc_arrow_demo_batch(3n, 0, out)));
    using b = importBatch(lib.adopt("u8", (out) => lib.symbols.zc_arrow_demo_batch(7n, 0, out)));
    assertEquals([a.table.numRows, b.table.numRows], [3, 7]);
    assertEquals([a.table.get(2) !== null, b.table.get(6) !== null, a.table.get(3)], [true, true, null]);
  });
});
