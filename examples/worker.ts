/// <reference lib="deno.worker" />
/**
 * The worker of examples/workers.ts: sums the frames it is sent, with no
 * copy. A moved `Float32Array` needs no library here (its memory is freed
 * when this worker's view of it is collected); a `TransferredBuffer` is
 * received through the library opened here, which frees it on dispose.
 *
 * @module
 */

import { openLibrary, type TransferredBuffer } from "../mod.ts";

// Opened without awaiting it here, so that the handler is set before any message arrives.
const opened = openLibrary();

function sum(values: Float32Array): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

self.onmessage = async (event: MessageEvent<Float32Array | TransferredBuffer>) => {
  const data = event.data;
  if (data instanceof Float32Array) {
    self.postMessage({ how: "moved view", length: data.length, sum: sum(data) });
    return;
  }
  const lib = await opened;
  using frame = lib.receive(data, "f32"); // this worker owns it now, and frees it at the end of the block
  self.postMessage({ how: "transfer", length: frame.length, sum: sum(frame.view) });
};
