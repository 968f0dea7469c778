// The SQL exports as a hostile caller meets them: forged and stale handles, a
// connection used from two calls at once, a source unregistered through
// another connection or name, a forged batch descriptor, the structs of a registered batch
// overwritten after they were lent, utf8 offsets rewritten under a
// registration, a connection closed while its result is read. Zig holds every
// DuckDB object and C Data struct itself, so none of it can steer Zig to
// memory it did not check.

import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import {
  Field,
  Int32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  tableFromArrays,
  type Utf8,
  type Vector,
} from "apache-arrow";
import { connect } from "../sql.ts";
import { adoptBatch } from "../arrow.ts";
import { STATUS } from "../src/abi/layout.ts";
import type { sqlSymbols } from "../src/abi/symbols.ts";
import type { LoadedLibrary } from "../src/runtime/ffi_types.ts";
import { DESCRIPTOR_WORDS, newDescriptor } from "../src/buffer/descriptor.ts";
import { lendStructs } from "../src/arrow/lend.ts";
import { duckdbPath } from "../src/sql/duckdb_library.ts";
import { adoptChunk } from "../src/arrow/foreign_batch.ts";
import { QueryResult } from "../src/sql/query_result.ts";
import { lib } from "./_helpers.ts";
import { assertErrorCode } from "./_sql.ts";

const sql = lib.symbols as unknown as LoadedLibrary<typeof sqlSymbols>["symbols"];
const encoder = new TextEncoder();

async function rawConnection(): Promise<bigint> {
  const path = encoder.encode(await duckdbPath());
  const out = new BigUint64Array(1);
  assertEquals(sql.zc_sql_duckdb_open(path, BigInt(path.length), out), STATUS.ok);
  return out[0];
}

async function rawQuery(connection: bigint, text: string): Promise<bigint> {
  const bytes = encoder.encode(text);
  const out = new BigUint64Array(1);
  assertEquals(await sql.zc_sql_query(connection, bytes, BigInt(bytes.length), null, 0n, out), STATUS.ok);
  assertEquals(sql.zc_sql_result_error(out[0], null, 0n), 0n);
  return out[0];
}

function takeAll(result: bigint): QueryResult {
  const batches = [];
  const buffers = [];
  for (;;) {
    const chunk = adoptChunk(lib, (directory, slots) =>
      sql.zc_sql_result_take(
        result,
        directory,
        BigInt(directory.length),
        slots,
        BigInt(slots.length / DESCRIPTOR_WORDS),
      ));
    if (chunk === null) return new QueryResult(batches, buffers);
    batches.push(chunk.batch);
    buffers.push(...chunk.buffers);
  }
}

describe("SQL exports under hostile use", () => {
  it("refuses forged, zero and stale handles on every export with stale_handle", async () => {
    const random = new BigUint64Array(64);
    crypto.getRandomValues(random);
    const out = new BigUint64Array(1);
    const name = encoder.encode("t");
    const directory = new Uint8Array(4096);
    const slots = new BigUint64Array(DESCRIPTOR_WORDS * 8);
    const connection = await rawConnection();
    const stale = await rawQuery(connection, "select 1");
    assertEquals(sql.zc_sql_result_close(stale), STATUS.ok);
    for (const handle of [0n, stale, ...random]) {
      assertEquals(await sql.zc_sql_query(handle, name, 1n, null, 0n, out), STATUS.stale_handle);
      assertEquals(await sql.zc_sql_query_stream(handle, name, 1n, null, 0n, out), STATUS.stale_handle);
      assertEquals(sql.zc_sql_result_take(handle, directory, 4096n, slots, 8n), STATUS.stale_handle);
      assertEquals(sql.zc_sql_result_error(handle, null, 0n), 0n);
      assertEquals(sql.zc_sql_result_close(handle), STATUS.stale_handle);
      assertEquals(sql.zc_sql_source_add(handle, directory, directory), STATUS.stale_handle);
      assertEquals(sql.zc_sql_source_close(handle), STATUS.stale_handle);
      assertEquals(sql.zc_sql_register(handle, handle, name, 1n), STATUS.stale_handle);
      assertEquals(sql.zc_sql_register(connection, handle, name, 1n), STATUS.stale_handle);
      assertEquals(sql.zc_sql_unregister(connection, handle, name, 1n), STATUS.stale_handle);
      assertEquals(sql.zc_sql_close(handle), STATUS.stale_handle);
    }
    // A connection's handle is not a result's, nor the other way round.
    assertEquals(sql.zc_sql_result_close(connection), STATUS.stale_handle);
    assertEquals(sql.zc_sql_close(connection), STATUS.ok);
    assertEquals(sql.zc_sql_close(connection), STATUS.stale_handle);
  });

  it("refuses a stream's parameter bytes that lie, and frees the connection for the next statement", async () => {
    const connection = await rawConnection();
    const text = encoder.encode("select range from range(?)");
    const out = new BigUint64Array(1);
    const lies = [
      Uint8Array.of(4, 255, 255, 255, 127, 65), // a text longer than the bytes
      Uint8Array.of(2, 1, 2), // an int64 cut short
      Uint8Array.of(9), // an unknown tag
      Uint8Array.of(0, 0), // two parameters for one
    ];
    for (const lie of lies) {
      assertEquals(
        await sql.zc_sql_query_stream(connection, text, BigInt(text.length), lie, BigInt(lie.length), out),
        STATUS.ok,
      );
      assert(sql.zc_sql_result_error(out[0], null, 0n) > 0n, "the result carries why");
      assertEquals(sql.zc_sql_result_close(out[0]), STATUS.ok);
    }
    // A refused stream does not hold the connection.
    takeAll(await rawQuery(connection, "select 1"))[Symbol.dispose]();
    assertEquals(sql.zc_sql_close(connection), STATUS.ok);
  });

  it("keeps the connection to one statement at a time: a stream holds it until closed", async () => {
    const connection = await rawConnection();
    const text = encoder.encode("select range from range(100000)");
    const out = new BigUint64Array(1);
    assertEquals(
      await sql.zc_sql_query_stream(connection, text, BigInt(text.length), null, 0n, out),
      STATUS.ok,
    );
    const stream = out[0];
    assertEquals(await sql.zc_sql_query(connection, text, BigInt(text.length), null, 0n, out), STATUS.full);
    const source = new BigUint64Array(1);
    assertEquals(sql.zc_sql_source_create(source), STATUS.ok);
    assertEquals(sql.zc_sql_register(connection, source[0], text, 1n), STATUS.full);
    assertEquals(sql.zc_sql_source_close(source[0]), STATUS.ok);
    assertEquals(sql.zc_sql_result_close(stream), STATUS.ok);
    takeAll(await rawQuery(connection, "select 1"))[Symbol.dispose]();
    assertEquals(sql.zc_sql_close(connection), STATUS.ok);
  });

  it("reads a result whose connection was closed meanwhile: the database waits for it", async () => {
    const connection = await rawConnection();
    const result = await rawQuery(connection, "select range::integer as i from range(5000)");
    assertEquals(sql.zc_sql_close(connection), STATUS.ok);
    using read = takeAll(result);
    assertEquals(read.numRows, 5000);
    assertEquals(read.table.getChild("i")!.get(4999), 4999);
    assertEquals(sql.zc_sql_result_close(result), STATUS.ok);
  });

  it("ignores the lent structs once a batch is added: overwriting them steers nothing", async () => {
    const connection = await rawConnection();
    using batch = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(1000n, 0, out));
    const lent = lendStructs(lib, batch.recordBatch, "test", true);
    const source = new BigUint64Array(1);
    assertEquals(sql.zc_sql_source_create(source), STATUS.ok);
    assertEquals(sql.zc_sql_source_add(source[0], lent.schema, lent.array), STATUS.ok);
    // Pointers to nowhere, where the structs were: an old design would follow them.
    lent.schema.fill(0xa5);
    lent.array.fill(0xa5);
    const name = encoder.encode("scribbled");
    assertEquals(sql.zc_sql_register(connection, source[0], name, BigInt(name.length)), STATUS.ok);
    using read = takeAll(
      await rawQuery(connection, "select sum(f64) as s, count(utf8)::integer as n from scribbled"),
    );
    const expected = Array.from({ length: 1000 }, (_, p) => p * 0.5 - 3).reduce((a, b) => a + b, 0);
    assertEquals(read.table.get(0)!.toJSON(), { s: expected, n: 1000 });
    assertEquals(sql.zc_sql_unregister(connection, source[0], name, BigInt(name.length)), STATUS.ok);
    lent.release();
    assertEquals(sql.zc_sql_close(connection), STATUS.ok);
  });

  it("unregisters a source only on its own connection and by its own name, dropping nobody else's view", async () => {
    const [a, b] = [await rawConnection(), await rawConnection()];
    using batch = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(1000n, 0, out));
    const lent = lendStructs(lib, batch.recordBatch, "test", true);
    const [source, fresh] = [new BigUint64Array(1), new BigUint64Array(1)];
    assertEquals(sql.zc_sql_source_create(source), STATUS.ok);
    assertEquals(sql.zc_sql_source_create(fresh), STATUS.ok);
    assertEquals(sql.zc_sql_source_add(source[0], lent.schema, lent.array), STATUS.ok);
    const name = encoder.encode("t");
    const other = encoder.encode("u");
    assertEquals(sql.zc_sql_register(a, source[0], name, 1n), STATUS.ok);
    sql.zc_sql_result_close(await rawQuery(b, "create temporary view t as select 42 as x"));
    const count = async (connection: bigint, text: string) => {
      using read = takeAll(await rawQuery(connection, text));
      return read.table.get(0)!.toJSON();
    };
    // Another connection's handle, another name, a source never registered: nothing is dropped or closed.
    assertEquals(sql.zc_sql_unregister(b, source[0], name, 1n), STATUS.invalid_argument);
    assertEquals(sql.zc_sql_unregister(a, source[0], other, 1n), STATUS.invalid_argument);
    assertEquals(sql.zc_sql_unregister(a, fresh[0], name, 1n), STATUS.invalid_argument);
    assertEquals(await count(b, "select x from t"), { x: 42 });
    assertEquals(await count(a, "select count(*)::integer as n from t"), { n: 1000 });
    assertEquals(sql.zc_sql_source_close(fresh[0]), STATUS.ok);
    // Its own connection and name close it: the view goes, and the source with it.
    assertEquals(sql.zc_sql_unregister(a, source[0], name, 1n), STATUS.ok);
    assertEquals(sql.zc_sql_source_close(source[0]), STATUS.stale_handle);
    const gone = encoder.encode("select * from t");
    const out = new BigUint64Array(1);
    assertEquals(await sql.zc_sql_query(a, gone, BigInt(gone.length), null, 0n, out), STATUS.ok);
    assert(sql.zc_sql_result_error(out[0], null, 0n) > 0n, "the view was dropped");
    assertEquals(sql.zc_sql_result_close(out[0]), STATUS.ok);
    assertEquals(await count(b, "select x from t"), { x: 42 });
    lent.release();
    assertEquals(sql.zc_sql_close(a), STATUS.ok);
    assertEquals(sql.zc_sql_close(b), STATUS.ok);
  });

  it("refuses a forged batch descriptor, a stale source and a registered one on add_batch", async () => {
    const connection = await rawConnection();
    const source = new BigUint64Array(1);
    assertEquals(sql.zc_sql_source_create(source), STATUS.ok);
    const forged = newDescriptor();
    crypto.getRandomValues(forged);
    for (const descriptor of [forged, newDescriptor()]) {
      assertEquals(sql.zc_sql_source_add_batch(source[0], descriptor), STATUS.invalid_argument);
    }
    const name = encoder.encode("pinned");
    {
      using batch = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(100n, 0, out));
      const add = (handle: bigint) => batch.withDescriptor((d) => sql.zc_sql_source_add_batch(handle, d));
      assertEquals(add(0n), STATUS.stale_handle);
      assertEquals(add(source[0] ^ 1n), STATUS.stale_handle);
      assertEquals(add(source[0]), STATUS.ok);
      assertEquals(sql.zc_sql_register(connection, source[0], name, BigInt(name.length)), STATUS.ok);
      assertEquals(add(source[0]), STATUS.invalid_argument); // registered: no batch more
    }
    // The source holds its batch past the dispose (the checked library faults on a read of freed memory).
    using read = takeAll(await rawQuery(connection, "select count(*)::integer as n from pinned"));
    assertEquals(read.table.get(0)!.toJSON(), { n: 100 });
    assertEquals(sql.zc_sql_unregister(connection, source[0], name, BigInt(name.length)), STATUS.ok);
    assertEquals(sql.zc_sql_close(connection), STATUS.ok);
  });

  it("refuses a scan whose utf8 offsets were rewritten after registration, with no read out of bounds", async () => {
    using conn = await connect({ library: lib });
    using batch = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(3000n, 0, out));
    await conn.register("rewritten", batch);
    const offsets = (batch.table.getChild("utf8") as Vector<Utf8>).data[0].valueOffsets as Int32Array;
    const saved = offsets[2500];
    offsets[2500] = 2 ** 30; // past the characters
    const error = await assertRejects(() => conn.query("select max(length(utf8)) as m from rewritten"));
    assertErrorCode(error, "SQL_ERROR");
    assertStringIncludes((error as Error).message, "changed after it was registered");
    offsets[2500] = saved;
    using answer = await conn.query("select count(utf8)::integer as n from rewritten");
    assertEquals(answer.table.get(0)!.toJSON(), { n: 3000 });
    // Values may change under a registration; only where reads go is checked.
    (batch.table.getChild("i32") as Vector<Int32>).data[0].values[0] = -5;
    using changed = await conn.query("select min(i32)::integer as m from rewritten");
    assertEquals(changed.table.get(0)!.toJSON(), { m: -5 });
  });

  it("retries an adoption wider than the first directory, handing nothing over twice", async () => {
    using conn = await connect({ library: lib });
    const columns = Array.from(
      { length: 150 },
      (_, k) => `case when i % 3 = 0 then null else i + ${k} end as c${k}`,
    );
    const before = lib.stats();
    const result = await conn.query(`select ${columns.join(", ")} from range(100) t(i)`);
    assertEquals(result.table.numCols, 150);
    assertEquals(result.table.get(4)!.toJSON().c149, 4n + 149n);
    assertEquals(result.table.get(3)!.toJSON().c7, null);
    result[Symbol.dispose]();
    const after = lib.stats();
    assertEquals(after.liveBuffers, before.liveBuffers);
    assertEquals(after.totalReleased - before.totalReleased, after.totalHandedOver - before.totalHandedOver);
    assert(after.totalHandedOver - before.totalHandedOver >= 300, "every column's validity and values, once");
  });

  it("refuses parameter bytes cut short or of an unknown tag, reading none past their end", async () => {
    const connection = await rawConnection();
    const text = encoder.encode("select ? as a");
    const out = new BigUint64Array(1);
    const cases: [number[], string][] = [
      [[2, 1, 0, 0], "cut short"], // an int64 of 3 bytes
      [[4, 255, 255, 255, 127, 65], "cut short"], // text claiming 2 GiB
      [[1], "cut short"], // a bool with no byte
      [[9], "unknown tag"],
      [[0, 0], "beyond the statement"], // two nulls for one `?`
      [[], "Expected 1 parameters"], // none for one `?`: an empty buffer is no buffer, DuckDB says so
    ];
    for (const [bytes, why] of cases) {
      const parameters = new Uint8Array(bytes);
      assertEquals(
        await sql.zc_sql_query(
          connection,
          text,
          BigInt(text.length),
          parameters,
          BigInt(parameters.length),
          out,
        ),
        STATUS.ok,
      );
      const length = Number(sql.zc_sql_result_error(out[0], null, 0n));
      const message = new Uint8Array(length);
      sql.zc_sql_result_error(out[0], message, BigInt(length));
      assertStringIncludes(new TextDecoder().decode(message), why);
      assertEquals(sql.zc_sql_result_close(out[0]), STATUS.ok);
    }
    assertEquals(sql.zc_sql_close(connection), STATUS.ok);
  });

  it("refuses a libduckdb other than the one loaded, and SQL holding a NUL", async () => {
    const other = encoder.encode(lib.path);
    const out = new BigUint64Array(1);
    assertEquals(sql.zc_sql_duckdb_open(other, BigInt(other.length), out), STATUS.invalid_argument);
    using conn = await connect({ library: lib });
    assertErrorCode(await assertRejects(() => conn.query("select 1\0; drop table x")), "INVALID_ARGUMENT");
    const connection = await rawConnection();
    const text = encoder.encode("select 1\0");
    assertEquals(
      await sql.zc_sql_query(connection, text, BigInt(text.length), null, 0n, out),
      STATUS.invalid_argument,
    );
    assertEquals(sql.zc_sql_close(connection), STATUS.ok);
  });

  it("takes an ingest table name as one identifier, never as SQL, and lets its private view go", async () => {
    using conn = await connect({ library: lib });
    const { tableFromArrays } = await import("apache-arrow");
    const name = 'x"; drop table keep; --';
    (await conn.query("create table keep as select 1 as k"))[Symbol.dispose]();
    assertEquals(await conn.ingest(name, tableFromArrays({ n: new Int32Array([4, 5]) })), 2);
    using back = await conn.query(`select sum(n)::integer as s from "${name.replaceAll('"', '""')}"`);
    assertEquals(back.table.getChild("s")?.get(0), 9);
    using kept = await conn.query("select count(*)::integer as c from keep");
    assertEquals(kept.table.getChild("c")?.get(0), 1);
    // The source was registered only for the statement: no view of it is left behind.
    using views = await conn.query("select count(*)::integer as c from duckdb_views() where not internal");
    assertEquals(views.table.getChild("c")?.get(0), 0);
  });

  it("refuses a registered stream that lies, forges or moves what it yields, holding nothing after", async () => {
    using conn = await connect({ library: lib });
    const before = lib.stats().liveBuffers;
    const lying = makeData({
      type: new Struct([new Field("v", new Int32())]),
      length: 1000,
      children: [makeData({ type: new Int32(), length: 1000, data: new Int32Array(10) })],
    });
    const liar = new RecordBatch(new Schema([new Field("v", new Int32())]), lying);
    async function* lies() {
      yield tableFromArrays({ v: new Int32Array([1]) }).batches[0];
      yield liar;
    }
    assertErrorCode(await assertRejects(() => conn.register("lies", lies())), "ARROW_INVALID");
    // A batch whose prototype was borrowed, not built by apache-arrow.
    const forged = Object.create(RecordBatch.prototype);
    assertErrorCode(await assertRejects(() => conn.register("forged", [forged])), "INVALID_ARGUMENT");
    // An iterator whose results are not objects: the iteration protocol's own TypeError, as STREAM_FAILED.
    const broken = { [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve(42) }) };
    assertErrorCode(await assertRejects(() => conn.register("broken", broken as never)), "STREAM_FAILED");
    // A result disposed before the registration reads it.
    const result = await conn.query("select 1 as one");
    result[Symbol.dispose]();
    assertErrorCode(await assertRejects(() => conn.register("gone", [result])), "DISPOSED");
    // Memory moved away after it was yielded: the registration read its own copy.
    const values = new Int32Array([5, 6, 7]);
    async function* moving() {
      yield tableFromArrays({ v: values }).batches[0];
      values.buffer.transfer();
      yield tableFromArrays({ v: new Int32Array([8]) }).batches[0];
    }
    await conn.register("moved", moving());
    {
      using sum = await conn.query("select sum(v)::integer as s from moved");
      assertEquals(sum.table.getChild("s")?.get(0), 26);
    }
    await conn.unregister("moved");
    assertEquals(lib.stats().liveBuffers, before);
  });
});
