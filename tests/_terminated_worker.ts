/// <reference lib="deno.worker" />
// The other side of tests/workers_terminated_test.ts: starts a long
// nonblocking call, says so, and is terminated while the call runs.

import { tableFromArrays } from "apache-arrow";
import { openDemo } from "../mod.ts";
import { lendStream } from "../arrow.ts";
import { open } from "./fixtures/arrow_demo.ts";
import { hooks } from "./_helpers.ts";
import { keptTable } from "./_kept_table.ts";

const demo = await openDemo();
const arrowDemo = await open(demo.library.path);

/** Which call the worker is terminated during. */
export type TerminatedCall = "histogram" | "sum" | "arrow batch" | "arrow copy" | "kept stream";

self.onmessage = async (event: MessageEvent<TerminatedCall>) => {
  // Each call runs for about 400 ms; none is awaited: the test terminates the worker meanwhile.
  switch (event.data) {
    case "histogram": // a pinned buffer in, a buffer handed over out
      void demo.bindings.zc_histogram(demo.generate("u8", 1 << 20), 25_000);
      break;
    case "sum": // a pinned buffer in, a number out
      void demo.library.symbols.zc_sum_f64_after(demo.generate("f64", 1000).pin().descriptor, 400);
      break;
    case "arrow batch": // memory Zig handed over, reached through lent structs
      void arrowDemo.zc_arrow_demo_checksum_after(
        arrowDemo.zc_arrow_demo_table(2000, 1).table,
        400,
        new BigUint64Array(1),
      );
      break;
    case "arrow copy": // JavaScript memory, lent through a copy
      void arrowDemo.zc_arrow_demo_checksum_after(
        tableFromArrays({ x: Float64Array.from({ length: 100_000 }, (_, i) => i) }),
        400,
        new BigUint64Array(1),
      );
      break;
    case "kept stream": // JavaScript memory lent to a stream through a copy; the consumer keeps its array
      await lendStream(
        demo.library,
        keptTable(),
        (address) =>
          hooks.symbols.zc_arrow_demo_consume_stream(
            address,
            1,
            new BigUint64Array(1),
            new BigUint64Array(1),
          ),
      );
      break;
  }
  self.postMessage("started");
};
