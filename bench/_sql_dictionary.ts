/**
 * The dictionary case of bench/sql_bench.ts: a `group by` over a string
 * column `tableFromArrays` encodes by dictionary, on the registered table
 * against a native DuckDB table holding the same rows, interleaved.
 *
 * @module
 */

import { tableFromArrays } from "apache-arrow";
import type { Connection } from "../sql.ts";

/** Medians in milliseconds of the same `group by`, registered and native. */
export interface DictionaryTimes {
  registered: number;
  native: number;
}

const WORDS = [
  "north",
  "south",
  "east",
  "west",
  "a place name longer than twelve bytes",
  "",
  "centre",
  "harbour",
];

/** Times the `group by` over `rows` rows `samples` times each way, and drops what it made. */
export async function dictionaryGroupBy(
  conn: Connection,
  rows: number,
  samples: number,
  median: (values: number[]) => number,
): Promise<DictionaryTimes> {
  const table = tableFromArrays({
    id: Int32Array.from({ length: rows }, (_, i) => i),
    place: Array.from({ length: rows }, (_, i) => WORDS[(i * 7) % WORDS.length]),
  });
  await conn.register("places", table);
  (await conn.query("create table places_native as select * from places"))[Symbol.dispose]();
  const query = (from: string) =>
    `select place, count(*)::bigint as n, sum(id)::bigint as s from ${from} group by place`;
  const registered: number[] = [];
  const native: number[] = [];
  for (let i = 0; i < samples; i++) {
    for (const [from, times] of [["places", registered], ["places_native", native]] as const) {
      const start = performance.now();
      (await conn.query(query(from)))[Symbol.dispose]();
      times.push(performance.now() - start);
    }
  }
  (await conn.query("drop table places_native"))[Symbol.dispose]();
  await conn.unregister("places");
  return { registered: median(registered), native: median(native) };
}
