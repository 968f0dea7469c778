/**
 * The worker of examples/workers.ts: sums the frames it is sent, with no
 * copy. A moved `Float32Array` needs no library here (its memory is freed
 * when this worker's view of it is collected); a `TransferredBuffer` is
 * received through the library opened here, which frees it on dispose.
 *
 * @module
 */

import { openLibrary, type TransferredBuffer } from "../mod.ts";
import { parentPeer } from "./_runtime.ts";

// Listening first: the parent may post while the library is still opening.
const parent = parentPeer();
const lib = await openLibrary();

function sum(values: Float32Array): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

for (;;) {
  const data = await parent.next<Float32Array | TransferredBuffer>();
  if (data instanceof Float32Array) {
    parent.post({ how: "moved view", length: data.length, sum: sum(data) });
    continue;
  }
  using frame = lib.receive(data, "f32"); // this worker owns it now, and frees it at the end of the block
  parent.post({ how: "transfer", length: frame.length, sum: sum(frame.view) });
}
