// The ADBC drivers the suite runs on: SQLite in memory always, PostgreSQL when
// tools/postgres.sh started a server (ZEROCOPY_POSTGRES_URI), and DuckDB's own
// ADBC driver. Each gets its own connection per test and its own table names.

import { openLibrary } from "../../mod.ts";
import { connect, type Connection } from "../../sql.ts";

export const library = await openLibrary();

export interface Driver {
  readonly name: string;
  connect(): Promise<Connection>;
  /** SQL for a column of `n` integers 0..n-1 named `i`. */
  series(n: number): string;
}

const postgresUri = Deno.env.get("ZEROCOPY_POSTGRES_URI");

export const drivers: Driver[] = [
  {
    name: "sqlite",
    connect: () => connect({ driver: "sqlite", uri: ":memory:", library }),
    series: (n) =>
      `with recursive s(i) as (select 0 union all select i + 1 from s where i < ${n - 1}) select i from s`,
  },
  {
    name: "duckdb",
    connect: () => connect({ driver: "duckdb", library }),
    series: (n) => `select range::bigint as i from range(${n})`,
  },
  ...(postgresUri === undefined ? [] : [{
    name: "postgresql",
    connect: () => connect({ driver: "postgresql", uri: postgresUri, library }),
    series: (n: number) => `select i::bigint as i from generate_series(0, ${n - 1}) as g(i)`,
  }]),
];

let unique = 0;
// A process id comes back once the kernel's counter wraps (at 32,768 here), and PostgreSQL's driver leaves
// behind the table of an ingest that failed: a name must differ from an earlier process's with the same id.
const run = crypto.randomUUID().slice(0, 8);
/** A table name no other test of this run, nor of any other run on the same server, uses. */
export function tableName(stem: string): string {
  return `${stem}_${Deno.pid}_${run}_${unique++}`;
}
