/// <reference lib="deno.worker" />
// The worker side of tests/workers_async_test.ts: receives a buffer, checks it
// with a nonblocking Zig call, writes to it, and returns, frees or replaces it.

import { openDemo, type TransferredBuffer } from "../mod.ts";

export interface RelayRequest {
  id: number;
  buffer: TransferredBuffer;
  /** What the elements sum to when sent. */
  sum: number;
  then: "return" | "dispose" | "replace";
}

export type RelayReply =
  | { id: number; buffer: TransferredBuffer }
  | { id: number; disposed: true }
  | { id: number; error: string };

const demo = await openDemo();
const lib = demo.library;

async function relay(request: RelayRequest): Promise<RelayReply> {
  const buffer = lib.receive(request.buffer, "f64");
  {
    using pin = buffer.pin();
    const sum = await lib.symbols.zc_sum_f64_after(pin.descriptor, 1);
    if (sum !== request.sum) {
      buffer[Symbol.dispose]();
      return { id: request.id, error: `Zig summed ${sum} in the worker, the sender ${request.sum}` };
    }
  }
  buffer.view[0] += 1; // seen by the next owner
  if (request.then === "return") return { id: request.id, buffer: buffer.transfer() };
  buffer[Symbol.dispose]();
  if (request.then === "dispose") return { id: request.id, disposed: true };
  return { id: request.id, buffer: demo.generate("f64", 100).transfer() };
}

self.onmessage = async (event: MessageEvent<RelayRequest>) => {
  const reply = await relay(event.data);
  self.postMessage(reply, "buffer" in reply ? reply.buffer.transferList : []);
};
