// Arrow data registered with DuckDB (zig/zerocopy/sql/duckdb_scan.zig): the
// demo batch Zig hands over (every type the lend path supports, nulls, a slice
// offset) and tables built in JavaScript, queried with projections, filters,
// joins, many times and from two databases at once. Every expected value is
// computed here again from the row number (tests/_arrow.ts).

import { assert, assertEquals, assertRejects } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import {
  type DataType,
  Field,
  Float64,
  Int32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromArrays,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { connect, type Connection } from "../sql.ts";
import { adoptBatch, type ArrowBatch } from "../arrow.ts";
import { DEMO_COLUMNS, expectedValue, plain } from "./_arrow.ts";
import { lib } from "./_helpers.ts";
import { assertErrorCode, one } from "./_sql.ts";

const WITH_NULLS = 1;
const SLICED = 2;
const SLICE = 3; // zig/demo/demo_arrow.zig `sliced_rows`

function demoBatch(rows: number, options = WITH_NULLS | SLICED): ArrowBatch {
  return adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(BigInt(rows), options, out));
}

/** Rows `0 .. rows` of the demo batch whose value of `column` is not null. */
function validRows(rows: number): number[] {
  return Array.from({ length: rows }, (_, row) => row).filter((row) => (row + SLICE) % 4 !== 1);
}

describe("Arrow sources registered with DuckDB, scanned in place", () => {
  const rows = 5000; // three of DuckDB's vectors of 2,048 rows
  let conn: Connection;
  let batch: ArrowBatch;

  it("registers Zig's demo batch in O(1) and reads every column back as it was written", async () => {
    conn = await connect({ library: lib });
    batch = demoBatch(rows);
    await conn.register("demo", batch);
    using result = await conn.query("select * from demo order by i64 nulls last, u8");
    assertEquals(result.numRows, rows);
    assertEquals(result.table.schema.fields.map((f) => f.name), [...DEMO_COLUMNS]);
    // Rows in i64 order: the valid ones in row order, then the nulls (the other columns null too).
    const order = [
      ...validRows(rows),
      ...Array.from({ length: rows }, (_, r) => r).filter((r) => (r + SLICE) % 4 === 1),
    ];
    for (const at of [0, 1, 2, 1500, 2047, 2048, validRows(rows).length - 1, rows - 1]) {
      const p = order[at] + SLICE;
      const row = result.table.get(at)!;
      for (const column of DEMO_COLUMNS) {
        assertEquals(
          plain(column, row[column]),
          expectedValue(column, p, true),
          `${column} at row ${order[at]}`,
        );
      }
    }
  });

  it("reads nulls right whether the batch starts on a byte of its bitmap or inside one", async () => {
    for (const options of [WITH_NULLS, WITH_NULLS | SLICED]) {
      using nulls = demoBatch(rows, options);
      await conn.register("nulls", nulls);
      const shift = options & SLICED ? SLICE : 0;
      const valid = Array.from({ length: rows }, (_, r) => r + shift).filter((p) => p % 4 !== 1);
      const answer = await one(
        conn,
        "select count(i32)::integer as i32, count(utf8)::integer as utf8, count(point)::integer as point, count(point.x)::integer as x, count(f64)::integer as f64 from nulls",
      );
      const xs = valid.filter((p) => p % 5 !== 2).length;
      assertEquals(answer, {
        i32: valid.length,
        utf8: valid.length,
        point: valid.length,
        x: xs,
        f64: valid.length,
      });
      await conn.unregister("nulls");
    }
  });

  it("reads only the projected columns, in the order the query names them", async () => {
    using result = await conn.query("select utf8, i32, point from demo where i32 is not null and i8 % 3 = 0");
    assertEquals(result.table.schema.fields.map((f) => f.name), ["utf8", "i32", "point"]);
    const expected = validRows(rows).filter((row) =>
      Number(expectedValue("i8", row + SLICE, true)) % 3 === 0
    );
    assertEquals(result.numRows, expected.length);
    const seen = new Set<number>();
    for (const row of result.table) seen.add(row.i32);
    for (const row of expected) assert(seen.has(expectedValue("i32", row + SLICE, true) as number));
  });

  it("answers aggregates and filters over every numeric column as computed here", async () => {
    const answer = await one(
      conn,
      "select count(*)::integer as n, count(i64)::integer as valid, sum(f64) as f64, sum(i16)::bigint as i16, count(*) filter (where bool)::integer as truths, sum(length(utf8))::bigint as characters from demo",
    );
    const valid = validRows(rows);
    assertEquals(answer.n, rows);
    assertEquals(answer.valid, valid.length);
    assertEquals(answer.f64, valid.reduce((sum, r) => sum + (r + SLICE) * 0.5 - 3, 0));
    assertEquals(
      answer.i16,
      valid.reduce((sum, r) => sum + BigInt(expectedValue("i16", r + SLICE, true) as number), 0n),
    );
    assertEquals(answer.truths, valid.filter((r) => (r + SLICE) % 3 === 0).length);
    assertEquals(
      answer.characters,
      valid.reduce((sum, r) => sum + BigInt((expectedValue("utf8", r + SLICE, true) as string).length), 0n),
    );
  });

  it("joins the source with itself and with a native table", async () => {
    const self = await one(conn, "select count(*)::integer as n from demo a join demo b on a.i64 = b.i64");
    assertEquals(self.n, validRows(rows).length);
    await (await conn.query(
      "create table buckets as select range::integer as k, 'b' || range as label from range(7)",
    ))[Symbol.dispose]();
    using joined = await conn.query(
      "select label, count(*)::integer as n from demo join buckets on demo.point.x % 7 = buckets.k group by label order by label",
    );
    const counts = new Map<string, number>();
    for (const r of validRows(rows)) {
      const x = (expectedValue("point", r + SLICE, true) as { x: number | null }).x;
      if (x !== null) counts.set(`b${x % 7}`, (counts.get(`b${x % 7}`) ?? 0) + 1);
    }
    assertEquals(
      Object.fromEntries([...joined.table].map((row) => [row.label, row.n])),
      Object.fromEntries(counts),
    );
  });

  it("answers the same view many times, and from two databases scanning it at once", async () => {
    for (let k = 0; k < 25; k++) {
      assertEquals(
        (await one(conn, `select count(*)::integer as n from demo where u16 % 25 = ${k}`)).n,
        validRows(rows).filter((r) => Number(expectedValue("u16", r + SLICE, true)) % 25 === k).length,
      );
    }
    const big = demoBatch(200_000, 0);
    using other = await connect({ library: lib });
    await conn.register("big", big);
    await other.register("big", big);
    const expected = Array.from({ length: 200_000 }, (_, p) => p * 0.5 - 3).reduce((a, b) => a + b, 0);
    const answers = await Promise.all(
      Array.from(
        { length: 6 },
        (_, k) => (k % 2 === 0 ? conn : other).query("select sum(f64) as s, count(*)::integer as n from big"),
      ),
    );
    for (const answer of answers) {
      assertEquals(answer.table.get(0)!.toJSON(), { s: expected, n: 200_000 });
      answer[Symbol.dispose]();
    }
    await conn.unregister("big");
    await other.unregister("big");
    big[Symbol.dispose]();
  });

  it("scans a JavaScript table of several batches, with nulls and a sliced batch", async () => {
    const columns = (n: (number | null)[], x: number[]) =>
      new RecordBatch({
        n: vectorFromArray(n, new Int32()).data[0],
        x: vectorFromArray(x, new Float64()).data[0],
      });
    const first = columns([1, 2, 3, 4], [0.5, 1.5, 2.5, 3.5]);
    const strings = vectorFromArray(["a", null, "ccc", "dd"], new Utf8());
    const sliced = columns([10, null, 30, 40, 50], [1, 2, 3, 4, 5]).slice(1, 4); // rows 1..3: null, 30, 40
    await conn.register("js", new Table([first, sliced]));
    const answer = await one(
      conn,
      "select count(*)::integer as n, count(n)::integer as valid, sum(n)::integer as s, sum(x) as x from js",
    );
    assertEquals(answer, { n: 7, valid: 6, s: 1 + 2 + 3 + 4 + 30 + 40, x: 8 + 2 + 3 + 4 });
    await conn.register("strings", new RecordBatch({ s: strings.data[0] }));
    using texts = await conn.query("select s from strings");
    assertEquals([...texts.table].map((row) => row.s), ["a", null, "ccc", "dd"]);
  });

  it("scans timestamps of every unit, with and without a time zone", async () => {
    const ms = [Date.UTC(2024, 0, 2, 3, 4, 5), Date.UTC(1999, 11, 31, 23, 59, 59)];
    const column = <T extends DataType>(type: T) => vectorFromArray(ms, type).data[0];
    const batch = new RecordBatch({
      s: column(new TimestampSecond()),
      m: column(new TimestampMillisecond()),
      u: column(new TimestampMicrosecond("UTC")),
      n: column(new TimestampNanosecond()),
    });
    await conn.register("times", batch);
    using result = await conn.query(
      "select epoch_ms(s) as s, epoch_ms(m) as m, epoch_ms(u) as u, epoch_ms(n) as n, typeof(u) as zoned from times",
    );
    for (const [i, row] of [...result.table].entries()) {
      assertEquals({ ...row.toJSON() }, {
        s: BigInt(ms[i]),
        m: BigInt(ms[i]),
        u: BigInt(ms[i]),
        n: BigInt(ms[i]),
        zoned: "TIMESTAMP WITH TIME ZONE",
      });
    }
    await conn.unregister("times");
  });

  it("keeps a registered batch disposed meanwhile until unregister, whether registered itself or as a table", async () => {
    const kept = demoBatch(3000, 0);
    await conn.register("kept", kept); // held by Zig, by the batch's handle
    await conn.register("kept_table", kept.table); // lent: the buffer is pinned
    const before = lib.stats().liveBuffers;
    kept[Symbol.dispose]();
    assertEquals(lib.stats().liveBuffers, before, "the table's registration defers the dispose");
    const expected = Array.from({ length: 3000 }, (_, p) => p * 0.5 - 3).reduce((a, b) => a + b, 0);
    // The checked library faults on a read of freed memory: these read the disposed batch's.
    assertEquals((await one(conn, "select sum(f64) as s from kept_table")).s, expected);
    await conn.unregister("kept_table");
    assertEquals(lib.stats().liveBuffers, before - 1, "the deferred dispose runs at unregister");
    assertEquals((await one(conn, "select sum(f64) as s, max(utf8) as m from kept")).s, expected);
    await conn.unregister("kept");
    assertErrorCode(await assertRejects(() => conn.query("select * from kept")), "SQL_ERROR");
  });

  it("copies JavaScript memory at registration: moving or detaching it afterwards changes nothing", async () => {
    const values = new Int32Array([5, 6, 7]);
    await conn.register("moved", tableFromArrays({ v: values }));
    const moved = values.buffer.transfer(); // detaches the table's column
    assertEquals(values.length, 0);
    assertEquals((await one(conn, "select sum(v)::integer as s from moved")).s, 18);
    assertEquals(new Int32Array(moved)[0], 5);
    await conn.unregister("moved");
  });

  it("refuses what cannot be registered with a typed error", async () => {
    assertErrorCode(await assertRejects(() => conn.register("", batch)), "INVALID_ARGUMENT");
    assertErrorCode(await assertRejects(() => conn.register(7 as never, batch)), "INVALID_ARGUMENT");
    assertErrorCode(await assertRejects(() => conn.register("x\0y", batch)), "INVALID_ARGUMENT");
    assertErrorCode(await assertRejects(() => conn.register("demo", batch)), "INVALID_ARGUMENT"); // taken
    assertErrorCode(
      await assertRejects(() => conn.register("nope", { batches: [] } as never)),
      "INVALID_ARGUMENT",
    );
    assertErrorCode(await assertRejects(() => conn.unregister("never")), "INVALID_ARGUMENT");
    // apache-arrow's makeData trusts the length it is given: the lend checks it against the buffer.
    const lying = makeData({
      type: new Struct([new Field("v", new Int32())]),
      length: 1000,
      children: [makeData({ type: new Int32(), length: 1000, data: new Int32Array(10) })],
    });
    assertErrorCode(
      await assertRejects(() =>
        conn.register("lying", new RecordBatch(new Schema([new Field("v", new Int32())]), lying))
      ),
      "ARROW_INVALID",
    );
    // A name that needs quoting is a name, not SQL.
    await conn.register('we"ird; drop table buckets', batch);
    assertEquals(
      (await one(conn, 'select count(*)::integer as n from "we""ird; drop table buckets"')).n,
      rows,
    );
    assertEquals((await one(conn, "select count(*)::integer as n from buckets")).n, 7);
    await conn.unregister('we"ird; drop table buckets');
  });

  it("ends every registration at close, refuses registering after it, and frees what it held", async () => {
    const before = lib.stats().liveBuffers;
    const held = demoBatch(100, 0);
    await conn.register("held", held);
    held[Symbol.dispose]();
    conn.close();
    assertErrorCode(await assertRejects(() => conn.register("after", batch)), "DISPOSED");
    await conn.query("select 1").catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 10));
    assertEquals(
      lib.stats().liveBuffers,
      before,
      "the held batch, disposed while registered, is freed at close",
    );
    batch[Symbol.dispose]();
  });
});
