// Releasing an ADBC result stream never waits for the connection's lock on the
// JavaScript thread (zig/zerocopy/sql/adbc_connection.zig `runLocked`): while
// another call runs on the connection, the release is handed to that call,
// which runs it before letting the lock go, once. Counted through
// `zc_adbc_statements`, the statements alive over the connection.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { STATUS } from "../../src/abi/layout.ts";
import { abiLayout } from "../../src/abi/symbols.ts";
import { resolveDriver } from "../../src/sql/adbc/driver.ts";
import { library } from "./_drivers.ts";

const HANDLE_AT = abiLayout.structs.StreamOut.fields.handle;
const encoder = new TextEncoder();
const cString = (text: string) => encoder.encode(`${text}\0`);

interface Raw {
  zc_adbc_connect(...args: unknown[]): Promise<number>;
  zc_adbc_query(...args: unknown[]): Promise<number>;
  zc_adbc_statements(connection: bigint): number | bigint;
  zc_adbc_close(connection: bigint): void;
  zc_arrow_stream_release(handle: bigint): void;
}
const raw = library.symbols as unknown as Raw;

async function rawConnect(): Promise<bigint> {
  const file = await resolveDriver("sqlite", undefined);
  const path = cString(file.path);
  const entrypoint = cString(file.entrypoint);
  const options = cString(`${file.uriOption}\0:memory:`);
  const message = new Uint8Array(1024);
  const out = new Uint8Array(abiLayout.structs.StreamOut.size);
  const status = await raw.zc_adbc_connect(
    path,
    BigInt(path.length),
    entrypoint,
    BigInt(entrypoint.length),
    options,
    BigInt(options.length),
    message,
    BigInt(message.length),
    out,
  );
  assertEquals(status, STATUS.ok, new TextDecoder().decode(message));
  return new DataView(out.buffer).getBigUint64(HANDLE_AT, true);
}

function rawQuery(connection: bigint, sql: string): Promise<bigint> {
  const text = cString(sql);
  const message = new Uint8Array(1024);
  const out = new Uint8Array(abiLayout.structs.StreamOut.size);
  return raw.zc_adbc_query(
    connection,
    text,
    BigInt(text.length),
    null,
    null,
    message,
    BigInt(message.length),
    out,
  )
    .then((status) => {
      assertEquals(status, STATUS.ok, new TextDecoder().decode(message));
      return new DataView(out.buffer).getBigUint64(HANDLE_AT, true);
    });
}

const statements = (connection: bigint) => Number(raw.zc_adbc_statements(connection));

describe("ADBC stream release", () => {
  it("hands the release to the call running on the connection instead of waiting for it, and runs it once", async () => {
    const connection = await rawConnect();
    const first = await rawQuery(connection, "select 1");
    assertEquals(statements(connection), 1);
    // SQLite computes the count while the query executes, holding the connection's lock.
    let settled = false;
    const long = rawQuery(
      connection,
      "with recursive c(x) as (select 1 union all select x + 1 from c where x < 4000000) select count(*) from c",
    ).finally(() => settled = true);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the long query has taken the lock
    raw.zc_arrow_stream_release(first);
    const pending = statements(connection);
    assert(!settled, "the long query was still running when the release returned");
    assertEquals(
      pending,
      2,
      "the release returned without waiting for the lock: its statement is still there",
    );
    const second = await long;
    assertEquals(statements(connection), 1, "the long query's call ran the release before letting go");
    raw.zc_arrow_stream_release(first); // a stale handle: ignored
    raw.zc_arrow_stream_release(second);
    assertEquals(statements(connection), 0);
    raw.zc_adbc_close(connection);
  });

  it("releases at once when the connection is free", async () => {
    const connection = await rawConnect();
    const streams = await Promise.all([rawQuery(connection, "select 1"), rawQuery(connection, "select 2")]);
    assertEquals(statements(connection), 2);
    for (const stream of streams) raw.zc_arrow_stream_release(stream);
    assertEquals(statements(connection), 0);
    raw.zc_adbc_close(connection);
  });
});
