// Compiled, never run, by tools/check_portable.sh in a Node project with `@types/node` and no DOM
// library: the npm form's declarations must type-check as a Node user's TypeScript sees them.

import {
  type ForeignLibraryInterface,
  lend,
  type LoadedLibrary,
  openDemo,
  type PointerValue,
  Region,
  type ZeroCopyBuffer,
  ZeroCopyError,
} from "@zerocopy/zerocopy";
import { adoptBatch } from "@zerocopy/zerocopy/arrow";
import {
  connect,
  type Connection,
  DUCKDB_VERSION,
  type QueryResult,
  type SqlValue,
} from "@zerocopy/zerocopy/sql";

const demo = await openDemo();
const buffer: ZeroCopyBuffer<"f64"> = demo.generate("f64", 4);
const sum: number = demo.bindings.zc_sum_f64(lend(new Float64Array(3)));
const region = Region.create(demo.library, 1024);
const batch = adoptBatch(demo.library, (out) => demo.library.symbols.zc_arrow_demo_batch(10n, 0, out));
const table = {
  twice: { parameters: ["u64", "buffer"], result: "pointer" },
} as const satisfies ForeignLibraryInterface;
const twice: LoadedLibrary<typeof table>["symbols"]["twice"] = (_count: bigint) => null as PointerValue;
console.log(buffer.view.length, sum, region.disposed, batch.table.numRows, ZeroCopyError.name, twice);

const conn: Connection = await connect({ library: demo.library });
const parameters: SqlValue[] = [1, "a", 2n, null];
const result: QueryResult = await conn.query("select ? as a, ? as b, ? as c, ? as d", parameters);
for await (const part of conn.queryStream("select 1")) part[Symbol.dispose]();
await conn.register("t", batch);
const rows: number = await conn.ingest("u", result.table, "create");
await using closing = conn;
console.log(DUCKDB_VERSION, result.table.numRows, rows, closing.closed);
