// The same cases over every engine behind `connect()`: the embedded DuckDB and
// each ADBC driver of the run (_drivers.ts). One API: the same parameters bind
// alike, ingest loads alike, streams read and end alike, and the same misuse
// gets the same error code everywhere.

import { assert, assertEquals, assertRejects } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import {
  type Data,
  Dictionary,
  Field,
  Int32,
  Int8,
  List,
  makeData,
  makeVector,
  Struct,
  Table,
  tableFromArrays,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { ZeroCopyError } from "../../mod.ts";
import { connect, type Connection, type SqlValue } from "../../sql.ts";
import { drivers, library, tableName } from "./_drivers.ts";
import { collect, gc } from "../gc/_collect.ts";

interface Engine {
  readonly name: string;
  connect(): Promise<Connection>;
  /** The placeholder of parameter `i` (1-based). */
  param(i: number): string;
  /** Whether it scans Arrow in place (`register`). */
  readonly registers: boolean;
}

const engines: Engine[] = [
  { name: "duckdb (embedded)", connect: () => connect({ library }), param: () => "?", registers: true },
  ...drivers.map((driver) => ({
    name: `${driver.name} (ADBC)`,
    connect: driver.connect,
    param: (i: number) => driver.name === "postgresql" ? `$${i}` : "?",
    registers: false,
  })),
];

async function refused(promise: Promise<unknown>, code: string, includes?: string): Promise<void> {
  const error = await assertRejects(() => promise, ZeroCopyError);
  assertEquals(error.code, code, error.message);
  if (includes !== undefined) assert(error.message.includes(includes), error.message);
}

const ints = (values: number[]) => new Table({ n: vectorFromArray(values, new Int32()) });

async function scalar(conn: Connection, sql: string, params?: SqlValue[]): Promise<unknown> {
  using result = await conn.query(sql, params);
  assertEquals(result.numRows, 1);
  const value = result.table.getChildAt(0)?.get(0);
  return typeof value === "bigint" || typeof value === "boolean" ? Number(value) : value;
}

for (const engine of engines) {
  describe(`SQL on ${engine.name}`, () => {
    it("binds every kind of parameter alike", async () => {
      await using conn = await engine.connect();
      const p = engine.param;
      assertEquals(await scalar(conn, `select cast(${p(1)} as bigint) + 1 as n`, [41]), 42);
      assertEquals(await scalar(conn, `select cast(${p(1)} as bigint) + 1 as n`, [41n]), 42);
      assertEquals(await scalar(conn, `select ${p(1)} * 2 as d`, [1.25]), 2.5);
      assertEquals(await scalar(conn, `select ${p(1)} as s`, ["zero copy"]), "zero copy");
      assertEquals(await scalar(conn, `select ${p(1)} is null as z`, [null]), 1);
      assertEquals(await scalar(conn, `select ${p(1)} is null as z`, ["x"]), 0);
      assertEquals(await scalar(conn, `select cast(${p(1)} as bigint) + 1 as n`, [2n ** 62n]), 2 ** 62 + 1);
      assertEquals(await scalar(conn, "select 7 as n", []), 7);
    });

    it("binds parameters of a stream as a query's", async () => {
      await using conn = await engine.connect();
      const p = engine.param;
      const rows: unknown[] = [];
      const sql = `select cast(${p(1)} as bigint) + 1 as n, ${p(2)} as s, ${p(3)} * 2 as d, ${
        p(4)
      } is null as z`;
      for await (using batch of conn.queryStream(sql, [41n, "zero copy", 1.25, null])) {
        for (const row of batch.table) rows.push(row.toJSON());
      }
      assertEquals(rows.length, 1);
      const { n, s, d, z } = rows[0] as Record<string, unknown>;
      assertEquals([Number(n), s, d, Number(z)], [42, "zero copy", 2.5, 1]);
      // Parameters of the wrong kind are refused at once (drivers differ on a wrong number: PostgreSQL's
      // ignores extra ones, SQLite binds missing ones as null; DuckDB refuses both at the first batch).
      const error = (() => {
        try {
          conn.queryStream("select 1", [{}] as never);
        } catch (error) {
          return error;
        }
      })();
      assert(error instanceof ZeroCopyError && error.code === "INVALID_ARGUMENT", String(error));
      if (engine.registers) {
        await using wrong = conn.queryStream(`select cast(${p(1)} as bigint) as n`, [1, 2]);
        await refused(wrong.next(), "SQL_ERROR");
      }
      assertEquals(await scalar(conn, `select cast(${p(1)} as bigint) as n`, [5]), 5);
    });

    it("ingests in every mode, and reports the rows", async () => {
      await using conn = await engine.connect();
      const t = tableName("engines");
      const loaded = await conn.ingest(t, ints([1, 2, 3]));
      assert(loaded === 3 || loaded === -1, `${loaded}`);
      await refused(conn.ingest(t, ints([4])), "SQL_ERROR");
      await conn.ingest(t, [ints([4]).batches[0], ints([5, 6]).batches[0]], "append");
      assertEquals(await scalar(conn, `select cast(sum(n) as bigint) as s from ${t}`), 21);
      await conn.ingest(t, ints([10]), "replace");
      assertEquals(await scalar(conn, `select cast(sum(n) as bigint) as s from ${t}`), 10);
      await conn.ingest(t, ints([5]), "create_append");
      const fresh = tableName("engines_fresh");
      await conn.ingest(
        fresh,
        (async function* () {
          yield ints([2]).batches[0];
        })(),
        "create_append",
      );
      assertEquals(
        await scalar(
          conn,
          `select cast((select sum(n) from ${t}) + (select sum(n) from ${fresh}) as bigint) as s`,
        ),
        17,
      );
      await refused(conn.ingest(tableName("missing"), ints([1]), "append"), "SQL_ERROR");
      for (const name of [t, fresh]) (await conn.query(`drop table ${name}`))[Symbol.dispose]();
    });

    it("ingests dictionary-encoded columns as their values, whole or as a stream", async () => {
      await using conn = await engine.connect();
      const t = tableName("dictionary");
      // tableFromArrays makes strings dictionary-encoded; the second batch has other indices and values.
      await conn.ingest(t, tableFromArrays({ s: ["a", "bb", "a", "ccc"], n: new Int32Array([1, 2, 3, 4]) }));
      const other = new Table({
        s: vectorFromArray(["x", null, "x"], new Dictionary(new Utf8(), new Int8())),
        n: vectorFromArray([5, 6, 7], new Int32()),
      });
      await conn.ingest(t, other, "append");
      const streamed = tableName("dictionary_stream");
      await conn.ingest(
        streamed,
        (async function* () {
          yield tableFromArrays({ s: ["q", "r", "q"], n: new Int32Array([1, 2, 3]) }).batches[0];
          yield tableFromArrays({ s: ["zz"], n: new Int32Array([4]) }).batches[0];
        })(),
      );
      const read = async (name: string) => {
        using result = await conn.query(`select s from ${name} order by n`);
        return [...result.table.getChild("s")!].map((s) => s ?? null);
      };
      assertEquals(await read(t), ["a", "bb", "a", "ccc", "x", null, "x"]);
      assertEquals(await read(streamed), ["q", "r", "q", "zz"]);
      for (const name of [t, streamed]) (await conn.query(`drop table ${name}`))[Symbol.dispose]();
    });

    it("stores a dictionary inside a list or a struct as its values, or refuses the type", async () => {
      await using conn = await engine.connect();
      const words = vectorFromArray(["a", "bb", "a"], new Dictionary(new Utf8(), new Int8())).data[0];
      const list = new List(new Field("item", words.type, true));
      const struct = new Struct([new Field("s", words.type, true)]);
      const columns = [
        [
          makeData({
            type: list,
            length: 2,
            nullCount: 0,
            valueOffsets: new Int32Array([0, 2, 3]),
            child: words,
          }),
          [
            ["a", "bb"],
            ["a"],
          ],
        ],
        [makeData({ type: struct, length: 3, nullCount: 0, children: [words] }), [{ s: "a" }, { s: "bb" }, {
          s: "a",
        }]],
      ] as const;
      for (const [column, expected] of columns) {
        const t = tableName("nested_dictionary");
        // SQLite's driver takes neither type and PostgreSQL's no struct: a refusal, never the indices stored.
        const loaded = await conn.ingest(t, new Table({ c: makeVector(column as Data) })).then(
          () => true,
          (error) => {
            assert(error instanceof ZeroCopyError && error.code === "SQL_ERROR", String(error));
            return false;
          },
        );
        if (!loaded) continue;
        using result = await conn.query(`select c from ${t}`);
        assertEquals(JSON.parse(JSON.stringify(result.table.getChild("c")!.toArray())), expected);
        (await conn.query(`drop table ${t}`))[Symbol.dispose]();
      }
    });

    it("fails an ingest whose source throws midway with a ZeroCopyError", async () => {
      await using conn = await engine.connect();
      const t = tableName("broken");
      const failing = async function* () {
        yield ints([1, 2]).batches[0];
        throw new Error("the source broke");
      };
      const error = await assertRejects(() => conn.ingest(t, failing()), ZeroCopyError);
      assertEquals(error.code, "STREAM_FAILED", error.message);
      assert(error.message.includes("the source broke"), error.message);
      if (engine.registers) await refused(conn.query(`select * from ${t}`), "SQL_ERROR");
      else {
        // PostgreSQL's driver leaves the table it created behind (empty), which a later run must not meet.
        (await conn.query(`drop table if exists ${t}`))[Symbol.dispose]();
      }
    });

    it("streams, breaks off, disposes an unread stream, and reads a stream after close", async () => {
      const conn = await engine.connect();
      const t = tableName("stream");
      await conn.ingest(t, ints(Array.from({ length: 20_000 }, (_, i) => i)));
      let sum = 0;
      for await (using batch of conn.queryStream(`select n from ${t}`)) {
        for (const n of batch.table.getChild("n")!) sum += Number(n);
      }
      assertEquals(sum, 20_000 * 19_999 / 2);
      let empty = 0;
      for await (using nothing of conn.queryStream(`select n from ${t} where n < 0`)) {
        empty += nothing.numRows;
      }
      assertEquals(empty, 0);
      for await (using first of conn.queryStream(`select n from ${t}`)) {
        assert(first.numRows > 0);
        break;
      }
      {
        await using _unread = conn.queryStream(`select n from ${t}`);
      }
      assertEquals(await scalar(conn, `select count(*) as c from ${t}`), 20_000);
      const late = conn.queryStream(`select n from ${t}`);
      const drop = conn.query(`drop table ${t}`);
      conn.close();
      let rows = 0;
      for await (using rest of late) rows += rest.numRows;
      assertEquals(rows, 20_000);
      (await drop)[Symbol.dispose]();
    });

    it(
      "lets the connection go when a stream is dropped between two batches",
      { ignore: gc === undefined },
      async () => {
        await using conn = await engine.connect();
        const t = tableName("dropped");
        await conn.ingest(t, ints(Array.from({ length: 20_000 }, (_, i) => i)));
        await (async () => {
          const stream = conn.queryStream(`select n from ${t}`);
          using first = (await stream.next()).value!;
          assert(first.numRows > 0);
        })();
        // Until the dropped stream is collected, the connection is its: the next statement waits.
        const next = conn.query(`select count(*) as c from ${t}`);
        let answered = false;
        next.then(() => answered = true, () => answered = true);
        await collect(() => answered, 300);
        assert(answered, "the dropped stream still holds the connection");
        (await next)[Symbol.dispose]();
        (await conn.query(`drop table ${t}`))[Symbol.dispose]();
      },
    );

    it("gets the same error codes for the same misuse", async () => {
      const conn = await engine.connect();
      await refused(
        conn.query("select * from no_such_table_anywhere"),
        "SQL_ERROR",
        "no_such_table_anywhere",
      );
      const bad = conn.queryStream("selec nothing");
      await refused(bad.next(), "SQL_ERROR");
      await refused(conn.query("select 1", [{}] as never), "INVALID_ARGUMENT");
      await refused(conn.query("select 1", [2n ** 64n]), "INVALID_ARGUMENT");
      await refused(conn.query("select 1", "x" as never), "INVALID_ARGUMENT");
      await refused(conn.query(42 as never), "INVALID_ARGUMENT");
      await refused(conn.ingest("", ints([1])), "INVALID_ARGUMENT");
      await refused(conn.ingest("t", ints([1]), "merge" as never), "INVALID_ARGUMENT");
      await refused(conn.ingest("t", [] as never), "INVALID_ARGUMENT", "no batch");
      await refused(conn.ingest("t", 42 as never), "INVALID_ARGUMENT");
      {
        await using own = conn.queryStream("select 1 as n");
        await refused(conn.ingest("t", own as never), "INVALID_ARGUMENT", "QueryStream");
      }
      const registered = conn.register("t", ints([1]));
      if (engine.registers) {
        await registered;
        assertEquals(await scalar(conn, "select cast(sum(n) as bigint) as s from t"), 1);
        await conn.unregister("t");
      } else {
        await refused(registered, "SQL_UNSUPPORTED", "ingest");
      }
      // A stream registered: read to its end first on DuckDB; refused unread through a driver.
      const stream = (async function* () {
        yield* ints([1, 2]).batches;
      })();
      const streamed = conn.register("s", stream);
      if (engine.registers) {
        await streamed;
        assertEquals(await scalar(conn, "select cast(sum(n) as bigint) as s from s"), 3);
        await conn.unregister("s");
      } else {
        await refused(streamed, "SQL_UNSUPPORTED");
        assertEquals((await stream.next()).done, false, "the stream was left unread");
      }
      await conn[Symbol.asyncDispose]();
      assert(conn.closed);
      await refused(conn.query("select 1"), "DISPOSED");
      await refused(conn.ingest("t", ints([1])), "DISPOSED");
      await refused(conn.register("t", ints([1])), "DISPOSED");
      assertEquals(
        (() => {
          try {
            conn.queryStream("select 1");
          } catch (error) {
            return (error as ZeroCopyError).code;
          }
        })(),
        "DISPOSED",
      );
      conn.close();
    });
  });
}
