// The SQL subpath as a Node, Bun or Deno program sees it: DuckDB embedded (libduckdb from the pinned npm
// package, found as each runtime finds it), queries with parameters and in batches, Arrow sources
// registered (a table built here, a batch Zig handed over), ingest, and the errors a caller meets; then
// SQLite through its ADBC driver, at the absolute path ZEROCOPY_ADBC_SQLITE names (tools/adbc_drivers.sh
// installs it; tools/check_portable.sh sets it), and DuckDB's own driver from libduckdb's package. Every
// expected value is computed here again.

import { openLibrary, ZeroCopyError } from "@zerocopy/zerocopy";
import { adoptBatch } from "@zerocopy/zerocopy/arrow";
import { connect, type Connection, DUCKDB_VERSION } from "@zerocopy/zerocopy/sql";
import { tableFromArrays } from "apache-arrow";
import { env, equal, liveAfterCollection, runtimeName, settledStats, test } from "./_harness.ts";

const lib = await openLibrary();

/** The error `promise` rejects with, which must be a ZeroCopyError carrying `code`. */
async function rejectsCode(promise: Promise<unknown>, code: string): Promise<ZeroCopyError> {
  try {
    await promise;
  } catch (error) {
    equal(error instanceof ZeroCopyError, true, `${error}:`);
    equal((error as ZeroCopyError).code, code, `${(error as Error).message}:`);
    return error as ZeroCopyError;
  }
  throw new Error(`expected a ${code} rejection, got none`);
}

async function rows(conn: Connection, sql: string, parameters: (number | string | bigint | null)[] = []) {
  const result = await conn.query(sql, parameters);
  try {
    return result.table.toArray().map((row) => row.toJSON());
  } finally {
    result[Symbol.dispose]();
  }
}

test(`${runtimeName}: connects to DuckDB ${DUCKDB_VERSION} and queries with parameters`, async () => {
  const before = await settledStats(() => lib.stats());
  const conn = await connect({ library: lib });
  const result = await conn.query(
    "select ?::integer + 1 as next, ?::varchar as name, ?::bigint * 2 as twice, ? is null as absent",
    [41, "zerocopy", 1n << 40n, null],
  );
  equal(result.numRows, 1);
  equal(result.table.get(0)!.toJSON(), { next: 42, name: "zerocopy", twice: 1n << 41n, absent: true });
  equal(lib.stats().liveBuffers > before.liveBuffers, true, "the result's buffers are Zig's:");
  result[Symbol.dispose]();
  conn.close();
  equal(await liveAfterCollection(() => lib.stats(), before.liveBuffers), before.liveBuffers);
});

test(`${runtimeName}: reads a result of three of DuckDB's vectors a batch at a time`, async () => {
  const conn = await connect({ library: lib });
  let total = 0n, batches = 0, count = 0;
  for await (const batch of conn.queryStream("select range as i from range(5000)")) {
    for (const i of batch.table.getChild("i")!) total += i as bigint;
    batches++;
    count += batch.numRows;
    batch[Symbol.dispose]();
  }
  equal([count, total], [5000, 4999n * 5000n / 2n]);
  equal(batches > 1, true, `${batches} batches:`);
  await conn[Symbol.asyncDispose]();
});

test(`${runtimeName}: registers an apache-arrow table and scans its projection and filter`, async () => {
  const conn = await connect({ library: lib });
  const n = 3000;
  const x = Int32Array.from({ length: n }, (_, i) => i * 3);
  const name = Array.from({ length: n }, (_, i) => `n${i}`);
  await conn.register("t", tableFromArrays({ x, name, y: Float64Array.from(x, (v) => v / 2) }));
  equal(await rows(conn, "select name, x from t where x % 1000 = 0 order by x"), [
    { name: "n0", x: 0 },
    { name: "n1000", x: 3000 },
    { name: "n2000", x: 6000 },
  ]);
  equal(await rows(conn, "select sum(y) as s from t"), [{ s: x.reduce((s, v) => s + v / 2, 0) }]);
  await conn.unregister("t");
  const error = await rejectsCode(conn.query("select * from t"), "SQL_ERROR");
  equal(error.message.includes("t"), true, `${error.message}:`);
  await rejectsCode(conn.unregister("t"), "INVALID_ARGUMENT");
  conn.close();
});

test(`${runtimeName}: registers a batch Zig handed over and scans it in place`, async () => {
  const before = await settledStats(() => lib.stats());
  const conn = await connect({ library: lib });
  const n = 5000;
  // zig/demo/demo_arrow.zig, row p: i32 = 37p + 1, f64 = p / 2 - 3, utf8 = "r<p>" ("" when p % 5 = 4), bool = p % 3 = 0.
  const batch = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(BigInt(n), 0, out));
  await conn.register("demo", batch);
  const result = await conn.query("select utf8, i32 from demo where i32 < 100 order by i32");
  equal(result.table.schema.fields.map((f) => f.name), ["utf8", "i32"]);
  equal(result.table.toArray().map((row) => row.toJSON()), [
    { utf8: "r0", i32: 1 },
    { utf8: "r1", i32: 38 },
    { utf8: "r2", i32: 75 },
  ]);
  result[Symbol.dispose]();
  const truths = Array.from({ length: n }, (_, p) => p).filter((p) => p % 3 === 0);
  equal(await rows(conn, "select count(*)::integer as n, sum(f64) as s from demo where bool"), [
    { n: truths.length, s: truths.reduce((s, p) => s + p / 2 - 3, 0) },
  ]);
  // Disposed while registered: its memory stays until unregister lets the scan's hold go.
  batch[Symbol.dispose]();
  equal(await rows(conn, "select count(*)::integer as n from demo"), [{ n }]);
  await conn.unregister("demo");
  conn.close();
  equal(await liveAfterCollection(() => lib.stats(), before.liveBuffers), before.liveBuffers);
});

test(`${runtimeName}: ingests an apache-arrow table into DuckDB`, async () => {
  const conn = await connect({ library: lib });
  const x = Float64Array.from({ length: 100 }, (_, i) => i * 0.25);
  equal(await conn.ingest("points", tableFromArrays({ x })), 100);
  equal(await rows(conn, "select count(*)::integer as n, sum(x) as s from points"), [
    { n: 100, s: x.reduce((s, v) => s + v, 0) },
  ]);
  await rejectsCode(conn.ingest("points", tableFromArrays({ x })), "SQL_ERROR");
  equal(await conn.ingest("points", tableFromArrays({ x }), "append"), 100);
  equal(await rows(conn, "select count(*)::integer as n from points"), [{ n: 200 }]);
  conn.close();
});

test(`${runtimeName}: a result and a stream asked before close stay readable after it`, async () => {
  const conn = await connect({ library: lib });
  const result = await conn.query("select range::integer as i from range(10)");
  const stream = conn.queryStream("select range as i from range(3000)");
  conn.close();
  conn.close();
  equal(conn.closed, true);
  await rejectsCode(conn.query("select 1"), "DISPOSED");
  equal(Array.from(result.table.getChild("i")!), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  let count = 0;
  for await (const batch of stream) {
    count += batch.numRows;
    batch[Symbol.dispose]();
  }
  equal(count, 3000);
  await conn[Symbol.asyncDispose]();
  equal(result.table.getChild("i")!.get(9), 9);
  result[Symbol.dispose]();
  result[Symbol.dispose]();
  equal(result.disposed, true);
});

test(`${runtimeName}: bad SQL and bad arguments reject with a ZeroCopyError`, async () => {
  const conn = await connect({ library: lib });
  const error = await rejectsCode(conn.query("selec 1"), "SQL_ERROR");
  equal(error.message.includes("syntax error"), true, `${error.message}:`);
  await rejectsCode(conn.query("select ?::integer as a", []), "SQL_ERROR");
  await rejectsCode(conn.query(42 as unknown as string), "INVALID_ARGUMENT");
  await rejectsCode(conn.query("select ? as a", [{} as unknown as string]), "INVALID_ARGUMENT");
  await rejectsCode(conn.register("", tableFromArrays({ x: new Int32Array(1) })), "INVALID_ARGUMENT");
  await rejectsCode(conn.register("x", {} as never), "INVALID_ARGUMENT");
  // The connection still answers after each refusal.
  equal(await rows(conn, "select 1 as one"), [{ one: 1 }]);
  conn.close();
  await rejectsCode(connect({ driver: "relative/libadbc_driver_sqlite.so" }), "UNTRUSTED_PATH");
});

test(`${runtimeName}: reaches SQLite through its ADBC driver at an absolute path`, async () => {
  const driver = env("ZEROCOPY_ADBC_SQLITE");
  if (driver === undefined) {
    throw new Error(
      "set ZEROCOPY_ADBC_SQLITE to libadbc_driver_sqlite.so (tools/adbc_drivers.sh installs it)",
    );
  }
  const conn = await connect({ driver, uri: ":memory:", library: lib });
  equal(await rows(conn, "select 6 * 7 as answer"), [{ answer: 42n }]);
  equal(await conn.ingest("t", tableFromArrays({ x: new Float64Array([0.5, 1.5, 2]) })), 3);
  equal(await rows(conn, "select sum(x) as s, count(*) as n from t"), [{ s: 4, n: 3n }]);
  // An async generator: the driver reads it as it is produced, on the ingest's thread.
  const many = async function* () {
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      yield tableFromArrays({ x: new Float64Array(100).fill(i) }).batches[0];
    }
  };
  equal(await conn.ingest("g", many()), 2000);
  equal(await rows(conn, "select sum(x) as s, count(*) as n from g"), [{ s: 19000, n: 2000n }]);
  const failing = async function* () {
    yield tableFromArrays({ x: new Float64Array([1]) }).batches[0];
    throw new Error("the source broke");
  };
  await rejectsCode(conn.ingest("f", failing()), "STREAM_FAILED");
  await rejectsCode(conn.query("selec 1"), "SQL_ERROR");
  await rejectsCode(conn.register("r", tableFromArrays({ x: new Int32Array(1) })), "SQL_UNSUPPORTED");
  await conn[Symbol.asyncDispose]();
});

test(`${runtimeName}: reaches DuckDB through its own ADBC driver, from the same package`, async () => {
  const conn = await connect({ driver: "duckdb", library: lib });
  equal(await rows(conn, "select 6 * 7 as answer"), [{ answer: 42 }]);
  equal(await conn.ingest("t", tableFromArrays({ x: new Int32Array([1, 2, 3]) })), 3);
  equal(await rows(conn, "select sum(x)::integer as s from t"), [{ s: 6 }]);
  await conn[Symbol.asyncDispose]();
});
