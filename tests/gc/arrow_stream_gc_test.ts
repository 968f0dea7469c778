// Run with --v8-flags=--expose-gc: an Arrow stream never disposed releases its
// producer exactly once after garbage collection, and a stream read to its end,
// broken out of or disposed releases it at once, never again after collection.

import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { adoptStream, type ArrowStream } from "../../arrow.ts";
import { lib } from "../_helpers.ts";
import { collect, gc } from "./_collect.ts";

const live = () => lib.symbols.zc_arrow_demo_stream_live();

function demoStream(batches: number): ArrowStream {
  return adoptStream(lib, (out) => lib.symbols.zc_arrow_demo_stream(batches, 10n, 0, out));
}

describe("Arrow streams and garbage collection", () => {
  it("needs --expose-gc to be tested", () => {
    assert(gc !== undefined, "run with --v8-flags=--expose-gc");
  });

  it("releases a stream never disposed once it is collected", async () => {
    const before = live();
    (() => {
      const stream = demoStream(3);
      assertEquals(live(), before + 1);
      void stream;
    })();
    await collect(() => live() === before);
    assertEquals(live(), before);
  });

  it("releases a stream at its end, at a break and at dispose, and never again", async () => {
    const before = live();
    for await (const batch of demoStream(2)) batch[Symbol.dispose]();
    assertEquals(live(), before);
    for await (const batch of demoStream(5)) {
      batch[Symbol.dispose]();
      break;
    }
    assertEquals(live(), before);
    const disposed = demoStream(4);
    disposed[Symbol.dispose]();
    disposed[Symbol.dispose]();
    assertEquals(live(), before);
    await collect(() => false, 10);
    assertEquals(live(), before);
  });
});
