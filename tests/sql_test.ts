// The SQL subpath against DuckDB embedded (libduckdb from the pinned npm
// package), and the adoption of foreign Arrow arrays it rests on, against a
// producer of the test hooks whose release counts itself. Every expected value
// is computed here again from the row number.

import { assert, assertEquals, assertRejects, assertStringIncludes, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { connect, type Connection, DUCKDB_VERSION, QueryResult } from "../sql.ts";
import { openLibrary, ZeroCopyError } from "../mod.ts";
import { cDataSymbols } from "../src/abi/symbols.ts";
import { testHooksSymbols } from "./fixtures/test_hooks.ts";
import { adoptForeign } from "./_foreign.ts";
import { ARRAY_BYTES, SCHEMA_BYTES } from "../src/arrow/c_data.ts";
import { hooks, lib } from "./_helpers.ts";

/** The hooks library (its producer, and libzerocopy's adoption, sharing one set of counters). */
const producer = await openLibrary({ path: hooks.path, symbols: { ...cDataSymbols, ...testHooksSymbols } });

/** A batch of the hooks' foreign producer (zig/fixtures/foreign_producer.zig), adopted. */
function producerBatch(rows: number, lie = 0): QueryResult {
  const schema = new Uint8Array(SCHEMA_BYTES);
  const array = new Uint8Array(ARRAY_BYTES);
  assertEquals(producer.symbols.zc_test_foreign_batch(rows, lie, schema, array), 0);
  try {
    const adopted = adoptForeign(producer as never, schema, array);
    return new QueryResult([adopted.batch], adopted.buffers);
  } finally {
    producer.symbols.zc_arrow_foreign_release(schema, null);
  }
}

const releases = () => Number(producer.symbols.zc_test_foreign_releases());

function assertCode(error: unknown, code: string): void {
  assert(error instanceof ZeroCopyError, `expected a ZeroCopyError, got ${error}`);
  assertEquals(error.code, code);
}

describe("foreign Arrow arrays adopted in place", () => {
  it("reads every column of a foreign batch as the producer wrote it", () => {
    using result = producerBatch(1000);
    const table = result.table;
    assertEquals(table.numRows, 1000);
    assertEquals(table.schema.fields.map((f) => `${f.name}:${f.type}`), [
      "n:Int64",
      "x:Float64",
      "s:Utf8",
      "b:Bool",
    ]);
    for (const i of [0, 1, 2, 3, 4, 9, 500, 999]) {
      assertEquals(table.getChild("n")!.get(i), i % 5 === 4 ? null : BigInt(3 * i));
      assertEquals(table.getChild("x")!.get(i), i / 2);
      assertEquals(table.getChild("s")!.get(i), "ab".slice(0, i % 3));
      assertEquals(table.getChild("b")!.get(i), i % 3 === 0);
    }
    assertEquals(table.getChild("n")!.nullCount, 200);
  });

  it("runs the producer's release exactly once, at dispose, and counts its buffers live until then", () => {
    const before = producer.stats();
    const released = releases();
    const result = producerBatch(100);
    // n: validity + values, x: values, s: offsets + characters, b: bits.
    assertEquals(producer.stats().liveBuffers, before.liveBuffers + 6);
    assertEquals(releases(), released);
    result[Symbol.dispose]();
    result[Symbol.dispose]();
    assertEquals(releases(), released + 1);
    assertEquals(producer.stats().liveBuffers, before.liveBuffers);
    assertEquals(producer.stats().liveBytes, before.liveBytes);
  });

  it("throws DISPOSED for a result, or a table kept from it, used after dispose", () => {
    const result = producerBatch(10);
    const table = result.table;
    result[Symbol.dispose]();
    assert(result.disposed);
    assertCode(assertThrows(() => result.table), "DISPOSED");
    assertCode(assertThrows(() => result.numRows), "DISPOSED");
    assertCode(assertThrows(() => table.getChild("n")!.get(1)), "DISPOSED");
  });

  for (
    const [lie, code, what] of [
      [1, "ARROW_INVALID", "offset of a utf8"],
      [2, "ARROW_INVALID", "length"],
      [3, "ARROW_UNSUPPORTED", '"+m"'],
    ] as const
  ) {
    it(`refuses a foreign batch that lies (${what}) and releases it once through its producer`, () => {
      const before = producer.stats();
      const released = releases();
      const error = assertThrows(() => producerBatch(100, lie));
      assertCode(error, code);
      assertStringIncludes((error as Error).message, what);
      // Each lie is named for what it is: a length lie is not blamed on an offset.
      if (lie === 2) assert(!(error as Error).message.includes("utf8 offset"), (error as Error).message);
      assertEquals(releases(), released + 1);
      assertEquals(producer.stats().liveBuffers, before.liveBuffers);
    });
  }

  it("adopts an empty foreign batch, releasing it at once since nothing views it", () => {
    const released = releases();
    using result = producerBatch(0);
    assertEquals(result.numRows, 0);
    assertEquals(releases(), released + 1);
  });
});

/** Sums `column` of `result` (numbers or bigints as numbers), nulls left out. */
function sum(result: QueryResult, column: string): number {
  let total = 0;
  for (const value of result.table.getChild(column)!) if (value !== null) total += Number(value);
  return total;
}

describe(`DuckDB ${DUCKDB_VERSION} embedded, results read as Arrow in place`, () => {
  let conn: Connection;

  it("connects to an in-memory database", async () => {
    conn = await connect({ library: lib });
    assert(!conn.closed);
  });

  it("answers int, float, utf8 and bool columns with nulls, as computed here", async () => {
    const rows = 5000; // three of DuckDB's chunks of 2,048 rows
    using result = await conn.query(`
      select i::integer as i, i / 4 as f,
             case when i % 7 = 3 then null else 'r' || i end as s,
             case when i % 11 = 5 then null else i % 2 = 0 end as b
      from range(${rows}) t(i) order by i`);
    assertEquals(result.numRows, rows);
    assertEquals(result.batches.length, 3);
    const table = result.table;
    assertEquals(table.schema.fields.map((f) => `${f.name}:${f.type}`), [
      "i:Int32",
      "f:Float64",
      "s:Utf8",
      "b:Bool",
    ]);
    let row = 0;
    for (const value of table) {
      assertEquals(value.i, row);
      assertEquals(value.f, row / 4);
      assertEquals(value.s, row % 7 === 3 ? null : `r${row}`);
      assertEquals(value.b, row % 11 === 5 ? null : row % 2 === 0);
      row++;
    }
    assertEquals(row, rows);
    assertEquals(sum(result, "i"), rows * (rows - 1) / 2);
  });

  it("answers fixed-size lists, structs with nulls and timestamps, as computed here", async () => {
    using result = await conn.query(`
      select [i, i + 1, i + 2]::integer[3] as a, {'x': i::integer, 'y': 'z' || i} as st,
             case when i % 4 = 1 then null else {'x': i::integer} end as ns,
             '2024-01-02 03:04:05'::timestamp + to_seconds(i) as ts
      from range(3000) t(i) order by i`);
    const table = result.table;
    assertEquals(table.schema.fields.map((f) => `${f.name}:${f.type}`), [
      "a:FixedSizeList[3]<Int32>",
      "st:Struct<{x:Int32, y:Utf8}>",
      "ns:Struct<{x:Int32}>",
      "ts:Timestamp<MICROSECOND>",
    ]);
    const base = Date.UTC(2024, 0, 2, 3, 4, 5);
    for (const i of [0, 1, 2, 2047, 2048, 2999]) {
      const row = table.get(i)!;
      assertEquals([...row.a], [i, i + 1, i + 2]);
      assertEquals(row.st.toJSON(), { x: i, y: `z${i}` });
      assertEquals(row.ns === null ? null : row.ns.toJSON(), i % 4 === 1 ? null : { x: i });
      assertEquals(row.ts, base + i * 1000);
    }
  });

  it("answers an aggregate over a table it created", async () => {
    (await conn.query(
      "create table readings as select range as id, range * 1.5::double as v from range(100000)",
    ))
      [Symbol.dispose]();
    using result = await conn.query(
      "select id % 10 as bucket, count(*)::bigint as n, sum(v) as total from readings group by 1 order by 1",
    );
    assertEquals(result.numRows, 10);
    for (let bucket = 0; bucket < 10; bucket++) {
      let expected = 0;
      for (let id = bucket; id < 100000; id += 10) expected += id * 1.5;
      const row = result.table.get(bucket)!;
      assertEquals(row.bucket, BigInt(bucket));
      assertEquals(row.n, 10000n);
      assertEquals(row.total, expected);
    }
  });

  it("gives every result's memory back exactly once over many queries", async () => {
    const before = lib.stats();
    for (let k = 0; k < 50; k++) {
      using result = await conn.query(`select ${k} + i::integer as v, 'x' || i as s from range(300) t(i)`);
      assertEquals(sum(result, "v"), 300 * k + 299 * 300 / 2);
    }
    const after = lib.stats();
    assertEquals(after.liveBuffers, before.liveBuffers);
    assertEquals(after.liveBytes, before.liveBytes);
    assertEquals(after.totalReleased - before.totalReleased, after.totalHandedOver - before.totalHandedOver);
  });

  it("runs queries asked at once one after another, each with its own answer", async () => {
    const results = await Promise.all(
      Array.from(
        { length: 8 },
        (_, k) => conn.query(`select ${k}::integer as k, count(*)::integer as n from range(${k * 1000})`),
      ),
    );
    results.forEach((result, k) => {
      assertEquals(result.table.get(0)!.toJSON(), { k, n: k * 1000 });
      result[Symbol.dispose]();
    });
  });

  it("runs statements asked at once in the order asked, each seeing the ones before", async () => {
    const steps = [
      conn.query("create table ordered (step integer)"),
      ...Array.from(
        { length: 20 },
        () => conn.query("insert into ordered select coalesce(max(step), 0) + 1 from ordered"),
      ),
      conn.query("select string_agg(step::varchar, ',' order by step) as steps from ordered"),
    ];
    const results = await Promise.all(steps);
    const last = results.at(-1)!;
    assertEquals(last.table.get(0)!.steps, Array.from({ length: 20 }, (_, k) => k + 1).join(","));
    for (const result of results) result[Symbol.dispose]();
  });

  it("answers a query of no rows with an empty result", async () => {
    using result = await conn.query("select 1 as one where false");
    assertEquals(result.numRows, 0);
  });

  it("turns bad SQL into SQL_ERROR carrying DuckDB's message", async () => {
    const error = await assertRejects(() => conn.query("selec 1"));
    assertCode(error, "SQL_ERROR");
    assertStringIncludes((error as Error).message, "syntax error");
    const missing = await assertRejects(() => conn.query("select * from no_such_table"));
    assertCode(missing, "SQL_ERROR");
    assertStringIncludes((missing as Error).message, "no_such_table");
  });

  it("refuses a result column of a type not read yet, naming its format, and leaks nothing", async () => {
    const before = lib.stats();
    const error = await assertRejects(() => conn.query("select map([1], [2]) as m"));
    assertCode(error, "ARROW_UNSUPPORTED");
    assertStringIncludes((error as Error).message, '"+m"');
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  });

  it("answers a query of no rows with the schema of its columns", async () => {
    using result = await conn.query("select 1::integer as a, 'x' as b, 2.5::double as c where false");
    assertEquals(result.numRows, 0);
    assertEquals(result.table.schema.fields.map((f) => `${f.name}:${f.type}`), [
      "a:Int32",
      "b:Utf8",
      "c:Float64",
    ]);
  });

  it("binds parameters of every kind, in order, through a prepared statement", async () => {
    using result = await conn.query(
      "select ?::bigint as big, ?::integer as small, ? as d, ? as s, ? as t, ?::integer as z, $1::bigint + 1 as again",
      [2n ** 62n, 7, 0.25, "zero\u00e9copy", true, null],
    );
    assertEquals(result.table.get(0)!.toJSON(), {
      big: 2n ** 62n,
      small: 7,
      d: 0.25,
      s: "zero\u00e9copy",
      t: true,
      z: null,
      again: 2n ** 62n + 1n,
    });
    using filtered = await conn.query(
      "select count(*)::integer as n from range(1000) t(i) where i < ? and i % ? = 0",
      [
        500,
        7,
      ],
    );
    assertEquals(filtered.table.get(0)!.toJSON(), { n: 72 });
  });

  it("refuses parameters of the wrong number or kind with a typed error", async () => {
    assertCode(await assertRejects(() => conn.query("select ? as a, ? as b", [1])), "SQL_ERROR");
    assertCode(await assertRejects(() => conn.query("select ? as a", [1, 2])), "SQL_ERROR");
    assertCode(await assertRejects(() => conn.query("select ? as a", [{}] as never)), "INVALID_ARGUMENT");
    assertCode(await assertRejects(() => conn.query("select ? as a", [2n ** 64n])), "INVALID_ARGUMENT");
    assertCode(await assertRejects(() => conn.query("select 1", 5 as never)), "INVALID_ARGUMENT");
  });

  it("streams a large result a batch at a time, giving every batch and the result back once", async () => {
    const before = lib.stats();
    let total = 0;
    let batches = 0;
    for await (using batch of conn.queryStream("select range::integer as i from range(100000)")) {
      for (const i of batch.table.getChild("i")!) total += i;
      batches++;
    }
    assertEquals(total, 100000 * 99999 / 2);
    assert(batches >= 49, `${batches} batches`);
    // Broken off early: the result is given back, and the connection answers again.
    for await (using first of conn.queryStream("select range from range(100000)")) {
      assertEquals(first.numRows > 0, true);
      break;
    }
    {
      using after = await conn.query("select 5 as five");
      assertEquals(after.table.get(0)!.toJSON(), { five: 5 });
    }
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
    // A streamed result of no rows ends after its one empty batch, which carries the columns.
    const none: number[] = [];
    for await (using nothing of conn.queryStream("select range from range(10) where range > 100")) {
      none.push(nothing.numRows);
      assertEquals(nothing.table.schema.fields.map((field) => field.name), ["range"]);
    }
    assertEquals(none, [0]);
    const streamed = conn.queryStream("selec nothing");
    assertCode(await assertRejects(() => streamed.next()), "SQL_ERROR");
  });

  it("refuses map and union result columns, naming the format, until cast", async () => {
    for (
      const [query, format] of [["select map([1], [2]) as x", '"+m"'], [
        "select union_value(k := 1) as x",
        '"+u',
      ]]
    ) {
      const error = await assertRejects(() => conn.query(query));
      assertCode(error, "ARROW_UNSUPPORTED");
      assertStringIncludes((error as Error).message, format);
    }
  });

  it("refuses SQL that is not a string with INVALID_ARGUMENT", async () => {
    assertCode(await assertRejects(() => conn.query(42 as unknown as string)), "INVALID_ARGUMENT");
  });

  it("keeps a result readable after its connection closes, and refuses queries after close", async () => {
    const result = await conn.query("select 'kept' as s");
    conn.close();
    conn.close();
    assert(conn.closed);
    assertCode(await assertRejects(() => conn.query("select 1")), "DISPOSED");
    assertEquals(result.table.getChild("s")!.get(0), "kept");
    result[Symbol.dispose]();
  });
});
