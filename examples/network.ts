/**
 * Network packets through a ring: a TCP connection on 127.0.0.1 carries
 * length-prefixed packets of `key=value` records; each packet is read
 * straight into a free slot of a ring of Zig memory (mapped once), parsed
 * there by Zig, and its slot released for the next packet. No byte is copied
 * between the socket and the parser, and no mapping is made per packet.
 *
 *     zig build --build-file examples/zig_author/build.zig --release=safe   # once: the example library
 *     deno run --allow-ffi --allow-net=127.0.0.1 examples/network.ts [records]
 *
 * @module
 */

import { Ring, type RingSlot } from "../mod.ts";
import { openExamples } from "./zig_author/library.ts";

const count = Number(Deno.args[0] ?? 100_000);
const examples = await openExamples();
const MAX_PAYLOAD = 1400; // an Ethernet-sized packet
const HEADER = 2; // payload length, u16 little-endian

/** The records cut into packets on record boundaries, each behind its length. */
function packets(): Uint8Array[] {
  const encoder = new TextEncoder();
  const out: Uint8Array[] = [];
  let payload = "";
  const flush = () => {
    const body = encoder.encode(payload);
    const packet = new Uint8Array(HEADER + body.length);
    new DataView(packet.buffer).setUint16(0, body.length, true);
    packet.set(body, HEADER);
    out.push(packet);
    payload = "";
  };
  for (let i = 0; i < count; i++) {
    const record = `sensor${i % 16}=${i}\n`;
    if (payload.length + record.length > MAX_PAYLOAD) flush();
    payload += record;
  }
  if (payload.length > 0) flush();
  return out;
}

const sent = packets();
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const served = (async () => {
  using conn = await listener.accept();
  for (const packet of sent) {
    for (let written = 0; written < packet.length;) written += await conn.write(packet.subarray(written));
  }
})();

/** Reads exactly `into.length` bytes; false at a clean end of stream. */
async function readFull(conn: Deno.Conn, into: Uint8Array): Promise<boolean> {
  for (let filled = 0; filled < into.length;) {
    const read = await conn.read(into.subarray(filled));
    if (read === null) {
      if (filled === 0) return false;
      throw new Error("the connection closed inside a packet");
    }
    filled += read;
  }
  return true;
}

using conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
using ring = Ring.create(examples.library, "u8", { slots: 8, slotLength: HEADER + MAX_PAYLOAD });
// Packets read but not yet parsed: their slots stay held, so no read lands on them.
const pending: { slot: RingSlot<"u8">; length: number }[] = [];
let received = 0;
let records = 0;
let sum = 0;
const parse = () => {
  for (const { slot, length } of pending.splice(0)) {
    const payload = slot.view.subarray(HEADER, HEADER + length);
    records += examples.count_records(payload);
    sum += examples.sum_records(payload);
    ring.release(slot);
  }
};
const start = performance.now();
for (;;) {
  if (ring.held === ring.slots) parse();
  const slot = ring.acquire();
  if (!await readFull(conn, slot.view.subarray(0, HEADER))) {
    ring.release(slot);
    break;
  }
  const length = slot.view[0] | slot.view[1] << 8;
  await readFull(conn, slot.view.subarray(HEADER, HEADER + length)); // into Zig's memory
  pending.push({ slot, length });
  received++;
}
parse();
const elapsed = performance.now() - start;
await served;
listener.close();

const expectedSum = count * (count - 1) / 2;
console.log(
  `read ${received} packets over TCP into the ${ring.slots} slots of a ring of Zig memory, parsed ${records} ` +
    `records in Zig in ${elapsed.toFixed(1)} ms; sum ${sum} (expected ${expectedSum})`,
);
if (received !== sent.length || records !== count || sum !== expectedSum) {
  throw new Error("records lost on the way");
}
