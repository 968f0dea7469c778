// A connection whose worker is terminated: no FinalizationRegistry callback of
// the worker runs, but its isolate drops the guard kept beside the handle
// (zig/zerocopy/napi_guard.zig), which closes the connection. SQLite shows it:
// a shared in-memory database lives only while a connection to it is open.

import { assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { connect } from "../../sql.ts";
import { library, tableName } from "./_drivers.ts";
import { libraryInternals } from "../../src/library/library.ts";

/** How many tables named `kept` the shared database at `uri` has, seen through a connection of its own. */
async function keptTables(uri: string): Promise<number> {
  await using conn = await connect({ driver: "sqlite", uri, library });
  using result = await conn.query("select count(*) as n from sqlite_master where name = 'kept'");
  return Number(result.table.getChild("n")?.get(0));
}

// Under the pointer-view mapping nothing runs when a worker's isolate goes: its connections stay open.
const closes = libraryInternals.mappingOf(library).kind === "node-api";

describe("ADBC, a connection whose worker is terminated", () => {
  it({
    name: "is closed: the shared in-memory database only it held is gone",
    ignore: !closes,
  }, async () => {
    const uri = `file:${tableName("gone")}?mode=memory&cache=shared`;
    const worker = new Worker(new URL("./_connection_worker.ts", import.meta.url), { type: "module" });
    const connected = new Promise((resolve, reject) => {
      worker.onmessage = resolve;
      worker.onerror = reject;
    });
    worker.postMessage(uri);
    await connected;
    assertEquals(await keptTables(uri), 1, "the worker's connection keeps the database and its table");
    worker.terminate();
    // Closed as the worker's isolate goes, or by the next call into the library here
    // when the guard's finalizer ran on a collector's thread.
    const start = Date.now();
    let tables = await keptTables(uri);
    while (tables !== 0 && Date.now() - start < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      tables = await keptTables(uri);
    }
    assertEquals(tables, 0, "the database went with the worker's connection");
  });
});
