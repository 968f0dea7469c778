// An ingest through the SQLite ADBC driver whose worker (a worker_threads one in Node, a web Worker in
// Deno and Bun) is terminated while its source waits: the growing stream's lease lapses, so the
// driver's call, on a thread of the runtime's pool, returns and lets go of the database. Without it that
// thread would wait for good (in Node, one of libuv's four, which the terminated worker's teardown waits
// for too). The worker shortens the lease to half a second. And a connection whose worker is terminated is
// closed: the worker's isolate drops the guard kept beside its handle, whose finalizer closes it.

import { openLibrary } from "@zerocopy/zerocopy";
import { connect, type Connection } from "@zerocopy/zerocopy/sql";
import { env, equal, runtimeName, startWorker, test } from "./_harness.ts";

const lib = await openLibrary();

/** SQLite's refusal to write to the shared database, or undefined once it writes. */
async function write(conn: Connection): Promise<string | undefined> {
  try {
    (await conn.query("insert into marks values (1)"))[Symbol.dispose]();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Polls `probe` every 20 ms until `done` holds of its value or `ms` passed; the last value. */
async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms: number): Promise<T> {
  const start = Date.now();
  let value = await probe();
  while (!done(value) && Date.now() - start < ms) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await probe();
  }
  return value;
}

/** The SQLite driver the suite was given. */
function sqliteDriver(): string {
  const driver = env("ZEROCOPY_ADBC_SQLITE");
  if (driver === undefined) {
    throw new Error(
      "set ZEROCOPY_ADBC_SQLITE to libadbc_driver_sqlite.so (tools/adbc_drivers.sh installs it)",
    );
  }
  return driver;
}

/** A shared in-memory database of its own: it lives while a connection to it is open. */
function sharedMemoryUri(stem: string): string {
  return `file:${stem}_${Date.now()}_${Math.random().toString(36).slice(2)}?mode=memory&cache=shared`;
}

test(`${runtimeName}: an ingest whose worker is terminated while its source waits ends within the lease`, async () => {
  const driver = sqliteDriver();
  // One in-memory database both connections share: the worker's ingest holds its write lock.
  const uri = sharedMemoryUri("feeder");
  const conn = await connect({ driver, uri, library: lib });
  (await conn.query("create table marks (x integer)"))[Symbol.dispose]();
  const worker = startWorker(new URL("./_feeder_worker.ts", import.meta.url));
  worker.post({ driver, uri, leaseMs: 500 });
  equal(await worker.next(), "waiting");
  const locked = await until(() => write(conn), (refusal) => refusal !== undefined, 5_000);
  equal(locked?.includes("locked"), true, `the ingest holds the write lock (${locked}):`);
  // Node's terminate() settles once the worker's teardown ran, which waits for the driver's call.
  let closed = false;
  const closing = worker.close().then(() => closed = true);
  equal(await until(() => write(conn), (refusal) => refusal === undefined, 10_000), undefined);
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  equal(closed, true, "the worker's termination settled:");
  conn.close();
});

test(`${runtimeName}: a connection whose worker is terminated is closed`, async () => {
  const driver = sqliteDriver();
  const uri = sharedMemoryUri("gone");
  /** How many tables named `kept` the database has, seen through a connection of its own. */
  const keptTables = async () => {
    const conn = await connect({ driver, uri, library: lib });
    try {
      const result = await conn.query("select count(*) as n from sqlite_master where name = 'kept'");
      const tables = Number(result.table.getChild("n")?.get(0));
      result[Symbol.dispose]();
      return tables;
    } finally {
      conn.close();
    }
  };
  const worker = startWorker(new URL("./_connection_worker.ts", import.meta.url));
  worker.post({ driver, uri });
  equal(await worker.next(), "connected");
  equal(await keptTables(), 1, "the worker's connection keeps the database and its table:");
  await worker.close();
  // Closed as the worker's isolate goes, or by the next call into the library here.
  equal(
    await until(keptTables, (tables) => tables === 0, 4_000),
    0,
    "the database went with the connection:",
  );
});
