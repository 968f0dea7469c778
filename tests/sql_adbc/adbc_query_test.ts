// SQL through ADBC drivers (SQLite, DuckDB's driver, and PostgreSQL when a
// server runs): data built in Deno is ingested, queried back with projections,
// filters and joins (with itself and with a table made in SQL), nulls kept;
// many and concurrent queries; streams of large results read batch by batch.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { Bool, Float64, Int32, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { drivers, tableName } from "./_drivers.ts";

const ROWS = 3000;

/** `ROWS` rows: id, a float, a string with nulls, a group, a bool with nulls. */
function sample(rows = ROWS): Table {
  const ids = Array.from({ length: rows }, (_, i) => i);
  return new Table({
    id: vectorFromArray(ids, new Int32()),
    v: vectorFromArray(ids.map((i) => i * 1.5), new Float64()),
    s: vectorFromArray(ids.map((i) => (i % 7 === 3 ? null : `r${i}`)), new Utf8()),
    g: vectorFromArray(ids.map((i) => BigInt(i % 10)), new Int64()),
    b: vectorFromArray(ids.map((i) => (i % 11 === 5 ? null : i % 2 === 0)), new Bool()),
  });
}

/** Rows as plain values, integers as numbers and booleans as 0/1 (SQLite has no bool type). */
function rows(table: Table): unknown[][] {
  return table.toArray().map((row) =>
    Object.values(row.toJSON()).map((value) =>
      typeof value === "bigint" ? Number(value) : typeof value === "boolean" ? Number(value) : value
    )
  );
}

for (const driver of drivers) {
  describe(`ADBC ${driver.name}`, () => {
    it("ingests a table built in Deno and reads it back, nulls included", async () => {
      await using conn = await driver.connect();
      const t = tableName("sample");
      const source = sample();
      const loaded = await conn.ingest(t, source);
      assert(loaded === ROWS || loaded === -1, `ingest reported ${loaded}`);
      using back = await conn.query(`select id, v, s, g, b from ${t} order by id`);
      assertEquals(back.numRows, ROWS);
      assertEquals(rows(back.table), rows(source));
      assertEquals(back.table.getChild("s")?.nullCount, Math.ceil((ROWS - 3) / 7));
      await (await conn.query(`drop table ${t}`))[Symbol.dispose]();
    });

    it("projects, filters, aggregates and joins, with itself and with a table made in SQL", async () => {
      await using conn = await driver.connect();
      const t = tableName("joined");
      const u = tableName("native");
      await conn.ingest(t, sample());
      (await conn.query(`create table ${u} as select i as k, i * 2 as twice from (${driver.series(10)}) q`))
        [Symbol.dispose]();
      using projected = await conn.query(`select s from ${t} where id % 500 = 1 order by id`);
      assertEquals(projected.table.schema.fields.map((f) => f.name), ["s"]);
      assertEquals(projected.table.getChild("s")?.toArray(), ["r1", "r501", "r1001", null, "r2001", "r2501"]);
      using grouped = await conn.query(
        `select g, count(*) as n, sum(v) as total from ${t} group by g order by g`,
      );
      assertEquals(grouped.numRows, 10);
      assertEquals(Number(grouped.table.getChild("n")?.get(0)), ROWS / 10);
      let expected = 0;
      for (let i = 0; i < ROWS; i += 10) expected += i * 1.5;
      assertEquals(Number(grouped.table.getChild("total")?.get(0)), expected);
      using self = await conn.query(
        `select a.id, b.s from ${t} a join ${t} b on a.id = b.id + 1 where a.id < 6 order by a.id`,
      );
      assertEquals(rows(self.table), [[1, "r0"], [2, "r1"], [3, "r2"], [4, null], [5, "r4"]]);
      using native = await conn.query(
        `select ${t}.id, ${u}.twice from ${t} join ${u} on ${t}.g = ${u}.k where ${t}.id < 4 order by ${t}.id`,
      );
      assertEquals(rows(native.table), [[0, 0], [1, 2], [2, 4], [3, 6]]);
      for (const name of [t, u]) (await conn.query(`drop table ${name}`))[Symbol.dispose]();
    });

    it("appends batches from an iterable, then binds parameters", async () => {
      await using conn = await driver.connect();
      const t = tableName("appended");
      const whole = sample(100);
      await conn.ingest(t, [whole.slice(0, 40).batches[0], whole.slice(40).batches[0]]);
      const marker = driver.name === "sqlite" ? "?" : "$1";
      using found = await conn.query(`select count(*) as n from ${t} where id >= ${marker}`, [90n]);
      assertEquals(Number(found.table.getChild("n")?.get(0)), 10);
      using named = await conn.query(`select id from ${t} where s = ${marker}`, ["r42"]);
      assertEquals(rows(named.table), [[42]]);
      (await conn.query(`drop table ${t}`))[Symbol.dispose]();
    });

    it("answers many queries in turn and concurrent ones in order", async () => {
      await using conn = await driver.connect();
      for (let i = 0; i < 40; i++) {
        using r = await conn.query(`select ${i} as n`);
        assertEquals(Number(r.table.getChild("n")?.get(0)), i);
      }
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => conn.query(`select ${i} * 3 as n`)),
      );
      assertEquals(
        results.map((r) => Number(r.table.getChild("n")?.get(0))),
        Array.from({ length: 12 }, (_, i) => i * 3),
      );
      for (const r of results) r[Symbol.dispose]();
    });

    it("streams a large result batch by batch, and stops early when disposed", async () => {
      await using conn = await driver.connect();
      const sql = `select i, i * 2 as twice from (${driver.series(100_000)}) q`;
      let rowsSeen = 0;
      let batches = 0;
      for await (const batch of conn.queryStream(sql)) {
        using _ = batch;
        rowsSeen += batch.numRows;
        batches++;
      }
      assertEquals(rowsSeen, 100_000);
      // PostgreSQL's driver fills batches of 16 MB: these rows are one.
      if (driver.name !== "postgresql") assert(batches > 1, `one batch of ${rowsSeen} rows: not streamed`);
      const stream = conn.queryStream(sql);
      const first = await stream.next();
      assert(!first.done);
      first.value[Symbol.dispose]();
      stream[Symbol.dispose]();
      using after = await conn.query("select 1 as one");
      assertEquals(Number(after.table.getChild("one")?.get(0)), 1);
    });
  });
}
