import { assertEquals, assertThrows } from "@std/assert";
import { afterAll, beforeAll, describe, it } from "@std/testing/bdd";
import { type TransferredBuffer, ZeroCopyError } from "../mod.ts";
import { demo, lib } from "./_helpers.ts";

let worker: Worker;

type Reply = { sum?: number; error?: string };

/** Posts `message`, moving the memory of the transfer it carries, if any, and waits for the reply. */
function ask<T>(
  message: { kind: string; buffer?: TransferredBuffer; length?: number },
  target: Worker = worker,
): Promise<T> {
  return new Promise((resolve) => {
    target.onmessage = (event) => resolve(event.data);
    target.postMessage(message, message.buffer?.transferList ?? []);
  });
}

describe("moving buffers between workers", () => {
  beforeAll(() => {
    worker = new Worker(new URL("./_worker.ts", import.meta.url), { type: "module" });
  });
  afterAll(() => worker.terminate());

  it("moves ownership to a worker, which sees the same memory and frees it once", async () => {
    const before = lib.stats();
    const buffer = demo.generate("f64", 1000);
    const view = buffer.view;
    const { sum } = await ask<{ sum: number }>({ kind: "sum", buffer: buffer.transfer() });
    assertEquals(sum, 249_750 + 1000);
    assertEquals(view.length, 0);
    assertEquals(assertThrows(() => buffer.view, ZeroCopyError).code, "CONSUMED");
    buffer[Symbol.dispose](); // no second free
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
  });

  it("receives a buffer a worker made and frees it here", async () => {
    const before = lib.stats();
    const { buffer: transferred } = await ask<{ buffer: TransferredBuffer }>({ kind: "send", length: 500 });
    assertEquals(lib.stats().liveBuffers, before.liveBuffers + 1);
    const buffer = lib.receive(transferred, "f64");
    assertEquals(buffer.length, 500);
    assertEquals(buffer.view[499], 249.5);
    buffer[Symbol.dispose]();
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  });

  it("lets a transfer be received only once", async () => {
    const before = lib.stats();
    const { buffer: transferred } = await ask<{ buffer: TransferredBuffer }>({ kind: "send", length: 8 });
    const first = lib.receive(transferred);
    assertEquals(
      assertThrows(() => lib.receive(transferred), ZeroCopyError).code,
      "CONSUMED",
    );
    assertEquals(first.length, 8);
    first[Symbol.dispose]();
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  });

  it("refuses a transfer of another element type than expected, freeing it", async () => {
    const before = lib.stats();
    const { buffer: transferred } = await ask<{ buffer: TransferredBuffer }>({ kind: "send", length: 8 });
    const error = assertThrows(
      () => lib.receive(transferred, "i32"),
      ZeroCopyError,
    );
    assertEquals(error.code, "INVALID_ELEMENT_TYPE");
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
  });

  it("posts a handle, never the memory of other buffers' descriptors", () => {
    const neighbour = demo.generate("u8", 4);
    const transferred = demo.generate("f64", 4).transfer();
    assertEquals(typeof transferred.handle, "bigint");
    assertEquals(Object.keys(transferred).sort(), ["handle", "memory", "path", "transferList"]);
    assertEquals(neighbour.view.length, 4); // taking the descriptor out left its neighbour alone
    neighbour[Symbol.dispose]();
    lib.receive(transferred)[Symbol.dispose]();
  });

  it("lets exactly one of two workers claim a transfer posted to both", async () => {
    const before = lib.stats();
    const second = new Worker(new URL("./_worker.ts", import.meta.url), { type: "module" });
    try {
      const message = { kind: "sum", buffer: demo.generate("f64", 1000).transfer() };
      if (lib.mapping === "node-api") {
        // The memory moves with the first post: the second cannot even be sent.
        const first = ask<Reply>(message);
        assertThrows(() => second.postMessage(message, message.buffer.transferList), DOMException);
        assertEquals((await first).sum, 249_750 + 1000);
      } else {
        const replies = await Promise.all([ask<Reply>(message), ask<Reply>(message, second)]);
        const claimed = replies.filter((reply) => reply.sum === 249_750 + 1000);
        const refused = replies.filter((reply) => reply.error === "CONSUMED");
        assertEquals([claimed.length, refused.length], [1, 1]);
      }
    } finally {
      second.terminate();
    }
    assertEquals(lib.stats().liveBuffers, before.liveBuffers);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
  });

  it("refuses a transfer from another library file without claiming it", () => {
    const buffer = demo.generate("f64", 4);
    const transferred = buffer.transfer();
    const elsewhere = { ...transferred, path: "/elsewhere/libzerocopy.so" };
    const error = assertThrows(() => lib.receive(elsewhere, "f64"), ZeroCopyError);
    assertEquals(error.code, "INVALID_ARGUMENT");
    using received = lib.receive(transferred, "f64"); // still claimable by its own library
    assertEquals(received.view[3], 1.5);
  });

  it("refuses to receive anything but a transfer", () => {
    const error = assertThrows(
      () => lib.receive({ path: "x" } as TransferredBuffer),
      ZeroCopyError,
    );
    assertEquals(error.code, "INVALID_ARGUMENT");
  });
});
