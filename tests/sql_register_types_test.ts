// The Arrow types a registered source is scanned from besides the plain ones
// (zig/zerocopy/sql/duckdb_vectors.zig, duckdb_strings.zig): the dictionary-
// encoded strings apache-arrow's tableFromArrays makes, strings and bytes of
// either offset width, dates, times, durations and decimals, each queried and
// compared with what is computed here, and each given memory that lies.

import { assert, assertEquals, assertRejects } from "@std/assert";
import { afterAll, beforeAll, describe, it } from "@std/testing/bdd";
import {
  Binary,
  type DataType,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  DurationMicrosecond,
  DurationMillisecond,
  DurationNanosecond,
  DurationSecond,
  Field,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeBinary,
  LargeList,
  LargeUtf8,
  List,
  makeData,
  RecordBatch,
  tableFromArrays,
  TimeMicrosecond,
  TimeMillisecond,
  TimeNanosecond,
  TimeSecond,
  Uint16,
  Uint8,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { connect, type Connection } from "../sql.ts";
import { adoptBatch } from "../arrow.ts";
import type { Descriptor } from "../src/buffer/descriptor.ts";
import { open } from "./fixtures/arrow_demo.ts";
import { lib } from "./_helpers.ts";
import { assertErrorCode as assertCode, rows } from "./_sql.ts";

/** One column of `type` built by apache-arrow from `values`. */
function column<T extends DataType>(type: T, values: unknown[]) {
  return vectorFromArray(values as never, type).data[0];
}

/** Registers `batch` and expects it refused, now or at its first query; nothing crashes or leaks. */
async function refused(conn: Connection, batch: RecordBatch, query: string): Promise<void> {
  const registered = await conn.register("hostile", batch).then(() => true, (error) => {
    assertCode(error, "ARROW_INVALID");
    return false;
  });
  if (!registered) return;
  assertCode(await assertRejects(() => conn.query(query)), "SQL_ERROR");
  await conn.unregister("hostile");
}

/** An unscaled decimal as DuckDB prints it. */
function scaled(value: bigint, scale: number): string {
  const digits = (value < 0n ? -value : value).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return value < 0n ? `-${text}` : text;
}

describe("registered sources of dictionaries, large strings, bytes, dates, times, durations, decimals", () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await connect({ library: lib });
  });
  afterAll(() => conn.close());

  it("scans tableFromArrays' dictionary-encoded strings: projections, filters and group by as computed here", async () => {
    const n = 5000; // three of DuckDB's vectors
    const words = ["apple", "banana", "cherry", "a string longer than twelve bytes", ""];
    const name = Array.from({ length: n }, (_, i) => i % 7 === 3 ? null : words[(i * 3) % words.length]);
    const id = Int32Array.from({ length: n }, (_, i) => i);
    const table = tableFromArrays({ id, name });
    assert(table.getChild("name")!.type instanceof Dictionary, "apache-arrow encodes strings by dictionary");
    await conn.register("words", table);
    const groups = await rows(
      conn,
      "select name, count(*)::integer as n, sum(id)::bigint as s from words group by name order by name nulls first",
    );
    const expected = new Map<string | null, { n: number; s: bigint }>();
    name.forEach((w, i) => {
      const g = expected.get(w) ?? { n: 0, s: 0n };
      expected.set(w, { n: g.n + 1, s: g.s + BigInt(i) });
    });
    const order = [null, ...[...new Set(words)].sort()];
    assertEquals(groups, order.map((w) => ({ name: w, ...expected.get(w)! })));
    const picked = await rows(
      conn,
      "select id, name from words where name like 'a string%' and id > 4990 order by id",
    );
    assertEquals(
      picked,
      name.flatMap((w, i) => w?.startsWith("a string") && i > 4990 ? [{ id: i, name: w }] : []),
    );
    await conn.unregister("words");
    // A slice starts inside the indices: its rows are still looked up by their own index.
    await conn.register("sliced", table.slice(2047, 2052));
    assertEquals(
      (await rows(conn, "select name from sliced")).map((r) => r.name),
      name.slice(2047, 2052),
    );
    await conn.unregister("sliced");
    // The embedded engine's ingest goes through the same scan: strings land in a table as VARCHAR.
    assertEquals(await conn.ingest("words_table", table), n);
    assertEquals(
      await rows(
        conn,
        "select count(distinct name)::integer as d, typeof(any_value(name)) as t from words_table",
      ),
      [
        { d: words.length, t: "VARCHAR" },
      ],
    );
  });

  it("reads indices of every integer width, and a null entry of the dictionary as null", async () => {
    const values = ["x", "yy", null, "a string longer than twelve bytes", "x"];
    for (const index of [new Int8(), new Uint8(), new Int16(), new Uint16(), new Int32()]) {
      await conn.register(
        "coded",
        new RecordBatch({ s: column(new Dictionary(new Utf8(), index as Int32), values) }),
      );
      assertEquals((await rows(conn, "select s from coded")).map((r) => r.s), values, `${index}`);
      await conn.unregister("coded");
    }
    // apache-arrow's builders make no 64-bit indices: built by hand.
    const wide = makeData({
      type: new Dictionary(new Utf8(), new Int64() as never),
      length: 3,
      data: new BigInt64Array([1n, 0n, 1n]),
      dictionary: vectorFromArray(["p", "a string longer than twelve bytes"], new Utf8()),
    } as never);
    await conn.register("wide", new RecordBatch({ s: wide }));
    assertEquals((await rows(conn, "select s from wide")).map((r) => r.s), [
      "a string longer than twelve bytes",
      "p",
      "a string longer than twelve bytes",
    ]);
    await conn.unregister("wide");
    const dictionary = vectorFromArray(["x", null, "z"], new Utf8());
    const coded = makeData({
      type: new Dictionary(new Utf8(), new Int32()),
      length: 4,
      data: new Int32Array([2, 1, 0, 1]),
      dictionary,
    });
    await conn.register("holes", new RecordBatch({ s: coded }));
    assertEquals(await rows(conn, "select s, s is null as missing from holes"), [
      { s: "z", missing: false },
      { s: null, missing: true },
      { s: "x", missing: false },
      { s: null, missing: true },
    ]);
    await conn.unregister("holes");
  });

  it("scans large strings as VARCHAR and bytes of either width as BLOB", async () => {
    const texts = ["héllo", null, "", "a string longer than twelve bytes"];
    const bytes = [new Uint8Array([0, 1, 255]), null, new Uint8Array(0), new Uint8Array(20).fill(7)];
    const hex = (b: Uint8Array | null) =>
      b === null ? null : [...b].map((x) => x.toString(16).padStart(2, "0")).join("").toUpperCase();
    await conn.register(
      "bytes",
      new RecordBatch({
        t: column(new LargeUtf8(), texts),
        b: column(new Binary(), bytes),
        l: column(new LargeBinary(), bytes),
      }),
    );
    assertEquals(
      await rows(conn, "select t, hex(b) as b, hex(l) as l, typeof(t) as tt, typeof(b) as tb from bytes"),
      texts.map((t, i) => ({ t, b: hex(bytes[i]), l: hex(bytes[i]), tt: "VARCHAR", tb: "BLOB" })),
    );
    await conn.unregister("bytes");
  });

  it("scans dates as DATE, times as TIME and durations as INTERVAL in every unit", async () => {
    const days = [0, 19724, -1, null];
    const ms = days.map((d) => d === null ? null : d * 86_400_000);
    const micros = [0, 3_723_000_000, 86_399_000_000, null]; // times of day in microseconds
    const of = (unit: number) =>
      micros.map((u) => u === null ? null : unit >= 1000 ? u / (1_000_000 / unit) : u / 1_000_000 * unit);
    await conn.register(
      "times",
      new RecordBatch({
        d32: column(new DateDay(), ms.map((m) => m === null ? null : new Date(m))),
        d64: column(new DateMillisecond(), ms.map((m) => m === null ? null : new Date(m))),
        ts: column(new TimeSecond(), of(1)),
        tm: column(new TimeMillisecond(), of(1000)),
        tu: column(new TimeMicrosecond(), micros.map((u) => u === null ? null : BigInt(u))),
        tn: column(new TimeNanosecond(), micros.map((u) => u === null ? null : BigInt(u) * 1000n)),
        ds: column(new DurationSecond(), [0n, -5n, 90_000n, null]),
        dm: column(new DurationMillisecond(), [0n, -5000n, 90_000_000n, null]),
        du: column(new DurationMicrosecond(), [0n, -5_000_000n, 90_000_000_000n, null]),
        dn: column(new DurationNanosecond(), [0n, -5_000_000_000n, 90_000_000_000_000n, null]),
      }),
    );
    const answer = await rows(
      conn,
      `select datediff('day', date '1970-01-01', d32)::integer as d32, datediff('day', date '1970-01-01', d64)::integer as d64,
        epoch_us(date '1970-01-01' + ts)::bigint as ts, epoch_us(date '1970-01-01' + tm)::bigint as tm,
        epoch_us(date '1970-01-01' + tu)::bigint as tu, epoch_us(date '1970-01-01' + tn)::bigint as tn,
        epoch_us(timestamp '1970-01-01' + ds)::bigint as ds, epoch_us(timestamp '1970-01-01' + dm)::bigint as dm,
        epoch_us(timestamp '1970-01-01' + du)::bigint as du, epoch_us(timestamp '1970-01-01' + dn)::bigint as dn,
        typeof(d64) as td, typeof(tn) as tt, typeof(dn) as ti from times`,
    );
    const big = (x: number | null) => x === null ? null : BigInt(x);
    assertEquals(
      answer,
      days.map((d, i) => {
        const duration = [0n, -5_000_000n, 90_000_000_000n, null][i];
        return {
          d32: d,
          d64: d,
          ts: big(micros[i]),
          tm: big(micros[i]),
          tu: big(micros[i]),
          tn: big(micros[i]),
          ds: duration,
          dm: duration,
          du: duration,
          dn: duration,
          td: "DATE",
          tt: "TIME",
          ti: "INTERVAL",
        };
      }),
    );
    await conn.unregister("times");
  });

  it("scans decimal128 as DECIMAL(p, s) in each of DuckDB's widths", async () => {
    // Unscaled values as apache-arrow stores a decimal128: four little-endian 32-bit words.
    const words = (values: (bigint | null)[]) => {
      const out = new Uint32Array(values.length * 4);
      values.forEach((v, i) => {
        let x = BigInt.asUintN(128, v ?? 0n);
        for (let w = 0; w < 4; w++, x >>= 32n) out[i * 4 + w] = Number(x & 0xffffffffn);
      });
      return out;
    };
    const decimal = (precision: number, scale: number, values: (bigint | null)[]) =>
      makeData({
        type: new Decimal(scale, precision, 128),
        length: values.length,
        nullCount: values.filter((v) => v === null).length,
        nullBitmap: Uint8Array.of(values.reduce((m, v, i) => v === null ? m : m | (1 << i), 0)),
        data: words(values),
      });
    const cases: [number, number, (bigint | null)[], string[]][] = [
      [4, 2, [1234n, -5n, null, 0n], ["12.34", "-0.05", "", "0.00"]],
      [9, 3, [123456789n, -1n, null, 1000n], ["123456.789", "-0.001", "", "1.000"]],
      [18, 0, [999999999999999999n, -42n, null, 7n], ["999999999999999999", "-42", "", "7"]],
      [38, 10, [10n ** 37n + 5n, -(10n ** 20n), null, 1n], [
        "1000000000000000000000000000.0000000005",
        "-10000000000.0000000000",
        "",
        "0.0000000001",
      ]],
    ];
    for (const [precision, scale, values, texts] of cases) {
      await conn.register("decimals", new RecordBatch({ d: decimal(precision, scale, values) }));
      const answer = await rows(conn, "select d::varchar as t, typeof(d) as type from decimals");
      assertEquals(
        answer,
        texts.map((t) => ({ t: t === "" ? null : t, type: `DECIMAL(${precision},${scale})` })),
      );
      const sum = values.reduce((a: bigint, v) => a + (v ?? 0n), 0n);
      assertEquals(await rows(conn, "select sum(d)::varchar as s from decimals"), [{
        s: scaled(sum, scale),
      }]);
      await conn.unregister("decimals");
    }
    // More digits than the precision allows is refused at the scan, not cut.
    await refused(conn, new RecordBatch({ d: decimal(3, 0, [10n ** 30n]) }), "select d from hostile");
  });

  it("scans lists and large lists as LIST, of numbers and of dictionary-encoded strings", async () => {
    const numbers = [[1, 2, 3], null, [], [4], Array.from({ length: 3000 }, (_, i) => i)];
    const words = [["a", "a string longer than twelve bytes"], [], null, ["b", null], ["c"]];
    await conn.register(
      "lists",
      new RecordBatch({
        n: column(new List(new Field("item", new Int32(), true)), numbers),
        w: column(new LargeList(new Field("item", new Dictionary(new Utf8(), new Int32()), true)), words),
      }),
    );
    assertEquals(
      await rows(
        conn,
        "select len(n)::integer as n, list_sum(n)::bigint as s, w::varchar as w, typeof(w) as t from lists",
      ),
      numbers.map((n, i) => ({
        n: n === null ? null : n.length,
        s: n === null || n.length === 0 ? null : BigInt(n.reduce((a, b) => a + b, 0)),
        w: words[i] === null ? null : `[${words[i]!.map((x) => x ?? "NULL").join(", ")}]`,
        t: "VARCHAR[]",
      })),
    );
    const flat = await rows(conn, "select unnest(n)::integer as x from lists where len(n) < 10");
    assertEquals(flat.map((r) => r.x), [1, 2, 3, 4]);
    await conn.unregister("lists");
    // Three of DuckDB's vectors: each scan starts its items where the last one's ended.
    const pairs = Array.from({ length: 5000 }, (_, i) => i % 9 === 4 ? null : [i, -2 * i]);
    await conn.register(
      "pairs",
      new RecordBatch({ p: column(new List(new Field("item", new Int32(), true)), pairs) }),
    );
    assertEquals(
      await rows(
        conn,
        "select sum(p[1])::bigint as a, sum(list_sum(p))::bigint as b, count(p)::integer as n from pairs",
      ),
      [{
        a: BigInt(pairs.reduce((a, p) => a + (p?.[0] ?? 0), 0)),
        b: BigInt(pairs.reduce((a, p) => a - (p?.[0] ?? 0), 0)),
        n: pairs.filter((p) => p !== null).length,
      }],
    );
    await conn.unregister("pairs");
  });

  it("refuses a dictionary index past the dictionary and offsets past the data, at registration or at the scan", async () => {
    const strings = vectorFromArray(["ab", "cd"], new Utf8());
    const past = makeData({
      type: new Dictionary(new Utf8(), new Int32()),
      length: 2,
      data: new Int32Array([1, 2]),
      dictionary: strings,
    });
    await refused(conn, new RecordBatch({ s: past }), "select s from hostile");
    const negative = makeData({
      type: new Dictionary(new Utf8(), new Int8()),
      length: 1,
      data: new Int8Array([-1]),
      dictionary: strings,
    });
    await refused(conn, new RecordBatch({ s: negative }), "select s from hostile");
    const offsets = (type: DataType, wide: boolean) =>
      makeData({
        type,
        length: 2,
        valueOffsets: wide ? new BigInt64Array([0n, 1n, 100n]) : new Int32Array([0, 1, 100]),
        data: new Uint8Array([97, 98, 99]),
      } as never);
    for (
      const [type, wide] of [[new LargeUtf8(), true], [new Binary(), false], [
        new LargeBinary(),
        true,
      ]] as const
    ) {
      const data = offsets(type, wide);
      await refused(conn, new RecordBatch({ s: data }), "select s from hostile");
    }
    const overflow = makeData(
      { type: new DateMillisecond(), length: 1, data: new BigInt64Array([2n ** 62n]) } as never,
    );
    await refused(conn, new RecordBatch({ d: overflow }), "select d from hostile");
    assertEquals((await rows(conn, "select 1 as one"))[0].one, 1, "the connection still answers");
  });

  it("checks every index and offset as the scan reads them: memory rewritten after registration is refused, not followed", async () => {
    // A batch Zig handed over is registered in place (Zig reads its own structs): JavaScript can still write its
    // memory. (A RecordBatch built over the same memory would have its offsets and indices copied when lent.)
    const demo = (await open(lib.path)).library.symbols as unknown as {
      zc_arrow_demo_types(rows: bigint, options: number, out: Descriptor): number;
    };
    // Adopted by the connection's library, which then knows the memory as its own and pins it.
    using types = adoptBatch(lib, (out) => demo.zc_arrow_demo_types(64n, 0, out));
    const of = (name: string) => types.recordBatch.getChild(name)!;
    await conn.register("rewritten", types);
    const words = await rows(conn, "select dict8, dict32, large_utf8 from rewritten");
    assertEquals(words.map((r) => r.dict8), [...of("dict8")]);
    assertEquals(words.map((r) => r.dict32), [...of("dict32")]);
    assertEquals(words.map((r) => r.large_utf8), [...of("large_utf8")]);
    const rewrite = async (column: string, write: () => void) => {
      write();
      const error = await assertRejects(() => conn.query(`select "${column}" from rewritten`));
      assertCode(error, "SQL_ERROR");
      assert(String(error).includes("registered Arrow source"), String(error));
    };
    const dict8 = of("dict8").data[0];
    await rewrite("dict8", () => (dict8.values as Int8Array)[dict8.offset] = 100);
    const dict32 = of("dict32").data[0];
    await rewrite("dict32", () => (dict32.values as Int32Array)[dict32.offset] = -7);
    const large = of("large_utf8").data[0];
    await rewrite("large_utf8", () => (large.valueOffsets as BigInt64Array)[large.offset + 1] = 1n << 40n);
    const binary = of("binary").data[0];
    await rewrite("binary", () => (binary.valueOffsets as Int32Array)[binary.offset + 1] = -1);
    const date64 = of("date64").data[0];
    await rewrite("date64", () => (date64.values as BigInt64Array).fill(1n << 62n));
    const decimal = of("decimal").data[0];
    await rewrite("decimal", () => (decimal.values as Uint32Array).fill(0xffff, 0, 16));
    const lists = await rows(
      conn,
      "select len(list)::integer as n, len(large_list)::integer as w from rewritten",
    );
    assertEquals(lists.map((r) => r.n), [...of("list")].map((l) => l === null ? null : l.length));
    assertEquals(lists.map((r) => r.w), [...of("large_list")].map((l) => l === null ? null : l.length));
    const list = of("list").data[0];
    await rewrite("list", () => (list.valueOffsets as Int32Array)[list.offset + 1] = 1 << 30);
    const largeList = of("large_list").data[0];
    await rewrite("large_list", () => (largeList.valueOffsets as BigInt64Array)[largeList.offset + 2] = -3n);
    // What was not rewritten still reads.
    assertEquals(
      (await rows(conn, "select count(large_binary)::integer as n from rewritten"))[0].n,
      of("large_binary").length - of("large_binary").nullCount,
    );
    await conn.unregister("rewritten");
  });
});
