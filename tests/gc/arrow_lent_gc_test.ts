// Run with --v8-flags=--expose-gc: a batch lent to a nonblocking call, which
// the caller keeps no reference to, stays alive (structs and column buffers)
// until the call settles, while garbage collection runs and memory of the same
// size is allocated and filled with other values.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { tableFromArrays } from "apache-arrow";
import { lendBatch } from "../../arrow.ts";
import { open } from "../fixtures/arrow_demo.ts";
import { checksumBatch } from "../_arrow.ts";
import { lib } from "../_helpers.ts";
import { gc } from "./_collect.ts";

const arrowDemo = await open(lib.path);
const ROWS = 1 << 14;
const expected = checksumBatch(tableFromArrays(column()).batches[0]);

/** A fresh column, whose memory reports to `registry` when it is collected. */
function column(registry?: FinalizationRegistry<string>) {
  const value = Float64Array.from({ length: ROWS }, (_, i) => i + 0.5);
  registry?.register(value.buffer, "column");
  return { value };
}

/**
 * Collects garbage and refills freed memory of the column's size while the
 * call runs; returns whether the column was collected before it settled.
 */
async function collectedDuring(pending: Promise<unknown>, wasCollected: () => boolean): Promise<boolean> {
  let settled = false;
  let early = false;
  pending.then(() => settled = true, () => settled = true);
  const junk: Float64Array[] = [];
  for (let i = 0; i < 2000 && !settled; i++) {
    gc!();
    junk.push(new Float64Array(ROWS).fill(-7), new Float64Array(ROWS).fill(-7));
    if (junk.length > 16) junk.splice(0, 8);
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (!settled && wasCollected()) early = true;
  }
  return early;
}

describe("a batch lent to a nonblocking call and garbage collection", () => {
  it("needs --expose-gc to be tested", () => {
    assert(gc, "run this suite with --v8-flags=--expose-gc");
  });

  it("keeps what the generated wrapper lent until the call settles", async () => {
    let collected = false;
    const registry = new FinalizationRegistry<string>(() => collected = true);
    const out = new BigUint64Array(1);
    const pending = arrowDemo.zc_arrow_demo_checksum_after(tableFromArrays(column(registry)), 1000, out);
    assertEquals(
      await collectedDuring(pending, () => collected),
      false,
      "the lent column was collected during the call",
    );
    await pending;
    assertEquals(out[0], expected);
  });

  it("keeps what a nonblocking lendBatch passes alive until the Promise the call returned settles", async () => {
    let collected = false;
    const registry = new FinalizationRegistry<string>(() => collected = true);
    const out = new BigUint64Array(1);
    const library = arrowDemo.library;
    const pending = lendBatch(
      library,
      tableFromArrays(column(registry)).batches[0],
      (schema, array) => library.symbols.zc_arrow_demo_checksum_after(schema, array, 1000, out),
      { nonblocking: true },
    );
    // The column itself may go: Zig reads a shared copy, which the call holds.
    await collectedDuring(pending, () => collected);
    assertEquals(await pending, 0);
    assertEquals(out[0], expected);
  });
});
