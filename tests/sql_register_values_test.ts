// More Arrow types a registered source is scanned from
// (zig/zerocopy/sql/duckdb_vectors.zig, duckdb_dictionary.zig): fixed-size
// binary, intervals of the three units, decimal256, and dictionaries of
// values other than strings, both as DuckDB dictionary vectors (a dictionary
// no longer than its rows) and expanded row by row. Each is compared with
// values computed here, with nulls and sliced, and given memory that lies.

import { assert, assertEquals, assertRejects } from "@std/assert";
import { afterAll, beforeAll, describe, it } from "@std/testing/bdd";
import {
  type Data,
  type DataType,
  DateDay,
  Decimal,
  Dictionary,
  Field,
  FixedSizeBinary,
  Float64,
  Int32,
  Int8,
  IntervalDayTime,
  IntervalMonthDayNano,
  IntervalYearMonth,
  List,
  makeData,
  makeVector,
  Map_,
  RecordBatch,
  Struct,
  Uint16,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { connect, type Connection } from "../sql.ts";
import { adoptBatch } from "../arrow.ts";
import type { Descriptor } from "../src/buffer/descriptor.ts";
import { open } from "./fixtures/arrow_demo.ts";
import { lib } from "./_helpers.ts";
import { assertErrorCode as assertCode, rows } from "./_sql.ts";

/** A query refused by the scan, with a message naming the column and the source. */
async function scanRefused(conn: Connection, sql: string, column: string): Promise<void> {
  const error = await assertRejects(() => conn.query(sql));
  assertCode(error, "SQL_ERROR");
  assert(String(error).includes(`column "${column}" of a registered Arrow source`), String(error));
}

/** A null bitmap of `values`, one bit a row. */
function bitmap(values: unknown[]): Uint8Array {
  const bits = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => v !== null && (bits[i >> 3] |= 1 << (i & 7)));
  return bits;
}

/** Data of `type` whose values are `words` 32-bit words a row, little-endian first. */
function wordsData(type: DataType, values: (bigint[] | null)[], words: number): Data {
  const data = new Int32Array(values.length * words);
  values.forEach((v, i) => v?.forEach((w, k) => data[i * words + k] = Number(BigInt.asIntN(32, w))));
  return makeData({
    type,
    length: values.length,
    nullCount: values.filter((v) => v === null).length,
    nullBitmap: bitmap(values),
    data: type instanceof Decimal ? new Uint32Array(data.buffer) : data,
  } as never);
}

/** An integer as `n` little-endian 32-bit words. */
function words(value: bigint, n: number): bigint[] {
  let x = BigInt.asUintN(32 * n, value);
  return Array.from({ length: n }, () => {
    const w = x & 0xffffffffn;
    x >>= 32n;
    return w;
  });
}

/** An interval as the query result reads it back: DuckDB's months, days and microseconds. */
function interval(value: unknown): [number, number, bigint] | null {
  if (value === null) return null;
  const w = value as Int32Array;
  return [w[0], w[1], ((BigInt(w[3]) << 32n) | BigInt(w[2] >>> 0)) / 1000n];
}

describe("registered sources of fixed-size binary, intervals, decimal256 and dictionaries of any value", () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await connect({ library: lib });
  });
  afterAll(() => conn.close());

  it("scans fixed-size binary as BLOB, with nulls and sliced", async () => {
    const values = [new Uint8Array([0, 1, 255]), null, new Uint8Array([7, 7, 7]), new Uint8Array([9, 8, 0])];
    const hex = (b: Uint8Array | null) =>
      b === null ? null : [...b].map((x) => x.toString(16).padStart(2, "0")).join("").toUpperCase();
    const batch = new RecordBatch({ f: vectorFromArray(values, new FixedSizeBinary(3)).data[0] });
    await conn.register("fixed", batch);
    assertEquals(
      await rows(conn, "select hex(f) as f, typeof(f) as t from fixed"),
      values.map((v) => ({ f: hex(v), t: "BLOB" })),
    );
    await conn.unregister("fixed");
    await conn.register("fixed", batch.slice(1, 4));
    assertEquals(
      (await rows(conn, "select hex(f) as f from fixed")).map((r) => r.f),
      values.slice(1).map(hex),
    );
    await conn.unregister("fixed");
  });

  it("scans intervals of months, of days and milliseconds, and of months, days and nanoseconds as INTERVAL", async () => {
    const months = [14n, -3n, null, 0n];
    const dayTimes = [[2n, 1500n], [-1n, -20n], null, [0n, 86_399_999n]];
    const mdn = [[1n, 2n, 3_000_999n], null, [-5n, 40n, -7_000_000_001n], [0n, 0n, 2n ** 40n]];
    await conn.register(
      "spans",
      new RecordBatch({
        m: wordsData(new IntervalYearMonth(), months.map((m) => m === null ? null : [m]), 1),
        d: wordsData(new IntervalDayTime(), dayTimes, 2),
        n: wordsData(
          new IntervalMonthDayNano(),
          mdn.map((v) => v === null ? null : [v[0], v[1], ...words(v[2], 2)]),
          4,
        ),
      }),
    );
    // Read while the result is alive: an interval is a view of its memory.
    using result = await conn.query("select m, d, n, typeof(n) as t from spans");
    const answer = [...result.table].map((r) => [interval(r.m), interval(r.d), interval(r.n), r.t]);
    assertEquals(
      answer,
      months.map((m, i) => {
        const d = dayTimes[i];
        const n = mdn[i];
        return [
          m === null ? null : [Number(m), 0, 0n],
          d === null ? null : [0, Number(d[0]), d[1] * 1000n],
          // Nanoseconds cut toward zero to DuckDB's microseconds, as its own Arrow scan does.
          n === null ? null : [Number(n[0]), Number(n[1]), n[2] / 1000n],
          "INTERVAL",
        ];
      }),
    );
    await conn.unregister("spans");
  });

  it("scans decimal256 of up to 38 digits as DECIMAL, and refuses a value that needs more", async () => {
    const decimal = (precision: number, scale: number, values: (bigint | null)[]) =>
      wordsData(new Decimal(scale, precision, 256), values.map((v) => v === null ? null : words(v, 8)), 8);
    const cases: [number, number, (bigint | null)[], (string | null)[]][] = [
      [4, 1, [1234n, -5n, null], ["123.4", "-0.5", null]],
      [18, 2, [10n ** 17n, -1n, null], ["1000000000000000.00", "-0.01", null]],
      [38, 0, [10n ** 38n - 1n, -(10n ** 37n), null], [`${10n ** 38n - 1n}`, `${-(10n ** 37n)}`, null]],
    ];
    for (const [precision, scale, values, texts] of cases) {
      const batch = new RecordBatch({ d: decimal(precision, scale, values) });
      await conn.register("wide", batch);
      assertEquals(
        await rows(conn, "select d::varchar as t, typeof(d) as type from wide"),
        texts.map((t) => ({ t, type: `DECIMAL(${precision},${scale})` })),
      );
      await conn.unregister("wide");
      await conn.register("wide", batch.slice(1));
      assertEquals((await rows(conn, "select d::varchar as t from wide")).map((r) => r.t), texts.slice(1));
      await conn.unregister("wide");
    }
    // A value past 128 bits, and one of more digits than the precision: refused at the scan, never cut.
    for (const [precision, value] of [[38, 2n ** 130n], [38, -(2n ** 200n)], [5, 100_000n]] as const) {
      await conn.register("hostile", new RecordBatch({ d: decimal(precision, 0, [1n, value]) }));
      await scanRefused(conn, "select d from hostile", "d");
      await conn.unregister("hostile");
    }
    // DuckDB's DECIMAL has no more than 38 digits: a wider precision is refused at registration.
    assertCode(
      await assertRejects(() => conn.register("wider", new RecordBatch({ d: decimal(40, 0, [1n]) }))),
      "ARROW_INVALID",
    );
  });

  it("scans dictionaries of integers, floats, dates and decimals: selections of one vector, or expanded", async () => {
    const n = 5000; // three of DuckDB's vectors: the dictionary is far shorter, so it is selected from
    const numbers = [5, -6, null, 2 ** 30, 0, 7, 11];
    const codes = Array.from({ length: n }, (_, i) => i % 11 === 4 ? null : (i * 5) % numbers.length);
    const coded = <T extends DataType>(type: T, dictionary: Data, indices: (number | null)[]) =>
      makeData({
        type: new Dictionary(type, new Uint16()),
        length: indices.length,
        nullCount: indices.filter((c) => c === null).length,
        nullBitmap: bitmap(indices),
        data: Uint16Array.from(indices, (c) => c ?? 0),
        dictionary: makeVector(dictionary),
      } as never);
    const ints = vectorFromArray(numbers, new Int32()).data[0];
    const floats = vectorFromArray(numbers.map((x) => x === null ? null : x / 4), new Float64()).data[0];
    const days = vectorFromArray(
      numbers.map((x) => x === null ? null : new Date(86_400_000 * (x % 20_000))),
      new DateDay(),
    )
      .data[0];
    const decimals = wordsData(
      new Decimal(2, 12, 128),
      numbers.map((x) => x === null ? null : words(BigInt(x), 4)),
      4,
    );
    const batch = new RecordBatch({
      id: vectorFromArray(Int32Array.from({ length: n }, (_, i) => i)).data[0],
      i: coded(new Int32(), ints, codes),
      f: coded(new Float64(), floats, codes),
      d: coded(new DateDay(), days, codes),
      m: coded(new Decimal(2, 12, 128), decimals, codes),
    });
    const value = (c: number | null) => c === null ? null : numbers[c];
    const expect = (from: number, to: number) =>
      codes.slice(from, to).map((c, k) => {
        const x = value(c);
        return {
          id: from + k,
          i: x,
          f: x === null ? null : x / 4,
          d: x === null ? null : x % 20_000,
          m: x === null ? null : (x / 100).toFixed(2),
        };
      });
    const query =
      "select id, i, f, datediff('day', date '1970-01-01', d)::integer as d, m::varchar as m from coded order by id";
    await conn.register("coded", batch);
    assertEquals(await rows(conn, query), expect(0, n));
    const groups = await rows(
      conn,
      "select i, count(*)::integer as n from coded group by i order by i nulls first",
    );
    const counts = new Map<number | null, number>();
    codes.forEach((c) => counts.set(value(c), (counts.get(value(c)) ?? 0) + 1));
    assertEquals(
      groups,
      [...counts].sort((a, b) => (a[0] ?? -Infinity) - (b[0] ?? -Infinity)).map(([i, n]) => ({ i, n })),
    );
    await conn.unregister("coded");
    // A slice shorter than its dictionary is expanded row by row, from the slice's own indices.
    await conn.register("coded", batch.slice(2046, 2051));
    assertEquals(await rows(conn, query), expect(2046, 2051));
    await conn.unregister("coded");
    // Inside a list, the dictionary is expanded too.
    const listed = makeData({
      type: new List(new Field("item", coded(new Int32(), ints, []).type, true)),
      length: 3,
      nullCount: 0,
      valueOffsets: Int32Array.of(0, 2, 2, 5),
      child: coded(new Int32(), ints, [0, 2, 3, null, 6]),
    });
    await conn.register("listed", new RecordBatch({ l: listed }));
    assertEquals((await rows(conn, "select l::varchar as l from listed")).map((r) => r.l), [
      "[5, NULL]",
      "[]",
      "[1073741824, NULL, 11]",
    ]);
    await conn.unregister("listed");
  });

  it("refuses an index past a dictionary of numbers, at registration or at the scan, and still answers", async () => {
    const dictionary = vectorFromArray([10, 20, 30], new Int32());
    for (const indices of [[0, 1, 3], [2, 2, 2, 2, -1], [5]]) {
      const data = makeData({
        type: new Dictionary(new Int32(), new Int8()),
        length: indices.length,
        data: Int8Array.from(indices),
        dictionary,
      });
      // A batch JavaScript built is lent through a copy whose indices the lend checks first.
      const registered = await conn.register("hostile", new RecordBatch({ x: data })).then(
        () => true,
        (error) => {
          assertCode(error, "ARROW_INVALID");
          return false;
        },
      );
      if (!registered) continue;
      await scanRefused(conn, "select x from hostile", "x");
      await conn.unregister("hostile");
    }
    assertEquals((await rows(conn, "select 1 as one"))[0].one, 1);
  });

  it("selects from each batch's own dictionary across many batches, longer ones than a vector too", async () => {
    // Each batch has its dictionary (one longer than DuckDB's 2048 rows among them); the threads move batch to batch.
    const sizes = [40, 3000, 7, 2500, 40, 1, 3000, 16];
    const texts = sizes.map((size, b) =>
      Array.from(
        { length: 3000 },
        (_, i) => i % 7 === 3 ? null : `batch ${b} word ${i % size} of a longer text`,
      )
    );
    const batches = texts.map((t) =>
      new RecordBatch({ s: vectorFromArray(t, new Dictionary(new Utf8(), new Int32())).data[0] })
    );
    await conn.register("dictionaries", batches);
    const all = texts.flat();
    const valid = all.filter((t) => t !== null);
    assertEquals(
      (await rows(
        conn,
        "select count(s)::integer as n, count(distinct s)::integer as d, sum(length(s))::integer as l, count(*)::integer as c from dictionaries",
      ))[0],
      { n: valid.length, d: new Set(valid).size, l: valid.reduce((n, t) => n + t.length, 0), c: all.length },
    );
    assertEquals((await rows(conn, "select s from dictionaries")).map((r) => r.s), all);
    await conn.unregister("dictionaries");
  });

  it("checks each index as the scan reads it, selected or expanded: indices rewritten after registration are refused", async () => {
    // A batch Zig handed over is registered in place (Zig reads its own structs): JavaScript can still write its
    // memory. (A RecordBatch built over the same memory would have its indices copied when lent, as checked.)
    const demo = (await open(lib.path)).library.symbols as unknown as {
      zc_arrow_demo_types(rows: bigint, options: number, out: Descriptor): number;
    };
    // 64 rows of a dictionary of 4 strings are selections of one vector; 2 rows are expanded.
    for (const count of [64n, 2n]) {
      using types = adoptBatch(lib, (out) => demo.zc_arrow_demo_types(count, 0, out));
      const of = (name: string) => types.recordBatch.getChild(name)!;
      await conn.register("rewritten", types);
      const words = await rows(conn, "select dict8 as a, dict32 as b from rewritten");
      assertEquals(words.map((r) => r.a), [...of("dict8")]);
      assertEquals(words.map((r) => r.b), [...of("dict32")]);
      const a = of("dict8").data[0];
      const last = a.offset + a.length - 1;
      (a.values as Int8Array)[last] = 4;
      await scanRefused(conn, "select dict8 from rewritten", "dict8");
      (a.values as Int8Array)[last] = -1;
      await scanRefused(conn, "select dict8 from rewritten", "dict8");
      const b = of("dict32").data[0];
      (b.values as Int32Array)[b.offset] = 1 << 30;
      await scanRefused(conn, "select dict32 from rewritten", "dict32");
      await conn.unregister("rewritten");
    }
  });
});

describe("registered sources of maps", () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await connect({ library: lib });
  });
  afterAll(() => conn.close());

  /** The type of a map of `key`s and `value`s. */
  const mapType = (key: DataType, value: DataType) =>
    new Map_(
      new Field(
        "entries",
        new Struct([new Field("key", key, false), new Field("value", value, true)] as never),
      ),
    );
  /** A map column apache-arrow builds from JavaScript Maps. */
  const mapOf = (key: DataType, value: DataType, maps: (Map<unknown, unknown> | null)[]) =>
    vectorFromArray(maps as never, mapType(key, value)).data[0];

  it("scans a map as MAP, with null and empty maps, null values, and sliced", async () => {
    const maps = [
      new Map<unknown, unknown>([["a", 1], ["a string longer than twelve bytes", null]]),
      null,
      new Map(),
      new Map<unknown, unknown>([["b", -2], ["c", 3], ["d", 4]]),
    ];
    const batch = new RecordBatch({ m: mapOf(new Utf8(), new Int32(), maps) });
    const expected = (list: typeof maps) =>
      list.map((m) => ({
        text: m === null ? null : `{${[...m].map(([k, v]) => `${k}=${v ?? "NULL"}`).join(", ")}}`,
        n: m === null ? null : BigInt(m.size),
        c: m === null ? null : (m.get("c") ?? null),
      }));
    const query = "select m::varchar as text, cardinality(m) as n, m['c'] as c from mapped";
    await conn.register("mapped", batch);
    assertEquals(await rows(conn, query), expected(maps));
    assertEquals(
      (await rows(conn, "select typeof(m) as t from mapped limit 1"))[0].t,
      "MAP(VARCHAR, INTEGER)",
    );
    await conn.unregister("mapped");
    await conn.register("mapped", batch.slice(1, 4));
    assertEquals(await rows(conn, query), expected(maps.slice(1)));
    await conn.unregister("mapped");
  });

  it("scans maps of many keys, and refuses a key twice or a null key at the scan, naming the column", async () => {
    const wide = Array.from({ length: 40 }, (_, k) => [k * 3, `v${k}`] as const);
    await conn.register(
      "mapped",
      new RecordBatch({ m: mapOf(new Int32(), new Utf8(), [new Map(wide), new Map()]) }),
    );
    assertEquals(await rows(conn, "select cardinality(m) as n, m[39] as v from mapped"), [
      { n: 40n, v: "v13" },
      { n: 0n, v: null },
    ]);
    await conn.unregister("mapped");
    // apache-arrow's builder keeps a JavaScript Map's keys unique: the lie is written into its keys.
    for (const size of [3, 40]) {
      const data = mapOf(new Int32(), new Utf8(), [new Map(wide.slice(0, size))]);
      const keys = data.children[0].children[0];
      (keys.values as Int32Array)[keys.offset + size - 1] = 0;
      await conn.register("twice", new RecordBatch({ m: data }));
      await scanRefused(conn, "select cardinality(m) from twice", "m");
      await conn.unregister("twice");
    }
    // A null key, in entries built by hand (apache-arrow's builder has no null key).
    const keys = makeData({
      type: new Int32(),
      length: 3,
      nullCount: 1,
      nullBitmap: Uint8Array.of(0b101),
      data: Int32Array.of(1, 0, 2),
    });
    const values = makeData({ type: new Int32(), length: 3, data: Int32Array.of(10, 20, 30) });
    const type = mapType(new Int32(), new Int32());
    const entries = makeData(
      { type: type.children[0].type, length: 3, nullCount: 0, children: [keys, values] } as never,
    );
    const nullKey = makeData(
      { type, length: 2, nullCount: 0, valueOffsets: Int32Array.of(0, 1, 3), child: entries } as never,
    );
    await conn.register("nullkey", new RecordBatch({ m: nullKey }));
    await scanRefused(conn, "select cardinality(m) from nullkey", "m");
    await conn.unregister("nullkey");
    // A map that is itself null is not checked, as DuckDB's own scan does not.
    const nulled = mapOf(new Int32(), new Utf8(), [null, new Map([[1, "x"]])]);
    await conn.register("nulled", new RecordBatch({ m: nulled }));
    assertEquals((await rows(conn, "select cardinality(m) as n from nulled")).map((r) => r.n), [null, 1n]);
    await conn.unregister("nulled");
  });

  it("refuses map offsets past the entries and entries of the wrong shape, and still answers", async () => {
    const data = mapOf(new Int32(), new Int32(), [new Map([[1, 2]]), new Map([[3, 4]])]);
    const lying = makeData({
      type: data.type,
      length: 2,
      nullCount: 0,
      valueOffsets: Int32Array.of(0, 1, 9),
      child: data.children[0],
    } as never);
    assertCode(
      await assertRejects(() => conn.register("hostile", new RecordBatch({ m: lying }))),
      "ARROW_INVALID",
    );
    assertEquals((await rows(conn, "select 1 as one"))[0].one, 1);
  });
});
