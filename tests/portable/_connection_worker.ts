// The worker side of sql_feeder_test.ts's closed-connection case: connects to
// the shared in-memory database it is sent, creates a table there, says so,
// and is terminated with the connection still open.

import { openLibrary } from "@zerocopy/zerocopy";
import { connect, type Connection } from "@zerocopy/zerocopy/sql";
import { parentPeer } from "./_harness.ts";

const parent = parentPeer();
const { driver, uri } = await parent.next<{ driver: string; uri: string }>();
/** Held until the worker ends: nothing here ever closes it or lets it be collected. */
export const kept: Connection = await connect({ driver, uri, library: await openLibrary() });
(await kept.query("create table kept (x integer)"))[Symbol.dispose]();
parent.post("connected");
