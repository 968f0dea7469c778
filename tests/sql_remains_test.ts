// What a DuckDB engine collected without close leaves (src/sql/duckdb_engine.ts
// `Remains`): its sources and connection close at once, or, when a stream of
// it is still open (DuckDB's threads may be scanning for it), only once the
// last such stream's result is closed, whichever finalizer runs first.

import { assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { Remains } from "../src/sql/duckdb_engine.ts";
import type { RegisteredSource } from "../src/sql/register_source.ts";
import type { ZeroCopyLibrary } from "../src/library/library.ts";

/** Remains over a library that records the closes it is asked for, and a source whose lend records its release. */
function remains(): { remains: Remains; calls: string[] } {
  const calls: string[] = [];
  const lib = {
    symbols: {
      zc_sql_source_close: (handle: bigint) => calls.push(`source ${handle}`),
      zc_sql_close: (handle: bigint) => calls.push(`connection ${handle}`),
    },
  } as unknown as ZeroCopyLibrary;
  const source: RegisteredSource = {
    handle: 7n,
    lent: [{ release: () => calls.push("lend") } as never],
    owned: [],
    registered: true,
    closed: false,
  };
  return { remains: new Remains(lib, 3n, new Map([["t", source]])), calls };
}

describe("what a collected DuckDB engine leaves", () => {
  it("closes its sources, their memory, then its connection when no stream is open", () => {
    const { remains: left, calls } = remains();
    left.collect();
    assertEquals(calls, ["source 7", "lend", "connection 3"]);
  });

  it("waits for the last open stream's result to close before letting any memory go", () => {
    const { remains: left, calls } = remains();
    left.opened();
    left.opened();
    left.closed();
    left.collect(); // the engine's finalizer first: a stream is open still
    assertEquals(calls, []);
    left.closed(); // the stream's own finalizer closed its result
    assertEquals(calls, ["source 7", "lend", "connection 3"]);
  });

  it("closes nothing when every stream ended and the engine was not collected", () => {
    const { remains: left, calls } = remains();
    left.opened();
    left.closed();
    assertEquals(calls, []);
  });
});
