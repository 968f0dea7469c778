// Buffers move to a worker (worker_threads in Node, Worker in Deno and Bun) without a copy and
// are freed once, on whichever side ends up with them.

import { openDemo, type TransferredBuffer } from "@zerocopy/zerocopy";
import { equal, runtimeName, startWorker, test } from "./_harness.ts";

const demo = await openDemo();
const lib = demo.library;

test(
  `${runtimeName}: moves a buffer to a worker and back, freeing each once`,
  async () => {
    const worker = startWorker(new URL("./_worker.ts", import.meta.url));
    try {
      const before = lib.stats();
      const buffer = demo.generate("f64", 1000);
      const view = buffer.view;
      const transferred = buffer.transfer();
      worker.post({ kind: "sum", buffer: transferred }, transferred.transferList);
      equal(await worker.next<{ sum: number }>(), { sum: (1000 * 999) / 4 });
      equal(view.length, 0);
      buffer[Symbol.dispose]();
      equal(lib.stats().liveBuffers, before.liveBuffers);
      worker.post({ kind: "send", length: 500 });
      const reply = await worker.next<{ buffer: TransferredBuffer }>();
      const received = lib.receive(reply.buffer, "f64");
      equal(received.view[499], 249.5);
      received[Symbol.dispose]();
      equal(lib.stats().liveBuffers, before.liveBuffers);
    } finally {
      await worker.close();
    }
  },
);
