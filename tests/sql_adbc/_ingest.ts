// What the ingest suites share: small batches of one column, counting rows,
// the error an ingest rejects with, and whether the batches a source yielded
// are all collected (nothing pins them).

import { assertEquals, assertRejects } from "@std/assert";
import { Int32, type RecordBatch, Table, vectorFromArray } from "apache-arrow";
import { ZeroCopyError } from "../../mod.ts";
import type { Connection } from "../../sql.ts";
import { gc } from "../gc/_collect.ts";
import { GROWING_QUEUE } from "../../src/arrow/lend_growing.ts";

export const ROWS = 1000;

export function batch(i: number): RecordBatch {
  return new Table({
    id: vectorFromArray(Array.from({ length: ROWS }, (_, j) => i * ROWS + j), new Int32()),
  }).batches[0];
}

/** The memory a batch's column views: what a lend pins (the batch object itself it does not keep). */
export function memoryOf(b: RecordBatch): ArrayBufferLike {
  return b.data.children[0].values.buffer;
}

/** Runs `ingest` reading ahead by batches only: these batches are small enough to be read ahead all at once. */
export async function byBatches<T>(ingest: () => Promise<T>): Promise<T> {
  const bytes = GROWING_QUEUE.bytes;
  GROWING_QUEUE.bytes = 0;
  try {
    return await ingest();
  } finally {
    GROWING_QUEUE.bytes = bytes;
  }
}

export async function scalar(conn: Connection, sql: string): Promise<number> {
  using result = await conn.query(sql);
  return Number(result.table.getChildAt(0)!.get(0));
}

export async function refused(promise: Promise<unknown>, code: string): Promise<ZeroCopyError> {
  const error = await assertRejects(() => promise, ZeroCopyError);
  assertEquals(error.code, code, error.message);
  return error;
}

/**
 * Whether every target is collected. Each round collects before it derefs, in
 * a fresh task: a target deref'd is kept for the rest of its task.
 */
export async function collected(refs: readonly WeakRef<object>[]): Promise<boolean> {
  for (let round = 0; round < 40; round++) {
    await new Promise((resolve) => setTimeout(resolve, round % 8 === 7 ? 5 : 0));
    gc!();
    if (refs.every((ref) => ref.deref() === undefined)) return true;
  }
  return false;
}

/** The memory of every batch a source yielded, weakly: all of it collected means no batch is pinned. */
export function tracked(): { keep(b: RecordBatch): RecordBatch; allGone(): Promise<boolean> } {
  const refs: WeakRef<ArrayBufferLike>[] = [];
  return {
    keep(b: RecordBatch): RecordBatch {
      refs.push(new WeakRef(memoryOf(b)));
      return b;
    },
    allGone: () => collected(refs),
  };
}
