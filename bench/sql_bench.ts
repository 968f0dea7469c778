/**
 * SQL over data Zig produced, side by side in one run: registering a batch of
 * ten columns with DuckDB (`Connection.register`) against loading it through
 * `@duckdb/node-api`'s appender (same DuckDB release) and against serializing
 * it with `tableToIPC`; registration plus one aggregate over all ten columns
 * against appender load plus the same query and against the same query on a
 * native DuckDB table; registration at `rows` against `rows / 10`; a result of
 * `rows` rows read as Arrow against `@duckdb/node-api`'s `getRows()`; a
 * `group by` over a dictionary-encoded string column (what `tableFromArrays`
 * makes of strings) registered, against the same on a native DuckDB table.
 *
 *     deno run -A bench/sql_bench.ts [--write] [--smoke] [rows]
 *
 * `rows` defaults to 10,000,000 (`--smoke`: 100,000, one sample each, writing
 * nothing). `--write` records the run in bench/results/results.json and
 * docs/benchmarks.md. DuckDB 1.5.6 reads Arrow IPC only through its `arrow`
 * extension, fetched from DuckDB's extension repository at run time: the IPC
 * route is timed up to its serialization, a lower bound of its cost.
 *
 * @module
 */

import { tableToIPC } from "apache-arrow";
import { DuckDBInstance, DuckDBTimestampValue } from "npm:@duckdb/node-api@1.5.6-r.1";
import { openLibrary } from "../mod.ts";
import { adoptBatch, type ArrowBatch } from "../arrow.ts";
import { connect } from "../sql.ts";
import { describeMachine, loadAverage } from "./_machine.ts";
import { type SqlReport, sqlTable } from "./_sql_report.ts";
import { dictionaryGroupBy } from "./_sql_dictionary.ts";

const smoke = Deno.args.includes("--smoke");
const write = Deno.args.includes("--write") && !smoke;
const rows = Number(Deno.args.find((a) => !a.startsWith("--")) ?? (smoke ? 100_000 : 10_000_000));
const samples = smoke ? 1 : 5;
const machine = describeMachine();
const lib = await openLibrary();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
async function time(run: () => unknown | Promise<unknown>, count = samples): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return median(times);
}

const sensors = (n: number): ArrowBatch =>
  adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_sensors(BigInt(n), 50, out));
using big = sensors(rows);
using small = sensors(rows / 10);
using conn = await connect({ library: lib });

let serial = 0;
async function registerOnce(batch: ArrowBatch): Promise<number> {
  const name = `r${serial++}`;
  const start = performance.now();
  await conn.register(name, batch);
  const elapsed = performance.now() - start;
  await conn.unregister(name);
  return elapsed;
}

const AGGREGATE = (from: string) =>
  `select count(*)::bigint as n, sum(epoch_us("time"))::double as t, sum(sensor)::bigint as s, max(place) as p,
          sum(temperature) as temp, sum(humidity)::double as h, sum(pressure) as pr, sum(battery)::bigint as b,
          sum(rssi)::bigint as r, count(*) filter (where ok)::bigint as ok, sum(seq)::bigint as q from ${from}`;
const RESULT =
  `select range::bigint as seq, (range % 100) / 10 as temperature, (range % 50)::integer as sensor
                from range(${rows})`;

console.log(`SQL bench: ${rows.toLocaleString()} rows x 10 columns, ${machine.cpu}, ${machine.cores} cores`);
// Both sizes interleaved, many times: a sub-millisecond figure on a shared machine needs it.
const bigTimes: number[] = [];
const smallTimes: number[] = [];
for (let i = 0; i < (smoke ? 3 : 31); i++) {
  bigTimes.push(await registerOnce(big));
  smallTimes.push(await registerOnce(small));
}
const registerBig = median(bigTimes);
const registerSmall = median(smallTimes);
const ipc = await time(() => tableToIPC(big.table), Math.min(samples, 3));

// Register + one aggregate over every column (a new registration each time), against the same
// aggregate over a native table of the same rows: interleaved, so that a busy machine weighs on both.
await conn.register("readings", big);
(await conn.query("create table native as select * from readings"))[Symbol.dispose]();
const registeredTimes: number[] = [];
const nativeTimes: number[] = [];
for (let i = 0; i < samples; i++) {
  registeredTimes.push(
    await time(async () => {
      const name = `q${serial++}`;
      await conn.register(name, big);
      (await conn.query(AGGREGATE(name)))[Symbol.dispose]();
      await conn.unregister(name);
    }, 1),
  );
  nativeTimes.push(await time(async () => (await conn.query(AGGREGATE("native")))[Symbol.dispose](), 1));
}
const registeredQuery = median(registeredTimes);
const nativeQuery = median(nativeTimes);
const dictionary = await dictionaryGroupBy(conn, rows, smoke ? 1 : 15, median);

// The same rows through @duckdb/node-api's appender, value by value.
const instance = await DuckDBInstance.create(":memory:");
const node = await instance.connect();
const columns = Object.fromEntries(
  big.table.schema.fields.map((f) => [f.name, big.table.getChild(f.name)!.toArray()]),
);
const appendStart = performance.now();
await node.run(`create table readings ("time" timestamp, sensor uinteger, place varchar, temperature double,
  humidity float, pressure double, battery utinyint, rssi smallint, ok boolean, seq bigint)`);
const appender = await node.createAppender("readings");
const temperature = big.table.getChild("temperature")!;
const place = big.table.getChild("place")!;
const ok = big.table.getChild("ok")!;
for (let i = 0; i < rows; i++) {
  appender.appendTimestamp(new DuckDBTimestampValue(BigInt(columns.time[i])));
  appender.appendUInteger(columns.sensor[i]);
  appender.appendVarchar(place.get(i)!);
  const t = temperature.get(i);
  if (t === null) appender.appendNull();
  else appender.appendDouble(t);
  appender.appendFloat(columns.humidity[i]);
  appender.appendDouble(columns.pressure[i]);
  appender.appendUTinyInt(columns.battery[i]);
  appender.appendSmallInt(columns.rssi[i]);
  appender.appendBoolean(ok.get(i)!);
  appender.appendBigInt(columns.seq[i]);
  appender.endRow();
}
appender.closeSync();
const appenderLoad = performance.now() - appendStart;
const appenderQuery = await time(async () => await (await node.run(AGGREGATE("readings"))).getRows());

// A result of `rows` rows: read as Arrow in place, against getRows().
const arrowResult = await time(
  async () => (await conn.query(RESULT))[Symbol.dispose](),
  Math.min(samples, 3),
);
const getRows = await time(async () => (await node.run(RESULT)).getRows(), smoke ? 1 : 2);
node.closeSync();
instance.closeSync();

const report: SqlReport = {
  date: new Date().toISOString(),
  command: `deno run -A bench/sql_bench.ts --write ${rows}`,
  rows,
  machine: { ...machine, loadAverage: { start: machine.loadAverage.start, end: loadAverage() } },
  medianMs: {
    register: registerBig,
    registerSmall,
    tableToIPC: ipc,
    appenderLoad,
    registerAndQuery: registeredQuery,
    appenderLoadAndQuery: appenderLoad + appenderQuery,
    nativeQuery,
    arrowResult,
    getRows,
  },
};
console.log(sqlTable(report));
console.log(
  `group by a dictionary-encoded string column, ${rows.toLocaleString("en-US")} rows: registered ${
    dictionary.registered.toFixed(1)
  } ms, native table ${dictionary.native.toFixed(1)} ms (medians of ${smoke ? 1 : 15}), registered ÷ native ${
    (dictionary.registered / dictionary.native).toFixed(2)
  }×`,
);

if (write) {
  const { committedReport, writeDocs } = await import("./_docs.ts");
  const full = { ...await committedReport(), sql: report };
  await Deno.writeTextFile(
    new URL("./results/results.json", import.meta.url),
    JSON.stringify(full, null, 2) + "\n",
  );
  await writeDocs(full, false);
  console.log("Wrote bench/results/results.json and the SQL table in docs/benchmarks.md");
}
