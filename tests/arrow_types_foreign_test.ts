// A foreign C Data array of the types SQL engines exchange, adopted through the hooks' zc_arrow_foreign_adopt and read
// in place by readForeignDirectory: the producer is Zig's types batch moved into C Data structs
// (zc_arrow_move), so its release frees the batch once the last buffer viewed from it is released.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { lendBatch } from "../arrow.ts";
import { adoptForeign } from "./_foreign.ts";
import { abiLayout } from "../src/abi/symbols.ts";
import { DESCRIPTOR_BYTES } from "../src/abi/layout.ts";
import { open } from "./fixtures/arrow_demo.ts";
import { hooks, lib } from "./_helpers.ts";
import { checksumBatch } from "./_arrow.ts";
import { expected, plain } from "./_arrow_types.ts";

const arrowDemo = await open(lib.path);

const symbols = lib.symbols as unknown as {
  zc_arrow_move(descriptor: Uint8Array, schema: Uint8Array, array: Uint8Array): number;
};

/** Zig's types batch, moved into C Data structs as another library would hand them over. */
function produce(
  rows: number,
  options: number,
): { schema: Uint8Array<ArrayBuffer>; array: Uint8Array<ArrayBuffer> } {
  const descriptor = new Uint8Array(DESCRIPTOR_BYTES);
  const raw = arrowDemo.library.symbols as unknown as {
    zc_arrow_demo_types(r: bigint, o: number, d: Uint8Array): number;
  };
  assertEquals(raw.zc_arrow_demo_types(BigInt(rows), options, descriptor), 0);
  const schema = new Uint8Array(abiLayout.structs.ArrowSchema.size);
  const array = new Uint8Array(abiLayout.structs.ArrowArray.size);
  assertEquals(symbols.zc_arrow_move(descriptor, schema, array), 0);
  return { schema, array };
}

describe("a foreign array of the new types, adopted", () => {
  for (const options of [0, 1, 2, 3]) {
    it(`is read in place with every value, and released once (options ${options})`, () => {
      const before = lib.stats();
      const { schema, array } = produce(23, options);
      // As query results and streams adopt it, through the hooks library: libzerocopy adopts only structs in
      // its own memory.
      const { batch, buffers } = adoptForeign(hooks, schema, array);
      hooks.symbols.zc_arrow_foreign_release(schema, null);
      const shift = options & 2 ? 3 : 0;
      assertEquals(batch.numRows, 23);
      for (const field of batch.schema.fields) {
        const vector = batch.getChild(field.name)!;
        for (let row = 0; row < 23; row++) {
          const p = row + shift;
          const want = (options & 1) && p % 4 === 1 ? null : expected(field.name, p);
          if (want !== undefined) assertEquals(plain(vector.get(row)), want, `${field.name}[${row}]`);
        }
      }
      const out = new BigUint64Array(1);
      assertEquals(lendBatch(lib, batch, (s, a) => lib.symbols.zc_arrow_checksum(s, a, out)), 0);
      assertEquals(out[0], checksumBatch(batch));
      assert(buffers.length > 20);
      for (const buffer of buffers) buffer[Symbol.dispose]();
      const after = lib.stats();
      assertEquals(after.liveBuffers, before.liveBuffers, "the producer's release freed the batch");
    });
  }
});
