// The worker side of sql_feeder_test.ts: starts an ingest of a source that
// yields one batch and then waits for good, says so, and is terminated
// meanwhile, so nothing on this side ever feeds or finishes the stream.

import { openLibrary } from "@zerocopy/zerocopy";
import { connect } from "@zerocopy/zerocopy/sql";
import { tableFromArrays } from "apache-arrow";
import { parentPeer } from "./_harness.ts";

const parent = parentPeer();
const { driver, uri, leaseMs } = await parent.next<{ driver: string; uri: string; leaseMs: number }>();
// The lease is shortened through the package's own module, which is no export of it: a test hook, so
// that the case takes half a second rather than the lease's 30.
const sql = import.meta.resolve("@zerocopy/zerocopy/sql");
const growing = await import(new URL(`./src/arrow/lend_growing${sql.slice(sql.lastIndexOf("."))}`, sql).href);
growing.GROWING_LEASE.ms = leaseMs;

const conn = await connect({ driver, uri, library: await openLibrary() });
async function* source() {
  yield tableFromArrays({ id: new Int32Array([1, 2, 3]) }).batches[0];
  // Read ahead of the driver: it holds the first batch and waits for this one.
  parent.post("waiting");
  await new Promise(() => {});
}
void conn.ingest("fed", source());
