/**
 * Sensor readings produced in Zig, registered with DuckDB with no copy, and
 * aggregated with SQL in JavaScript: DuckDB scans the columns each query names in
 * Zig's memory, on its own threads, and the results come back as Arrow.
 *
 *     deno run --allow-ffi --allow-read --allow-env examples/sql_sensors.ts [rows]
 *
 * @module
 */

import { openLibrary } from "../mod.ts";
import { adoptBatch } from "../arrow.ts";
import { connect } from "../sql.ts";
import { args } from "./_runtime.ts";

const rows = Number(args[0] ?? 2_000_000);
const lib = await openLibrary();

let start = performance.now();
// Ten columns of readings from 50 sensors, as an Arrow batch Zig hands over.
using readings = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_sensors(BigInt(rows), 50, out));
console.log(`${rows.toLocaleString()} readings from Zig in ${(performance.now() - start).toFixed(1)} ms`);

using conn = await connect({ library: lib });
start = performance.now();
await conn.register("readings", readings);
console.log(`registered in ${(performance.now() - start).toFixed(2)} ms (no copy of the rows)`);

start = performance.now();
using perPlace = await conn.query(`
  select place, count(*)::integer as n, count(temperature)::integer as measured,
         round(avg(temperature), 3) as mean, max(humidity) as humidity
  from readings where ok group by place order by place`);
console.log(`aggregated in ${(performance.now() - start).toFixed(1)} ms:`);
for (const row of perPlace.table) {
  console.log(`  ${row.place.padEnd(8)} ${row.n} readings, ${row.measured} measured, mean ${row.mean} °C`);
}

// The same view again, with parameters: the hottest sensors of one place.
using hottest = await conn.query(
  `select sensor, max(temperature) as peak, min(rssi)::integer as weakest
   from readings where place = ? and battery > ? group by sensor order by peak desc, sensor limit 3`,
  ["kitchen", 20],
);
console.log("hottest kitchen sensors:", hottest.table.toArray().map((row) => row.toJSON()));

// Checked against the rows computed again here: the SQL and the data agree.
let expected = 0;
for (let i = 0; i < rows; i++) if (i % 7 !== 0 && i % 4 === 0) expected++;
const kitchen = perPlace.table.toArray().find((row) => row.place === "kitchen");
if (kitchen?.n !== expected) {
  throw new Error(`kitchen readings: SQL says ${kitchen?.n}, expected ${expected}`);
}
console.log("kitchen count checked:", expected);

// A large result read a batch at a time; the stream gives DuckDB's result back once, when the loop ends.
let alarms = 0;
for await (using batch of conn.queryStream("select sensor from readings where temperature > 28")) {
  alarms += batch.numRows;
}
// A copy DuckDB owns, kept after the Zig batch is gone: `ingest` loads the same way through any ADBC driver.
const kept = await conn.ingest("alarms", readings);
console.log(`${alarms} readings over 28 °C streamed; ${kept} readings ingested as a native table`);
