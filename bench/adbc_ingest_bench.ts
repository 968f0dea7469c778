/**
 * Loading rows into PostgreSQL from Deno, side by side in one run: an
 * apache-arrow table through ADBC bulk ingest (`conn.ingest`, the batch lent
 * to the driver with no copy on this side; the driver sends it with COPY in
 * PostgreSQL's binary format), against the same rows as a CSV string sent by
 * `COPY ... FROM STDIN` (psql of the same server reading the string). Each is
 * timed into a fresh table, medians of the runs; building the CSV string is
 * reported apart. Runs against the server tools/postgres.sh starts:
 *
 *     ./tools/postgres.sh deno run --allow-ffi --allow-read --allow-env --allow-run bench/adbc_ingest_bench.ts [rows] [--smoke]
 *
 * `--smoke` loads 10,000 rows once, to see that the bench runs. `--write`
 * (with `--allow-write`) records the run in bench/results/results.json and
 * its table in docs/benchmarks.md, as bench/sql_bench.ts --write does.
 *
 * @module
 */

import { makeVector, Table, Utf8, vectorFromArray } from "apache-arrow";
import { openLibrary } from "../mod.ts";
import { connect } from "../sql.ts";
import { describeMachine, loadAverage } from "./_machine.ts";
import { type AdbcIngestReport, adbcIngestTable } from "./_adbc_ingest_report.ts";

const smoke = Deno.args.includes("--smoke");
const write = Deno.args.includes("--write") && !smoke;
const rowsArg = Deno.args.find((arg) => /^\d+$/.test(arg));
const ROWS = smoke ? 10_000 : Number(rowsArg ?? 1_000_000);
const RUNS = smoke ? 1 : 5;
const uri = Deno.env.get("ZEROCOPY_POSTGRES_URI");
const bin = Deno.env.get("ZEROCOPY_POSTGRES_BIN");
if (uri === undefined || bin === undefined) {
  console.error("adbc_ingest_bench: run it under ./tools/postgres.sh, which starts the server");
  Deno.exit(2);
}

const ids = Int32Array.from({ length: ROWS }, (_, i) => i);
const table = new Table({
  id: makeVector(ids),
  value: makeVector(Float64Array.from(ids, (i) => i / 4)),
  label: vectorFromArray(Array.from(ids, (i) => `sensor-${i % 1000}`), new Utf8()),
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const library = await openLibrary();
await using conn = await connect({ driver: "postgresql", uri, library });
let next = 0;
const fresh = () => `ingest_bench_${Deno.pid}_${next++}`;

async function count(name: string): Promise<number> {
  using result = await conn.query(`select count(*) as n from ${name}`);
  return Number(result.table.getChild("n")?.get(0));
}

async function drop(name: string) {
  (await conn.query(`drop table ${name}`))[Symbol.dispose]();
}

const csvTimes: number[] = [];
let csv = "";
for (let run = 0; run < RUNS; run++) {
  const start = performance.now();
  const lines = new Array<string>(ROWS);
  for (let i = 0; i < ROWS; i++) lines[i] = `${i},${i / 4},sensor-${i % 1000}`;
  csv = lines.join("\n") + "\n";
  csvTimes.push(performance.now() - start);
}
const csvBytes = new TextEncoder().encode(csv);

const adbcTimes: number[] = [];
const copyTimes: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const adbcTable = fresh();
  let start = performance.now();
  await conn.ingest(adbcTable, table);
  adbcTimes.push(performance.now() - start);
  if (await count(adbcTable) !== ROWS) throw new Error("ADBC ingest lost rows");
  await drop(adbcTable);

  const copyTable = fresh();
  (await conn.query(`create table ${copyTable} (id integer, value double precision, label text)`))
    [Symbol.dispose]();
  start = performance.now();
  const psql = new Deno.Command(`${bin}/psql`, {
    args: [uri, "-v", "ON_ERROR_STOP=1", "-q", "-c", `copy ${copyTable} from stdin with (format csv)`],
    stdin: "piped",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const writer = psql.stdin.getWriter();
  await writer.write(csvBytes);
  await writer.close();
  const status = await psql.status;
  copyTimes.push(performance.now() - start);
  if (!status.success) throw new Error("psql's COPY failed");
  if (await count(copyTable) !== ROWS) throw new Error("COPY lost rows");
  await drop(copyTable);
}

const machine = describeMachine();
const adbc = median(adbcTimes);
const copy = median(copyTimes);
const rate = (ms: number) => `${(ROWS / ms / 1000).toFixed(2)} M rows/s`;
console.log(`PostgreSQL ingest of ${ROWS.toLocaleString("en")} rows (int4, float8, text), median of ${RUNS}`);
console.log(`  machine: ${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage.start ?? "?"}`);
console.log(`  ADBC bulk ingest of an apache-arrow table: ${adbc.toFixed(1)} ms (${rate(adbc)})`);
console.log(`  COPY FROM STDIN of a CSV string (psql):   ${copy.toFixed(1)} ms (${rate(copy)})`);
console.log(`  building the CSV string in Deno (not in COPY's time): ${median(csvTimes).toFixed(1)} ms`);
console.log(`  ratio COPY / ADBC: ${(copy / adbc).toFixed(2)}x`);
const csvAndCopy = median(csvTimes) + copy;
console.log(`  ratio (CSV string + COPY) / ADBC, from the same table: ${(csvAndCopy / adbc).toFixed(2)}x`);

if (write) {
  const version = await new Deno.Command(`${bin}/psql`, { args: ["--version"], stdout: "piped" }).output();
  const server = new TextDecoder().decode(version.stdout).trim().replace(
    /^psql \(PostgreSQL\)/,
    "PostgreSQL",
  );
  const report: AdbcIngestReport = {
    date: new Date().toISOString(),
    command: `./tools/postgres.sh deno run -A bench/adbc_ingest_bench.ts --write ${ROWS}`,
    rows: ROWS,
    runs: RUNS,
    server,
    machine: { ...machine, loadAverage: { start: machine.loadAverage.start, end: loadAverage() } },
    medianMs: { adbcIngest: adbc, copyCsv: copy, buildCsv: median(csvTimes) },
  };
  const { committedReport, writeDocs } = await import("./_docs.ts");
  const full = { ...await committedReport(), adbcIngest: report };
  await Deno.writeTextFile(
    new URL("./results/results.json", import.meta.url),
    JSON.stringify(full, null, 2) + "\n",
  );
  await writeDocs(full, false);
  console.log(adbcIngestTable(report));
  console.log("Wrote bench/results/results.json and the PostgreSQL ingest table in docs/benchmarks.md");
}
