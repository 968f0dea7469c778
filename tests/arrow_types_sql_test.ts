// DuckDB's results of the types SQL engines exchange, read in place through the foreign import: every value
// as DuckDB computed it (decimals, dates, times, timestamps with and without a zone, intervals, blobs, lists,
// nested lists, enums as dictionaries, strings, nulls).

import { assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { connect, type Connection } from "../sql.ts";
import { lendBatch } from "../arrow.ts";
import { lib, UNSCOPED_FFI } from "./_helpers.ts";
import { checksumBatch } from "./_arrow.ts";

const describeDuckDB = UNSCOPED_FFI ? describe : describe.ignore;

describeDuckDB("DuckDB results of the newer Arrow types, read in place", () => {
  let conn: Connection;

  it("opens", async () => {
    conn = await connect({ library: lib });
  });

  it("reads decimals, dates, times, timestamps, intervals, blobs, lists and enums as DuckDB wrote them", async () => {
    using result = await conn.query(
      `create type mood as enum ('sad', 'ok', 'happy');
       select (i * 1.25)::decimal(10, 2) as dec,
              (i * 1.25)::decimal(30, 4) as wide,
              date '2024-01-01' + i::int as day,
              time '01:02:03' + interval (i) second as at,
              timestamp '2024-01-01 00:00:00' + interval (i) hour as ts,
              timestamptz '2024-01-01 00:00:00+00' + interval (i) minute as tz,
              interval (i) day + interval (i) month as iv,
              ('b' || i)::blob as blob,
              case when i % 3 = 1 then null else range(i % 4)::int[] end as list,
              [[i], [], [i, i + 1]] as nested,
              (['sad', 'ok', 'happy'])[i % 3 + 1]::mood as mood,
              repeat('x', i) as s
       from range(0, 50) t(i) order by i`,
    );
    const table = result.table;
    assertEquals(table.numRows, 50);
    assertEquals(
      table.schema.fields.map((f) => String(f.type)),
      [
        "Decimal[10e+2]",
        "Decimal[30e+4]",
        "Date32<DAY>",
        "Time64<MICROSECOND>",
        "Timestamp<MICROSECOND>",
        "Timestamp<MICROSECOND, Etc/UTC>",
        "Interval<MONTH_DAY_NANO>",
        "Binary",
        "List<Int32>",
        "List<List<Int64>>",
        "Dictionary<Uint8, Utf8>",
        "Utf8",
      ],
    );
    for (let i = 0; i < 50; i++) {
      const row = table.get(i)!.toJSON() as Record<string, unknown>;
      const dec = row.dec as Uint32Array;
      assertEquals(dec[0], i * 125, `dec[${i}]`);
      assertEquals(Number((row.wide as Uint32Array)[0]), i * 12500, `wide[${i}]`);
      assertEquals(row.day, Date.UTC(2024, 0, 1 + i), `day[${i}]`);
      assertEquals(Number(row.at), (3723 + i) * 1_000_000, `at[${i}]`);
      assertEquals(Number(row.ts), Date.UTC(2024, 0, 1) + i * 3_600_000, `ts[${i}]`);
      assertEquals(Number(row.tz), Date.UTC(2024, 0, 1) + i * 60_000, `tz[${i}]`);
      const iv = row.iv as Int32Array;
      assertEquals([iv[0], iv[1]], [i, i], `iv[${i}]`);
      assertEquals(new TextDecoder().decode(row.blob as Uint8Array), `b${i}`);
      assertEquals(
        row.list === null ? null : [...(row.list as Iterable<number>)],
        i % 3 === 1 ? null : [...Array(i % 4).keys()],
      );
      assertEquals([...(row.nested as Iterable<Iterable<bigint>>)].map((l) => [...l].map(Number)), [[i], [], [
        i,
        i + 1,
      ]]);
      assertEquals(row.mood, ["sad", "ok", "happy"][i % 3]);
      assertEquals(row.s, "x".repeat(i));
    }
    // Lent from DuckDB's memory to Zig's reader: the same values there.
    const out = new BigUint64Array(1);
    assertEquals(lendBatch(lib, table.batches[0], (s, a) => lib.symbols.zc_arrow_checksum(s, a, out)), 0);
    assertEquals(out[0], checksumBatch(table.batches[0]));
  });

  it("closes", () => {
    conn.close();
  });
});
