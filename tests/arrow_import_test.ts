// Reading a handed-over batch's structs: words and pointers outside what the
// reader accepts are refused with ARROW_INVALID naming what does not fit, and
// names that are not ASCII are decoded as UTF-8.

import { assert, assertEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { ZeroCopyError } from "../mod.ts";
import { importBatch } from "../arrow.ts";
import { abiLayout } from "../src/abi/symbols.ts";
import { lib } from "./_helpers.ts";

const ARRAY = abiLayout.structs.ArrowArray.fields;
const ROOT_ARRAY = abiLayout.structs.ArrowBlock.fields.array;

function demoMemory() {
  return lib.adopt("u8", (out) => lib.symbols.zc_arrow_demo_batch(5n, 0, out));
}

function refused(memory: ReturnType<typeof demoMemory>): ZeroCopyError {
  const before = lib.stats().liveBuffers;
  const error = assertThrows(() => importBatch(memory), ZeroCopyError);
  assertEquals(error.code, "ARROW_INVALID");
  assert(memory.disposed);
  assertEquals(lib.stats().liveBuffers, before - 1);
  return error;
}

describe("importing a handed-over batch", () => {
  it("refuses a length past 2^53 rather than rounding it", () => {
    const memory = demoMemory();
    new DataView(memory.bytes.buffer).setBigInt64(ROOT_ARRAY + ARRAY.length, 1n << 60n, true);
    assert(refused(memory).message.includes("out of range"));
  });

  it("refuses a pointer with its high bits set", () => {
    const memory = demoMemory();
    const view = new DataView(memory.bytes.buffer);
    const children = ROOT_ARRAY + ARRAY.children;
    view.setUint32(children + 4, view.getUint32(children + 4, true) | 0x8000_0000, true);
    assert(refused(memory).message.includes("children"));
  });

  it("names the column whose buffer points outside the memory", () => {
    const memory = demoMemory();
    const error = refused(corruptFirstValues(memory));
    assert(error.message.includes('the values of column "i8"'), error.message);
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

/** Points the first column's values buffer far past the memory. */
function corruptFirstValues(memory: ReturnType<typeof demoMemory>): ReturnType<typeof demoMemory> {
  const bytes = memory.bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const base = BigInt(addressOf(bytes));
  const offsetOf = (at: number) => Number(view.getBigUint64(at, true) - base);
  const children = offsetOf(ROOT_ARRAY + ARRAY.children);
  const first = offsetOf(children);
  const buffers = offsetOf(first + ARRAY.buffers);
  view.setBigUint64(buffers + 8, base + BigInt(bytes.byteLength) + 4096n, true);
  return memory;
}

function addressOf(bytes: Uint8Array<ArrayBuffer>): bigint {
  return BigInt(lib.symbols.zc_address_of(bytes) as number | bigint);
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
