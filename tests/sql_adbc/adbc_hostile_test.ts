// What a careless or hostile caller gets from an ADBC connection: bad SQL is
// SQL_ERROR with the driver's own message; a result or a stream outlives the
// connection's close; calls after close are DISPOSED; register is refused;
// drivers are never looked up in the working directory, and a file that is not
// a driver is refused with a message; sources and parameters of the wrong kind
// are typed errors.

import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import {
  Dictionary,
  Field,
  Int32,
  Int8,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { ZeroCopyError } from "../../mod.ts";
import { connect } from "../../sql.ts";
import { drivers, library, tableName } from "./_drivers.ts";

async function refused(promise: Promise<unknown>, code: string, includes?: string): Promise<ZeroCopyError> {
  const error = await assertRejects(() => promise, ZeroCopyError);
  assertEquals(error.code, code, error.message);
  if (includes !== undefined) assert(error.message.includes(includes), error.message);
  return error;
}

const ints = (n: number) =>
  new Table({ n: vectorFromArray(Array.from({ length: n }, (_, i) => i), new Int32()) });

/** One column of strings dictionary-encoded over ["a", "b"] by `indices`, which nothing checks here. */
function dictionaryBatch(indices: number[]): RecordBatch {
  const column = makeData({
    type: new Dictionary(new Utf8(), new Int8()),
    length: indices.length,
    nullCount: 0,
    data: new Int8Array(indices),
    dictionary: vectorFromArray(["a", "b"], new Utf8()),
  });
  const schema = new Schema([new Field("s", column.type)]);
  const struct = makeData({
    type: new Struct(schema.fields),
    length: indices.length,
    nullCount: 0,
    children: [column],
  });
  return new RecordBatch(schema, struct);
}

for (const driver of drivers) {
  describe(`ADBC ${driver.name}, misused`, () => {
    it("refuses bad SQL with the driver's message, and goes on", async () => {
      await using conn = await driver.connect();
      await refused(conn.query("select * from no_such_table_here"), "SQL_ERROR", "no_such_table_here");
      await refused(conn.query("selec 1"), "SQL_ERROR");
      using ok = await conn.query("select 2 as two");
      assertEquals(Number(ok.table.getChild("two")?.get(0)), 2);
    });

    it("keeps a result and an open stream readable after the connection closes", async () => {
      const conn = await driver.connect();
      const result = await conn.query(`select i from (${driver.series(5000)}) q`);
      const stream = conn.queryStream(`select i from (${driver.series(5000)}) q`);
      conn.close();
      assert(conn.closed);
      await refused(conn.query("select 1"), "DISPOSED");
      await refused(conn.ingest("t", ints(1)), "DISPOSED");
      assertEquals(result.numRows, 5000);
      let rows = 0;
      for await (const batch of stream) {
        rows += batch.numRows;
        batch[Symbol.dispose]();
      }
      assertEquals(rows, 5000);
      assertEquals(Number(result.table.getChild("i")?.get(4999)), 4999);
      result[Symbol.dispose]();
      assertThrows(() => result.table, ZeroCopyError);
      conn.close(); // twice: nothing
    });

    it("refuses register and unregister: the engine cannot scan Arrow in place", async () => {
      await using conn = await driver.connect();
      await refused(conn.register("t", ints(3)), "SQL_UNSUPPORTED", "ingest");
      await refused(conn.unregister("t"), "SQL_UNSUPPORTED");
    });

    it("refuses sources and parameters of the wrong kind, and a table that exists in create mode", async () => {
      await using conn = await driver.connect();
      await refused(conn.ingest("t", 42 as never), "INVALID_ARGUMENT");
      await refused(conn.ingest("t", [] as never), "INVALID_ARGUMENT", "no batch");
      await refused(conn.ingest("t", [{}] as never), "INVALID_ARGUMENT");
      await refused(conn.ingest(7 as never, ints(1)), "INVALID_ARGUMENT");
      await refused(conn.ingest("t", ints(1), "upsert" as never), "INVALID_ARGUMENT");
      // A dictionary index past its values is refused before the driver sees the batch, first or later.
      await refused(conn.ingest(tableName("lying"), dictionaryBatch([0, 7])), "ARROW_INVALID", "index 7");
      const later = [dictionaryBatch([1, 0]), dictionaryBatch([1, 9])][Symbol.iterator]();
      await refused(conn.ingest(tableName("lying"), later), "ARROW_INVALID", "index 9");
      const t = tableName("twice");
      await conn.ingest(t, ints(3));
      await refused(conn.ingest(t, ints(3)), "SQL_ERROR");
      assertEquals(await conn.ingest(t, ints(2), "append").then((n) => n === 2 || n === -1), true);
      using count = await conn.query(`select count(*) as n from ${t}`);
      assertEquals(Number(count.table.getChild("n")?.get(0)), 5);
      await refused(conn.query("select 1", [{}] as never), "INVALID_ARGUMENT");
      await refused(conn.query("select 1", 5 as never), "INVALID_ARGUMENT");
      await refused(conn.query("select ?", [2n ** 64n]), "INVALID_ARGUMENT");
      await refused(conn.query(42 as never), "INVALID_ARGUMENT");
      (await conn.query(`drop table ${t}`))[Symbol.dispose]();
    });
  });
}

describe("connect({ driver })", () => {
  it("never looks a driver up in the working directory", async () => {
    await refused(connect({ driver: "libadbc_driver_sqlite.so", library }), "UNTRUSTED_PATH");
    await refused(connect({ driver: "./libadbc_driver_sqlite.so", library }), "UNTRUSTED_PATH");
    await refused(connect({ driver: "mysql", library }), "UNTRUSTED_PATH");
  });

  it("names what is wrong with a driver file", async () => {
    await refused(
      connect({ driver: new URL("no_such_driver.so", import.meta.url).pathname, library }),
      "LIBRARY_NOT_FOUND",
    );
    const notALibrary = new URL("_drivers.ts", import.meta.url).pathname;
    await refused(connect({ driver: notALibrary, library }), "SQL_ERROR", "cannot load");
    await refused(
      connect({
        driver: library.path.startsWith("/") ? library.path : `${Deno.cwd()}/${library.path}`,
        library,
      }),
      "SQL_ERROR",
      "AdbcDriverInit",
    );
    await refused(connect({ driver: "sqlite", entrypoint: "no such()", library }), "INVALID_ARGUMENT");
  });

  it("refuses a cacheDir that is not a directory path, before looking for the driver", async () => {
    for (const cacheDir of [5, "", "/tmp/a\0b", { path: "/tmp" }, null]) {
      await refused(
        connect({ driver: "sqlite", cacheDir: cacheDir as unknown as string, library }),
        "INVALID_ARGUMENT",
        "cacheDir",
      );
    }
  });

  it("passes the driver's refusal of a database on", async () => {
    await refused(
      connect({ driver: "postgresql", uri: "postgresql://127.0.0.1:1/none", library }),
      "SQL_ERROR",
    );
    await refused(connect({ driver: "sqlite", options: { "no.such.option": "1" }, library }), "SQL_ERROR");
  });
});
