// Releasing an ADBC result stream never waits for the connection's lock on the
// JavaScript thread (zig/zerocopy/sql/adbc_connection.zig `runLocked`): while
// another call runs on the connection, the release is handed to that call,
// which runs it before letting the lock go, once. Counted through
// `zc_adbc_statements`, the statements alive over the connection.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { raw, rawConnect, rawQuery, statements } from "./_raw.ts";

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
