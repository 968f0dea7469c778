// An ingest whose source stops being read by a live thread: the growing
// stream's reader waits for the next batch only while the feeding side
// renews its lease (src/arrow/lend_growing.ts, zig/zerocopy/arrow/lent_stream.zig).
// A worker terminated mid-ingest, or a thread blocked past the lease, ends the
// stream as a failure, so the driver's call returns and its connection is
// freed; a source that is merely slow is read to its end. The lease is
// shortened here (GROWING_LEASE) so that each case takes about a second. And
// the renewing export refuses forged, other-kind and closed handles.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { connect, type Connection } from "../../sql.ts";
import { GROWING_LEASE } from "../../src/arrow/lend_growing.ts";
import { drivers, library, tableName } from "./_drivers.ts";
import { gc } from "../gc/_collect.ts";
import { batch, refused, ROWS, scalar, tracked } from "./_ingest.ts";
import { handleIn, newOut, raw, rawConnect } from "./_raw.ts";
import { STATUS } from "../../src/abi/layout.ts";
import type { FeederRequest } from "./_feeder_worker.ts";

const LEASE_MS = 400;

/** Runs `body` with the lease shortened to `ms`. */
async function withLease<T>(ms: number, body: () => Promise<T>): Promise<T> {
  const saved = { ...GROWING_LEASE };
  GROWING_LEASE.ms = ms;
  GROWING_LEASE.renewMs = Math.min(saved.renewMs, ms / 4);
  try {
    return await body();
  } finally {
    Object.assign(GROWING_LEASE, saved);
  }
}

/** Blocks this thread for `ms` milliseconds: no timer, no callback runs meanwhile. */
function blockFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* busy: the point is that nothing else runs */ }
}

/** Whether `conn` can write to the shared database, and SQLite's refusal when it cannot. */
async function write(conn: Connection): Promise<string | undefined> {
  try {
    (await conn.query("insert into marks values (1)"))[Symbol.dispose]();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe("ADBC sqlite, an ingest whose worker is terminated while its source waits", () => {
  it("ends the driver's call within the lease: the database's write lock is let go of", async () => {
    // One in-memory database both connections share: the worker's ingest holds its write lock.
    const uri = `file:${tableName("feeder")}?mode=memory&cache=shared`;
    await using conn = await connect({ driver: "sqlite", uri, library });
    (await conn.query("create table marks (x integer)"))[Symbol.dispose]();
    const worker = new Worker(new URL("./_feeder_worker.ts", import.meta.url), { type: "module" });
    const waiting = new Promise((resolve, reject) => {
      worker.onmessage = resolve;
      worker.onerror = reject;
    });
    const request: FeederRequest = { uri, table: "fed", leaseMs: 500 };
    worker.postMessage(request);
    await waiting;
    // Once the driver took the first batch it waits for the next, inside its write transaction.
    const started = Date.now();
    let locked = await write(conn);
    while (locked === undefined && Date.now() - started < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      locked = await write(conn);
    }
    assert(locked?.includes("locked"), `the ingest holds the write lock: ${locked}`);
    worker.terminate();
    const start = Date.now();
    let refusal = await write(conn);
    while (refusal !== undefined && Date.now() - start < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      refusal = await write(conn);
    }
    assertEquals(refusal, undefined, "the write lock was let go of once the lease lapsed");
    // The ingest failed: its table holds nothing, or does not exist.
    const rows = await scalar(conn, "select count(*) from sqlite_master where name = 'fed'")
      ? await scalar(conn, "select count(*) from fed")
      : 0;
    assertEquals(rows, 0);
  });
});

for (const driver of drivers) {
  describe(`ADBC ${driver.name}, the lease of a growing ingest`, () => {
    it("keeps a slow source's ingest going past the lease: its timer renews while the source awaits", async () => {
      await using conn = await driver.connect();
      const t = tableName("slow");
      async function* slow() {
        yield batch(0);
        await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_MS));
        yield batch(1);
      }
      const loaded = await withLease(LEASE_MS, () => conn.ingest(t, slow()));
      assert(loaded === 2 * ROWS || loaded === -1, `ingest reported ${loaded}`);
      assertEquals(await scalar(conn, `select count(*) from ${t}`), 2 * ROWS);
      (await conn.query(`drop table ${t}`))[Symbol.dispose]();
    });

    it("fails with STREAM_FAILED when the thread feeding it is blocked past the lease, and holds nothing", async () => {
      await using conn = await driver.connect();
      const t = tableName("blocked");
      const seen = tracked();
      const before = library.stats().liveBuffers;
      let blocked = 0;
      async function* stuck() {
        yield seen.keep(batch(0));
        // The driver took the first batch and waits for this one, while the lease is renewed.
        await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
        blockFor(2 * LEASE_MS);
        blocked++;
        yield seen.keep(batch(1));
      }
      const error = await withLease(LEASE_MS, () => refused(conn.ingest(t, stuck()), "STREAM_FAILED"));
      assertEquals(blocked, 1);
      assert(error.message.includes(`heard nothing from this thread for ${LEASE_MS} ms`), error.message);
      if (gc !== undefined) assert(await seen.allGone(), "every batch was let go of");
      assertEquals(library.stats().liveBuffers, before);
      // The connection goes on, and so does the next ingest.
      assertEquals(await scalar(conn, "select 1"), 1);
      const next = tableName("after");
      async function* one() {
        yield batch(7);
      }
      await conn.ingest(next, one());
      assertEquals(await scalar(conn, `select count(*) from ${next}`), ROWS);
    });
  });
}

describe("zc_arrow_lent_stream_alive, misused", () => {
  const lent = library.symbols as unknown as {
    zc_arrow_lent_stream_new(out: Uint8Array): number;
    zc_arrow_lent_stream_grow(handle: bigint): number;
    zc_arrow_lent_stream_finish(handle: bigint, failure: null, length: bigint): number;
    zc_arrow_lent_stream_alive(handle: bigint, leaseMs: number): number;
    zc_arrow_lent_stream_close(handle: bigint): void;
  };

  it("refuses forged, other-kind and closed handles as stale, and a stream that does not grow or is finished", async () => {
    const out = newOut();
    assertEquals(lent.zc_arrow_lent_stream_new(out), STATUS.ok);
    const handle = handleIn(out);
    const connection = await rawConnect();
    for (const forged of [0n, 1n, 0xdead_beefn, 2n ** 64n - 1n, handle + 1n, connection]) {
      assertEquals(lent.zc_arrow_lent_stream_alive(forged, 1000), STATUS.stale_handle, `handle ${forged}`);
    }
    raw.zc_adbc_close(connection);
    assertEquals(lent.zc_arrow_lent_stream_alive(handle, 1000), STATUS.handed_over_already); // not growing
    assertEquals(lent.zc_arrow_lent_stream_grow(handle), STATUS.ok);
    // Any term is taken (0 is the default one): only the stream's own consumer waits by it.
    for (const ms of [0, 1, 2 ** 32 - 1, 1000]) {
      assertEquals(lent.zc_arrow_lent_stream_alive(handle, ms), STATUS.ok);
    }
    assertEquals(lent.zc_arrow_lent_stream_finish(handle, null, 0n), STATUS.ok);
    assertEquals(lent.zc_arrow_lent_stream_alive(handle, 1000), STATUS.handed_over_already);
    lent.zc_arrow_lent_stream_close(handle);
    assertEquals(lent.zc_arrow_lent_stream_alive(handle, 1000), STATUS.stale_handle);
  });
});
