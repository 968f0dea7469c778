// `ingest` of an (async) iterable through an ADBC driver (src/arrow/lend_growing.ts):
// one bulk-ingest statement whose stream grows while the driver reads it, the
// source read a few batches ahead of the driver and each batch let go of once
// the driver released it; a source that throws, a refused item, a close
// meanwhile end the stream with an error, and every batch is let go of.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { Float64, Int32, Table, vectorFromArray } from "apache-arrow";
import { drivers, library, tableName } from "./_drivers.ts";
import { collect, gc } from "../gc/_collect.ts";
import { GROWING_QUEUE } from "../../src/arrow/lend_growing.ts";
import { batch, byBatches, collected, memoryOf, refused, ROWS, scalar, tracked } from "./_ingest.ts";

for (const driver of drivers) {
  describe(`ADBC ${driver.name}, ingest of an (async) iterable`, () => {
    it("loads 40 batches in one statement, letting go of early ones before the source ends", async () => {
      await using conn = await driver.connect();
      const t = tableName("grown");
      const batches = 40;
      const early: WeakRef<ArrayBufferLike>[] = [];
      let released: boolean | undefined;
      async function* source() {
        for (let i = 0; i < batches; i++) {
          const b = batch(i);
          if (i < 5) early.push(new WeakRef(memoryOf(b)));
          if (i === 20 && gc !== undefined) {
            // The driver took batches 0..17 or so and released them: nothing pins the first five.
            released = await collected(early);
          }
          yield b;
        }
      }
      const loaded = await byBatches(() => conn.ingest(t, source()));
      assert(loaded === batches * ROWS || loaded === -1, `ingest reported ${loaded}`);
      assertEquals(await scalar(conn, `select count(*) from ${t}`), batches * ROWS);
      assertEquals(await scalar(conn, `select count(distinct id) from ${t}`), batches * ROWS);
      assertEquals(await scalar(conn, `select max(id) from ${t}`), batches * ROWS - 1);
      if (gc !== undefined) assert(released, "the first batches were let go of before the source ended");
      (await conn.query(`drop table ${t}`))[Symbol.dispose]();
    });

    it("reads ahead by bytes once enough batches wait: bounded for a refused statement, whole for one taken", async () => {
      const saved = { ...GROWING_QUEUE };
      // One batch waiting is enough by count: the bound is three batches' bytes.
      GROWING_QUEUE.batches = 1;
      GROWING_QUEUE.bytes = 3 * batch(0).data.byteLength;
      try {
        await using conn = await driver.connect();
        const t = tableName("bybytes");
        let read = 0;
        const counted = async function* (n: number) {
          for (let i = 0; i < n; i++) {
            read++;
            yield batch(i);
          }
        };
        await conn.ingest(t, counted(30));
        assertEquals(await scalar(conn, `select count(*) from ${t}`), 30 * ROWS);
        read = 0;
        await refused(conn.ingest(t, counted(1000)), "SQL_ERROR");
        assert(read <= 6, `read ${read} batches ahead of a driver that took none`);
        (await conn.query(`drop table ${t}`))[Symbol.dispose]();
      } finally {
        Object.assign(GROWING_QUEUE, saved);
      }
    });

    it("loads a synchronous generator in every mode", async () => {
      await using conn = await driver.connect();
      const t = tableName("gen");
      const source = function* () {
        for (let i = 0; i < 7; i++) yield batch(i);
      };
      await conn.ingest(t, source());
      await conn.ingest(t, source(), "append");
      await conn.ingest(t, source(), "create_append");
      assertEquals(await scalar(conn, `select count(*) from ${t}`), 21 * ROWS);
      await conn.ingest(t, source(), "replace");
      assertEquals(await scalar(conn, `select count(*) from ${t}`), 7 * ROWS);
      (await conn.query(`drop table ${t}`))[Symbol.dispose]();
    });

    it("fails with STREAM_FAILED when the source throws midway, and holds nothing", async () => {
      await using conn = await driver.connect();
      const t = tableName("broken");
      const seen = tracked();
      let finished = false;
      const before = library.stats().liveBuffers;
      async function* failing() {
        try {
          for (let i = 0; i < 30; i++) {
            if (i === 17) throw new Error("the source broke");
            yield seen.keep(batch(i));
          }
        } finally {
          finished = true;
        }
      }
      const error = await refused(conn.ingest(t, failing()), "STREAM_FAILED");
      assertEquals((error.cause as Error).message, "the source broke");
      assert(error.message.includes("after 17 batches"), error.message);
      assert(finished);
      // The statement failed: SQLite's and PostgreSQL's drivers roll back; DuckDB's keeps what it had read.
      if (driver.name !== "duckdb") {
        const rows = await conn.query(`select count(*) from ${t}`).then(
          (result) => {
            using r = result;
            return Number(r.table.getChildAt(0)!.get(0));
          },
          () => 0, // no table at all
        );
        assertEquals(rows, 0);
      }
      if (gc !== undefined) assert(await seen.allGone(), "every batch was let go of");
      assertEquals(library.stats().liveBuffers, before);
      // The connection goes on.
      assertEquals(await scalar(conn, "select 1"), 1);
    });

    it("refuses an item that is no batch, or a batch of another schema, and ends the source", async () => {
      await using conn = await driver.connect();
      let finished = 0;
      async function* mixed(last: unknown) {
        try {
          for (let i = 0; i < 6; i++) yield batch(i);
          yield last;
          yield batch(7);
        } finally {
          finished++;
        }
      }
      await refused(conn.ingest(tableName("mixed"), mixed("not a batch") as never), "INVALID_ARGUMENT");
      const other = new Table({
        id: vectorFromArray([1], new Int32()),
        more: vectorFromArray([0.5], new Float64()),
      }).batches[0];
      await refused(conn.ingest(tableName("mixed"), mixed(other) as never), "ARROW_INVALID");
      await collect(() => finished === 2);
      assertEquals(finished, 2, "each source was told to end");
      assertEquals(await scalar(conn, "select 2"), 2);
    });

    it("stops reading the source when the driver refuses the statement", async () => {
      await using conn = await driver.connect();
      const t = tableName("exists");
      await conn.ingest(t, [batch(0)]);
      let read = 0;
      let finished = false;
      async function* many() {
        try {
          for (let i = 0; i < 1000; i++) {
            read++;
            yield batch(i);
          }
        } finally {
          finished = true;
        }
      }
      await refused(byBatches(() => conn.ingest(t, many())), "SQL_ERROR");
      await collect(() => finished);
      assert(finished, "the source was told to end");
      assert(read < 1000, `read ${read} batches of a source the driver refused`);
      assertEquals(await scalar(conn, `select count(*) from ${t}`), ROWS);
    });

    it("ends the stream with DISPOSED when the connection closes during the ingest", async () => {
      const conn = await driver.connect();
      const seen = tracked();
      let finished = false;
      let open!: () => void;
      const gate = new Promise<void>((resolve) => open = resolve);
      let taken!: () => void;
      const waiting = new Promise<void>((resolve) => taken = resolve);
      async function* slow() {
        try {
          for (let i = 0; i < 3; i++) yield seen.keep(batch(i));
          taken();
          await gate; // the source stalls: the driver waits in get_next
          for (let i = 3; i < 10; i++) yield seen.keep(batch(i));
        } finally {
          finished = true;
        }
      }
      const before = library.stats().liveBuffers;
      const ingest = conn.ingest(tableName("closed"), slow());
      await waiting;
      const closed = conn.close();
      await refused(ingest, "DISPOSED");
      await closed;
      open();
      await collect(() => finished);
      assert(finished, "the source was told to end");
      if (gc !== undefined) assert(await seen.allGone(), "every batch was let go of");
      assertEquals(library.stats().liveBuffers, before);
      await refused(conn.ingest("t", slow()), "DISPOSED");
    });

    it("ends the stream with DISPOSED when the connection closes before the source's first batch", async () => {
      const conn = await driver.connect();
      let open!: () => void;
      const gate = new Promise<void>((resolve) => open = resolve);
      let finished = false;
      async function* late() {
        try {
          await gate;
          for (let i = 0; i < 10; i++) yield batch(i);
        } finally {
          finished = true;
        }
      }
      const ingest = conn.ingest(tableName("late"), late());
      await new Promise((resolve) => setTimeout(resolve, 10));
      const closed = conn.close();
      open();
      await refused(ingest, "DISPOSED");
      await closed;
      await collect(() => finished);
      assert(finished, "the source was told to end");
    });

    it("refuses an empty source and one failing at once, before the driver is called", async () => {
      await using conn = await driver.connect();
      await refused(conn.ingest("t", (async function* () {})()), "INVALID_ARGUMENT");
      const error = await refused(
        conn.ingest(
          "t",
          (async function* () {
            yield* [];
            throw new Error("no batch at all");
          })(),
        ),
        "STREAM_FAILED",
      );
      assertEquals((error.cause as Error).message, "no batch at all");
      assertEquals(await scalar(conn, "select 3"), 3);
    });
  });
}
