/// <reference lib="deno.worker" />
// The other side of adbc_feeder_gone_test.ts: starts an ingest of a source
// that yields one batch and then waits for good, says so, and is terminated
// meanwhile, so nothing on this side ever feeds or finishes the stream.

import { Int32, Table, vectorFromArray } from "apache-arrow";
import { openLibrary } from "../../mod.ts";
import { connect } from "../../sql.ts";
import { GROWING_LEASE } from "../../src/arrow/lend_growing.ts";

/** What the test asks: the shared database to ingest into, and the lease to run with. */
export interface FeederRequest {
  readonly uri: string;
  readonly table: string;
  readonly leaseMs: number;
}

self.onmessage = async (event: MessageEvent<FeederRequest>) => {
  const { uri, table, leaseMs } = event.data;
  GROWING_LEASE.ms = leaseMs;
  const library = await openLibrary();
  const conn = await connect({ driver: "sqlite", uri, library });
  async function* source() {
    yield new Table({ id: vectorFromArray([1, 2, 3], new Int32()) }).batches[0];
    // Read ahead of the driver: it holds the first batch and waits for this one.
    self.postMessage("waiting");
    await new Promise(() => {});
  }
  void conn.ingest(table, source());
};
