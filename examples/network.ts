/**
 * Network buffers: a TCP connection on 127.0.0.1 reads straight into memory
 * Zig allocated, and Zig parses the records there, with no intermediate copy.
 *
 *     deno run --allow-ffi --allow-net=127.0.0.1 examples/network.ts [records]
 *
 * @module
 */

import { openExamples } from "./zig_author/library.ts";

const count = Number(Deno.args[0] ?? 100_000);
const examples = await openExamples();

const payload = new TextEncoder().encode(
  Array.from({ length: count }, (_, i) => `sensor${i % 16}=${i}\n`).join(""),
);
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const served = (async () => {
  using conn = await listener.accept();
  for (let written = 0; written < payload.length;) written += await conn.write(payload.subarray(written));
})();

using conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
using received = examples.library.allocate("u8", payload.length);
const start = performance.now();
let filled = 0;
while (filled < received.length) {
  const read = await conn.read(received.view.subarray(filled)); // into Zig's memory
  if (read === null) break;
  filled += read;
}
const records = examples.count_records(received.view.subarray(0, filled));
const sum = examples.sum_records(received.view.subarray(0, filled));
const elapsed = performance.now() - start;
await served;
listener.close();

const expectedSum = count * (count - 1) / 2;
console.log(
  `read ${filled} bytes over TCP into Zig memory and parsed ${records} records in Zig in ${
    elapsed.toFixed(1)
  } ms; ` +
    `sum ${sum} (expected ${expectedSum})`,
);
if (records !== count || sum !== expectedSum) throw new Error("records lost on the way");
