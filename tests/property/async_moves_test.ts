// Property test of moves during nonblocking calls: random calls in flight at
// once (a buffer's histogram, a lent apache-arrow table built in Deno, a batch
// Zig handed over, each with a lent out-parameter), while the caller moves,
// resizes, disposes and drops what it passed. Every call reads what was there
// when it began, or rejects with a ZeroCopyError; nothing crashes; and once
// everything settles and is disposed, nothing Zig handed over is left live.
// Under the mapping ZEROCOPY_MAPPING names; ZEROCOPY_PROPERTY_RUNS sets the runs.

import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { tableFromArrays } from "apache-arrow";
import { ZeroCopyError } from "../../mod.ts";
import { lendBatch } from "../../arrow.ts";
import { open } from "../fixtures/arrow_demo.ts";
import { checksumBatch } from "../_arrow.ts";
import { demo, lib } from "../_helpers.ts";
import { RUNS } from "./_run.ts";
import { collect } from "../gc/_collect.ts";

const arrowDemo = await open(lib.path);

type Call = "histogram" | "plainTable" | "zigBatch";
type Meddle = "none" | "transfer" | "transferShorter" | "dispose" | "drop" | "moveOut";

const calls = fc.array(
  fc.record({
    call: fc.constantFrom<Call>("histogram", "plainTable", "zigBatch"),
    rows: fc.integer({ min: 1, max: 3000 }),
    meddle: fc.constantFrom<Meddle>("none", "transfer", "transferShorter", "dispose", "drop", "moveOut"),
  }),
  { minLength: 1, maxLength: 4 },
);

/** Disposes what may have been moved: under pointer-view that refuses, once, with MOVED (docs/safety.md). */
function release(owner: Disposable): void {
  try {
    owner[Symbol.dispose]();
  } catch (error) {
    assert(error instanceof ZeroCopyError && error.code === "MOVED", String(error));
  }
}

/** Moves `memory` away as a careless caller would, unless `meddle` disposes instead. */
function move(memory: ArrayBufferLike, meddle: Meddle): void {
  if (meddle === "transferShorter") (memory as ArrayBuffer).transfer(8);
  else (memory as ArrayBuffer).transfer();
}

/**
 * Starts one call and meddles with what it passed. Resolves once the call
 * read what was there when it began; the only refusal allowed is the lent
 * out-parameter moved away during the call, which loses the result.
 */
async function start(call: Call, rows: number, meddle: Meddle): Promise<void> {
  const out = new BigUint64Array(1);
  const disposing = meddle === "dispose" || meddle === "drop";
  if (call === "histogram") {
    const bytes = demo.generate("u8", rows);
    const expected = new Array(256).fill(0);
    for (const byte of bytes.view) expected[byte]++;
    const running = demo.bindings.zc_histogram(bytes, 200);
    if (disposing) bytes[Symbol.dispose]();
    else if (meddle !== "none") move(bytes.view.buffer, meddle);
    using counts = await running;
    assertEquals([...counts.view].map(Number), expected);
    release(bytes);
  } else if (call === "plainTable") {
    const values = Float64Array.from({ length: rows }, (_, i) => i * 0.5);
    const table = tableFromArrays({ values });
    const expected = checksumBatch(table.batches[0]);
    const running = arrowDemo.zc_arrow_demo_checksum_after(table, 1, out);
    if (meddle === "moveOut") out.buffer.transfer();
    else if (!disposing && meddle !== "none") move(values.buffer, meddle);
    try {
      await running;
    } catch (error) {
      assert(error instanceof ZeroCopyError && error.code === "DETACHED", String(error));
      assertEquals(meddle, "moveOut");
      return;
    }
    assertEquals(out[0], expected);
  } else {
    const batch = arrowDemo.zc_arrow_demo_table(rows, 1);
    const expected = checksumBatch(batch.recordBatch);
    const running = lendBatch(
      arrowDemo.library,
      batch.recordBatch,
      (schema, array) => arrowDemo.library.symbols.zc_arrow_demo_checksum_after(schema, array, 1, out),
      { nonblocking: true },
    );
    if (disposing) batch[Symbol.dispose]();
    else if (meddle !== "none") move(batch.memory.view.buffer, meddle);
    assertEquals(await running, 0);
    assertEquals(out[0], expected);
    release(batch);
  }
}

/** Live buffers, less those each opened library left allocated on purpose (pointer-view, counted per library). */
function unexplained(): number {
  const libraries = new Set([lib, demo.library, arrowDemo.library]);
  let abandoned = 0;
  for (const library of libraries) abandoned += library.stats().abandonedBuffers;
  return lib.stats().liveBuffers - abandoned;
}

Deno.test(`nonblocking calls whose arguments are moved, disposed or dropped meanwhile: ${RUNS} runs`, async () => {
  const before = unexplained();
  await fc.assert(
    fc.asyncProperty(calls, async (batch) => {
      await Promise.all(batch.map(({ call, rows, meddle }) => start(call, rows, meddle)));
    }),
    { numRuns: Math.max(1, Math.floor(RUNS / 10)) },
  );
  // Moved memory is freed when its ArrayBuffer dies (Node-API) or counted abandoned (pointer-view).
  await collect(() => unexplained() === before);
  assertEquals(unexplained(), before, `live buffers unexplained: ${JSON.stringify(lib.stats())}`);
});
