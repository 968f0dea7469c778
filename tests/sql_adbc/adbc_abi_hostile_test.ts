// What the zc_adbc_* exports do with what the engine never passes them: a
// forged, closed or other-kind handle is stale_handle; a string without its
// NUL, with one inside, or of length 0 is invalid_argument; a mode out of range
// or a forged lent stream is refused with a message; a null out pointer is
// refused before anything runs. And a connection closed while a call runs on
// it and a release waits for that call is released once, after both.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { STATUS } from "../../src/abi/layout.ts";
import { resolveDriver } from "../../src/sql/adbc/driver.ts";
import { connectWith, cString, handleIn, newOut, raw, rawConnect, rawQuery, statements } from "./_raw.ts";

const utf8 = new TextDecoder();
const said = (message: Uint8Array) => utf8.decode(message.subarray(0, message.indexOf(0)));

/** zc_adbc_query with `sql` as given (no NUL added) and its length as given. */
async function query(
  connection: bigint,
  sql: Uint8Array | null,
  length = sql?.length ?? 0,
  out: Uint8Array | null = newOut(),
): Promise<{ status: number; message: string; handle: bigint }> {
  const message = new Uint8Array(1024);
  if (out !== null) out.fill(0xff); // whatever was there: the export writes 0 on failure
  const status = await raw.zc_adbc_query(connection, sql, BigInt(length), null, null, message, 1024n, out);
  return {
    status,
    message: said(message),
    handle: out === null ? 0n : handleIn(out as Uint8Array<ArrayBuffer>),
  };
}

/** zc_adbc_ingest of `table` as given, with `lent` and `mode`. */
async function ingest(
  connection: bigint,
  table: Uint8Array,
  mode: number,
  lent: bigint,
  rows: BigInt64Array | null = new BigInt64Array(1),
): Promise<{ status: number; message: string; rows: bigint | undefined }> {
  const message = new Uint8Array(1024);
  const status = await raw.zc_adbc_ingest(
    connection,
    table,
    BigInt(table.length),
    mode,
    lent,
    message,
    1024n,
    rows,
  );
  return { status, message: said(message), rows: rows?.[0] };
}

describe("zc_adbc_* exports, misused", () => {
  it("refuse a forged, closed or other-kind handle as stale", async () => {
    const connection = await rawConnect();
    const stream = await rawQuery(connection, "select 1");
    for (const forged of [0n, 1n, 0xdead_beefn, 2n ** 64n - 1n, connection + 1n, stream]) {
      const result = await query(forged, cString("select 1"));
      assertEquals(result.status, STATUS.stale_handle, `handle ${forged}`);
      assertEquals(result.handle, 0n);
      assertEquals((await ingest(forged, cString("t"), 0, 1n)).status, STATUS.stale_handle);
      assertEquals(statements(forged), 0);
      raw.zc_adbc_close(forged); // ignored
    }
    raw.zc_arrow_stream_release(connection); // a connection is no stream: ignored
    assertEquals(statements(connection), 1, "the connection and its stream outlived the misuse");
    raw.zc_arrow_stream_release(stream);
    assertEquals(statements(connection), 0);
    raw.zc_adbc_close(connection);
    assertEquals((await query(connection, cString("select 1"))).status, STATUS.stale_handle);
    assertEquals((await ingest(connection, cString("t"), 0, 1n)).status, STATUS.stale_handle);
    assertEquals(statements(connection), 0);
    raw.zc_adbc_close(connection); // twice: ignored
  });

  it("refuse text without its NUL, with a NUL inside, of length 0, or null, and a null out", async () => {
    const connection = await rawConnect();
    const encoder = new TextEncoder();
    const cases: [string, Uint8Array | null, number?][] = [
      ["no NUL", encoder.encode("select 1")],
      ["a NUL inside", encoder.encode("select 1\0; select 2\0")],
      ["length 0", cString("select 1"), 0],
      ["null", null, 9],
    ];
    for (const [what, sql, length] of cases) {
      const result = await query(connection, sql, length);
      assertEquals(result.status, STATUS.invalid_argument, what);
      assertEquals(result.handle, 0n, what);
    }
    assertEquals(
      (await query(connection, cString("select 1"), undefined, null)).status,
      STATUS.invalid_argument,
    );
    assertEquals((await ingest(connection, encoder.encode("t"), 0, 1n)).status, STATUS.invalid_argument);
    assertEquals((await ingest(connection, cString("t"), 0, 1n, null)).status, STATUS.invalid_argument);
    assertEquals(statements(connection), 0, "nothing was made");
    const ok = await rawQuery(connection, "select 1");
    raw.zc_arrow_stream_release(ok);
    raw.zc_adbc_close(connection);
  });

  it("refuse an ingest mode out of range and a forged lent stream, with a message", async () => {
    const connection = await rawConnect();
    for (const mode of [4, 2 ** 31, 2 ** 32 - 1]) {
      const result = await ingest(connection, cString("t"), mode, 1n);
      assertEquals(result.status, STATUS.invalid_argument, `mode ${mode}`);
      assertEquals(result.rows, -1n);
    }
    for (const lent of [0n, 1n, 0xdead_beefn, connection]) {
      const result = await ingest(connection, cString("t"), 0, lent);
      assertEquals(result.status, STATUS.invalid_argument, `lent ${lent}`);
      assertStringIncludes(result.message, "lent stream");
    }
    assertEquals(statements(connection), 0);
    raw.zc_adbc_close(connection);
  });

  it("refuse a driver path or entry point without its NUL, and options that do not end in one", async () => {
    const file = await resolveDriver("sqlite", undefined);
    const encoder = new TextEncoder();
    const path = cString(file.path);
    const entrypoint = cString(file.entrypoint);
    for (
      const [what, p, e, o] of [
        ["path without NUL", encoder.encode(file.path), entrypoint, null],
        ["entry point without NUL", path, encoder.encode(file.entrypoint), null],
        ["options without the last NUL", path, entrypoint, encoder.encode("uri\0:memory:")],
      ] as const
    ) {
      const result = await connectWith(p, e, o);
      assertEquals(result.status, STATUS.invalid_argument, what);
      assertEquals(result.handle, 0n, what);
    }
    const missing = await connectWith(cString(`${file.path}.missing`), entrypoint, null);
    assertEquals(missing.status, STATUS.invalid_argument);
    assertStringIncludes(missing.message, "cannot load");
  });

  it("release a connection closed while a call runs and a release waits once, after both", async () => {
    const connection = await rawConnect();
    const first = await rawQuery(connection, "select 1");
    const long = rawQuery(
      connection,
      "with recursive c(x) as (select 1 union all select x + 1 from c where x < 4000000) select count(*) from c",
    );
    // Until the long query made its statement (it has pinned the handle): then close cannot refuse it.
    while (statements(connection) < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    raw.zc_adbc_close(connection); // the handle goes; the running call and both statements hold the connection
    raw.zc_arrow_stream_release(first); // handed to the running call
    const second = await long;
    assertEquals(statements(connection), 0, "the closed handle names nothing");
    raw.zc_arrow_stream_release(second); // the last statement: the driver's objects go now
    raw.zc_arrow_stream_release(second); // stale: ignored
    raw.zc_arrow_stream_release(first);
    // The connection is gone: a new one works, and the old handle stays refused.
    const again = await rawConnect();
    assert(again !== connection);
    raw.zc_arrow_stream_release(await rawQuery(again, "select 1"));
    raw.zc_adbc_close(again);
    assertEquals((await query(connection, cString("select 1"))).status, STATUS.stale_handle);
  });
});
