/// <reference lib="deno.worker" />
// The other side of tests/workers_test.ts: receives buffers, sums them, and
// sends buffers of its own back, all without copying.

import { openDemo, type TransferredBuffer } from "../mod.ts";

const demo = await openDemo();
const lib = demo.library;

type Request = { kind: "sum"; buffer: TransferredBuffer } | { kind: "send"; length: number } | {
  kind: "drop";
  buffer: TransferredBuffer;
};

self.onmessage = (event: MessageEvent<Request>) => {
  const request = event.data;
  if (request.kind === "sum") {
    let sum = 0;
    try {
      using buffer = lib.receive(request.buffer, "f64");
      buffer.view[0] = 1000; // the sender's memory, written here
      for (const x of buffer.view) sum += x;
    } catch (error) {
      self.postMessage({ error: (error as { code?: string }).code });
      return;
    } // freed here, before the reply, so the sender sees the stats settled
    self.postMessage({ sum });
  } else if (request.kind === "send") {
    const transferred = demo.generate("f64", request.length).transfer();
    self.postMessage({ buffer: transferred }, transferred.transferList);
  } else {
    lib.receive(request.buffer); // dropped: the worker's safety net or exit must not double free
    self.postMessage({ dropped: true });
  }
};
