// The worker side of workers_test.ts: sums what it receives, frees it, and sends buffers back.

import { openDemo, type TransferredBuffer } from "@zerocopy/zerocopy";
import { parentPeer } from "./_harness.ts";

// Listening first: the parent may post before the library is open.
const parent = parentPeer();
const demo = await openDemo();

type Request = { kind: "sum"; buffer: TransferredBuffer } | { kind: "send"; length: number };

for (;;) {
  const request = await parent.next<Request>();
  if (request.kind === "sum") {
    const buffer = demo.library.receive(request.buffer, "f64");
    let sum = 0;
    for (const x of buffer.view) sum += x;
    buffer[Symbol.dispose]();
    parent.post({ sum });
  } else {
    const transferred = demo.generate("f64", request.length).transfer();
    parent.post({ buffer: transferred }, transferred.transferList);
  }
}
