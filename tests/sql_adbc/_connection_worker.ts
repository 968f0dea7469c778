/// <reference lib="deno.worker" />
// The other side of adbc_worker_gone_test.ts: connects to the shared in-memory
// database the test names, creates a table there, says so, and is terminated
// with the connection still open.

import { openLibrary } from "../../mod.ts";
import { connect, type Connection } from "../../sql.ts";

/** Held until the worker ends: nothing here ever closes it or lets it be collected. */
let kept: Connection | undefined;

self.onmessage = async (event: MessageEvent<string>) => {
  const library = await openLibrary();
  kept = await connect({ driver: "sqlite", uri: event.data, library });
  (await kept.query("create table kept (x integer)"))[Symbol.dispose]();
  self.postMessage("connected");
};
