/**
 * Zig memory moved to a worker, both ways: a view posted with its
 * `ArrayBuffer` in the transfer list (the platform's way, Node-API mapping),
 * and a buffer's ownership moved with `transfer()` (either mapping), which
 * the worker takes with `lib.receive()`. Neither copies the floats.
 *
 *     zig build --release=safe              # once: libzerocopy from source
 *     deno run --allow-ffi --allow-read=mod.ts,src,examples examples/workers.ts [floats]
 *
 * @module
 */

import { openLibrary } from "../mod.ts";

const length = Number(Deno.args[0] ?? 1 << 20);
const lib = await openLibrary();
const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const reply = () =>
  new Promise<{ how: string; length: number; sum: number }>((resolve) =>
    worker.addEventListener("message", (event) => resolve(event.data), { once: true })
  );

function sum(values: Float32Array): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

// The platform's way: the memory moves with the message; this side's views now have length 0.
const frame = lib.adopt("f32", (out) => lib.symbols.zc_generate_f32(BigInt(length), out));
const expected = sum(frame.view);
worker.postMessage(frame.view, [frame.view.buffer]);
const moved = await reply();
console.log(`${moved.how}: the worker summed ${moved.length} floats to ${moved.sum} (here: ${expected})`);

// Ownership moved: exactly one receiver owns it, and frees it.
const second = lib.adopt("f32", (out) => lib.symbols.zc_generate_f32(BigInt(length), out));
const transferred = second.transfer();
worker.postMessage(transferred, transferred.transferList);
const received = await reply();
console.log(`${received.how}: the worker summed ${received.length} floats to ${received.sum}`);
worker.terminate();
if (moved.sum !== expected || received.sum !== expected) throw new Error("a worker read other floats");
