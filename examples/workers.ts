/**
 * Zig memory moved to a worker, both ways: a view posted with its
 * `ArrayBuffer` in the transfer list (the platform's way, Node-API mapping;
 * Deno's alone: Node and Bun refuse to move an external `ArrayBuffer`), and a
 * buffer's ownership moved with `transfer()` (any runtime, either mapping),
 * which the worker takes with `lib.receive()`. Neither copies the floats.
 *
 *     zig build --release=safe              # once: libzerocopy from source
 *     deno run --allow-ffi --allow-read=mod.ts,src,examples examples/workers.ts [floats]
 *
 * @module
 */

import { openLibrary } from "../mod.ts";
import { args, startWorker } from "./_runtime.ts";

type Reply = { how: string; length: number; sum: number };

const length = Number(args[0] ?? 1 << 20);
const lib = await openLibrary();
const worker = startWorker(new URL("./worker.ts", import.meta.url));

function sum(values: Float32Array): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

// The platform's way: the memory moves with the message; this side's views now have length 0.
const frame = lib.adopt("f32", (out) => lib.symbols.zc_generate_f32(BigInt(length), out));
const expected = sum(frame.view);
try {
  worker.post(frame.view, [frame.view.buffer]);
  const moved = await worker.next<Reply>();
  console.log(`${moved.how}: the worker summed ${moved.length} floats to ${moved.sum} (here: ${expected})`);
  if (moved.sum !== expected) throw new Error("the worker read other floats");
} catch (error) {
  if (!(error instanceof DOMException && error.name === "DataCloneError")) throw error;
  console.log(`moved view: not in this runtime (${error.name}); transfer() is the way`);
  frame[Symbol.dispose]();
}

// Ownership moved: exactly one receiver owns it, and frees it.
const second = lib.adopt("f32", (out) => lib.symbols.zc_generate_f32(BigInt(length), out));
const transferred = second.transfer();
worker.post(transferred, transferred.transferList);
const received = await worker.next<Reply>();
console.log(`${received.how}: the worker summed ${received.length} floats to ${received.sum}`);
worker.terminate();
if (received.sum !== expected) throw new Error("the worker read other floats");
