// Workers and nonblocking calls under the same invariants as the rest: many
// buffers hop between workers and through zc_sum_f64_after at once, their
// contents survive every hop, each is freed exactly once, and in the end
// nothing is live.

import { assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import type { ZeroCopyBuffer } from "../mod.ts";
import { demo, expectedPattern, lib } from "./_helpers.ts";
import type { RelayReply, RelayRequest } from "./_relay_worker.ts";

const WORKERS = 4;
const BUFFERS = 300;
const HOPS = 5;

function sumOf(values: Float64Array): number {
  let sum = 0;
  for (const x of values) sum += x;
  return sum;
}

/** Workers that answer requests by id, so that many can be in flight at once. */
class Relays implements Disposable {
  readonly #workers: Worker[];
  readonly #waiting = new Map<number, (reply: RelayReply) => void>();

  constructor(count: number) {
    this.#workers = Array.from({ length: count }, () => {
      const worker = new Worker(new URL("./_relay_worker.ts", import.meta.url), { type: "module" });
      worker.onmessage = (event: MessageEvent<RelayReply>) => {
        this.#waiting.get(event.data.id)!(event.data);
        this.#waiting.delete(event.data.id);
      };
      return worker;
    });
  }

  ask(worker: number, request: RelayRequest): Promise<RelayReply> {
    return new Promise((resolve) => {
      this.#waiting.set(request.id, resolve);
      this.#workers[worker % this.#workers.length].postMessage(request, request.buffer.transferList);
    });
  }

  [Symbol.dispose](): void {
    for (const worker of this.#workers) worker.terminate();
  }
}

/** Nonblocking sum of a pinned buffer; checks Zig read what Deno holds. */
async function sumInZig(buffer: ZeroCopyBuffer<"f64">): Promise<void> {
  const expected = sumOf(buffer.view);
  using pin = buffer.pin();
  assertEquals(await lib.symbols.zc_sum_f64_after(pin.descriptor, 1), expected);
}

/** One buffer's journey: HOPS round trips to the workers, each ended as `plan` says. */
async function journey(relays: Relays, id: number): Promise<void> {
  let buffer = demo.generate("f64", 32 + (id % 200));
  let expected = buffer.view.slice();
  for (let hop = 0; hop < HOPS; hop++) {
    await sumInZig(buffer);
    const last = hop === HOPS - 1;
    const then = last && id % 3 === 0 ? "dispose" : (id + hop) % 4 === 0 ? "replace" : "return";
    const reply = await relays.ask(id + hop, { id, buffer: buffer.transfer(), sum: sumOf(expected), then });
    if ("error" in reply) throw new Error(`buffer ${id}, hop ${hop}: ${reply.error}`);
    if ("disposed" in reply) return;
    buffer = lib.receive(reply.buffer, "f64");
    if (then === "replace") {
      expected = expectedPattern("f64", 100);
    } else {
      expected[0] += 1; // the worker's write, made in memory this side now owns
    }
    assertEquals(buffer.view, expected);
  }
  // Dispose while a nonblocking call still reads it: the free waits for the pin.
  const pin = buffer.pin();
  const sum = lib.symbols.zc_sum_f64_after(pin.descriptor, 1);
  buffer[Symbol.dispose]();
  assertEquals(await sum, sumOf(expected));
  pin[Symbol.dispose]();
}

describe("buffers moving between workers and nonblocking calls", () => {
  it(`returns to the starting live counts after ${BUFFERS} buffers make ${HOPS} hops each through ${WORKERS} workers`, async () => {
    const before = lib.stats();
    {
      using relays = new Relays(WORKERS);
      await Promise.all(Array.from({ length: BUFFERS }, (_, id) => journey(relays, id)));
    }
    const after = lib.stats();
    assertEquals(after.liveBuffers, before.liveBuffers);
    assertEquals(after.liveBytes, before.liveBytes);
    assertEquals(after.totalReleased - before.totalReleased, after.totalHandedOver - before.totalHandedOver);
  });
});
