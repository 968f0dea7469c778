// `ingest` of an (async) iterable on the embedded DuckDB (src/sql/duckdb_ingest.ts):
// read a group of batches at a time, each group loaded before the next is
// asked for, all of it in one transaction, so a source failing midway loads
// nothing.

import { assert, assertEquals, assertRejects } from "@std/assert";
import { afterEach, beforeEach, describe, it } from "@std/testing/bdd";
import { type RecordBatch, Table, tableFromArrays } from "apache-arrow";
import { connect, type Connection } from "../sql.ts";
import { INGEST_GROUP } from "../src/sql/duckdb_ingest.ts";
import { lib } from "./_helpers.ts";
import { assertErrorCode, one } from "./_sql.ts";

const ROWS = 1000;

function batch(i: number): RecordBatch {
  return tableFromArrays({
    id: Int32Array.from({ length: ROWS }, (_, j) => i * ROWS + j),
    v: Float64Array.from({ length: ROWS }, (_, j) => (i * ROWS + j) * 0.5),
  }).batches[0];
}

const gc = (globalThis as { gc?: () => void }).gc;

describe("Connection.ingest of an async iterable on the embedded DuckDB", () => {
  let conn: Connection;
  const group = INGEST_GROUP.rows;

  beforeEach(async () => {
    conn = await connect({ library: lib });
    INGEST_GROUP.rows = 5 * ROWS; // groups of five batches
  });

  afterEach(() => {
    INGEST_GROUP.rows = group;
    conn.close();
  });

  it("loads every batch of many, a group at a time, letting go of each group once loaded", async () => {
    const batches = 40;
    const firstGroup: WeakRef<RecordBatch>[] = [];
    let released = false;
    async function* source() {
      for (let i = 0; i < batches; i++) {
        const b = batch(i);
        if (i < 5) firstGroup.push(new WeakRef(b));
        if (i === 20 && gc !== undefined) {
          // Three groups were loaded by now: the first is no longer held.
          await new Promise((resolve) => setTimeout(resolve, 0));
          gc();
          released = firstGroup.every((ref) => ref.deref() === undefined);
        }
        yield b;
      }
    }
    assertEquals(await conn.ingest("many", source()), batches * ROWS);
    const row = await one(
      conn,
      "select count(*)::integer as n, count(distinct id)::integer as d, sum(v) as s from many",
    );
    const n = batches * ROWS;
    assertEquals(row, { n, d: n, s: (n * (n - 1)) / 4 });
    if (gc !== undefined) {
      assert(released, "the first group's batches were let go of before the source ended");
    }
  });

  it("appends later groups whatever the mode, and counts every row", async () => {
    const source = function* () {
      for (let i = 0; i < 12; i++) yield batch(i);
    };
    assertEquals(await conn.ingest("t", source(), "create_append"), 12 * ROWS);
    assertEquals(await conn.ingest("t", source(), "create_append"), 12 * ROWS);
    assertEquals(await conn.ingest("t", source(), "replace"), 12 * ROWS);
    assertEquals(await conn.ingest("t", source(), "append"), 12 * ROWS);
    assertEquals((await one(conn, "select count(*)::integer as n from t")).n, 24 * ROWS);
  });

  it("loads nothing when the source throws midway, and says so with STREAM_FAILED", async () => {
    let finished = false;
    async function* failing() {
      try {
        for (let i = 0; i < 30; i++) {
          if (i === 17) throw new Error("the source broke");
          yield batch(i);
        }
      } finally {
        finished = true;
      }
    }
    const error = await assertRejects(() => conn.ingest("broken", failing()));
    assertErrorCode(error, "STREAM_FAILED");
    assertEquals(((error as Error).cause as Error).message, "the source broke");
    assert(finished);
    assertErrorCode(await assertRejects(() => conn.query("select * from broken")), "SQL_ERROR");
    // Appending to a table that exists: its rows are as before.
    assertEquals(await conn.ingest("kept", [batch(0)]), ROWS);
    await assertRejects(() => conn.ingest("kept", failing(), "append"));
    assertEquals((await one(conn, "select count(*)::integer as n from kept")).n, ROWS);
    // The connection goes on.
    assertEquals((await one(conn, "select 1 as one")).one, 1);
  });

  it("loads nothing when a later group is refused, and ends the source", async () => {
    let finished = false;
    async function* mixed() {
      try {
        for (let i = 0; i < 12; i++) yield batch(i);
        yield tableFromArrays({ other: new Int32Array([1]) }).batches[0];
        yield "not a batch";
      } finally {
        finished = true;
      }
    }
    await assertRejects(() => conn.ingest("mixed", mixed() as never));
    assert(finished);
    assertErrorCode(await assertRejects(() => conn.query("select * from mixed")), "SQL_ERROR");
    async function* notBatches() {
      try {
        yield batch(0);
        yield 42;
      } finally {
        finished = false;
      }
    }
    assertErrorCode(
      await assertRejects(() => conn.ingest("numbers", notBatches() as never)),
      "INVALID_ARGUMENT",
    );
    assert(!finished, "the generator was ended");
    assertErrorCode(await assertRejects(() => conn.query("select * from numbers")), "SQL_ERROR");
  });

  it("joins a transaction the caller opened, which decides", async () => {
    (await conn.query("begin transaction"))[Symbol.dispose]();
    const source = function* () {
      for (let i = 0; i < 12; i++) yield batch(i);
    };
    assertEquals(await conn.ingest("inside", source()), 12 * ROWS);
    assertEquals((await one(conn, "select count(*)::integer as n from inside")).n, 12 * ROWS);
    (await conn.query("rollback"))[Symbol.dispose]();
    assertErrorCode(await assertRejects(() => conn.query("select * from inside")), "SQL_ERROR");
  });

  it("loads a table by its one statement, with no transaction of its own, in the caller's when one is open", async () => {
    (await conn.query("call enable_logging('QueryLog')"))[Symbol.dispose]();
    const statements = async () =>
      (await one(conn, "select count(*)::integer as n from duckdb_logs where type = 'QueryLog'")).n as number;
    const parts = [batch(0), batch(1), batch(2)]; // one group of either
    const before = await statements();
    assertEquals(await conn.ingest("table", new Table(parts)), 3 * ROWS);
    const table = await statements() - before;
    const start = await statements();
    assertEquals(await conn.ingest("iterable", parts.values()), 3 * ROWS);
    const iterable = await statements() - start;
    // An iterable may be more groups than one: its ingest probes for the caller's transaction, then opens one.
    assertEquals(iterable - table, 4, `a table ran ${table} statements, an iterable ${iterable}`);
    (await conn.query("begin transaction"))[Symbol.dispose]();
    assertEquals(await conn.ingest("inside", new Table(parts)), 3 * ROWS);
    (await conn.query("rollback"))[Symbol.dispose]();
    assertErrorCode(await assertRejects(() => conn.query("select * from inside")), "SQL_ERROR");
  });

  it("refuses an empty source with INVALID_ARGUMENT and leaves no transaction open", async () => {
    assertErrorCode(
      await assertRejects(() => conn.ingest("empty", (async function* () {})())),
      "INVALID_ARGUMENT",
    );
    (await conn.query("begin transaction"))[Symbol.dispose]();
    (await conn.query("commit"))[Symbol.dispose]();
  });
});
