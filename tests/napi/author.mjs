// An author's library (examples/zig_author) through the Node-API functions it
// registers from its own exports, with nothing written for Node or Bun:
//   node tests/napi/author.mjs examples/zig_author/zig-out/lib/libusecases.so   (or bun)
import assert from "node:assert/strict";
import process from "node:process";
import { load, run, structWords, tableNames, throws } from "./_harness.mjs";

const library = load(process.argv[2] ?? "examples/zig_author/zig-out/lib/libusecases.so");
const { symbols, nonblocking } = library;
const descriptorWords = structWords(library, "Descriptor");
const table = tableNames("examples/zig_author/bindings.ts");

/** A copy of what `Out(u8)` handed over, the buffer itself detached. */
function take(descriptor) {
  const memory = library.wrap(descriptor);
  const bytes = new Uint8Array(memory).slice();
  library.detach(memory);
  return bytes;
}

await run("author example", {
  "its table's exports and nonblocking ones, and zerocopy's ABI exports, are functions"() {
    for (const name of table.names) assert.equal(typeof symbols[name], "function", name);
    assert.deepEqual(Object.keys(nonblocking).sort(), [...table.nonblocking].sort());
    for (const name of ["zc_abi_version", "zc_release", "zc_stats", "zc_allocate"]) {
      assert.equal(typeof symbols[name], "function", name);
    }
    assert.equal(library.abiVersion, symbols.zc_abi_version());
  },
  "a frame is made, lent back for grayscale, and handed over again"() {
    const frame = new BigUint64Array(descriptorWords);
    assert.equal(symbols.make_frame(4, 2, frame), 0);
    const rgba = take(frame);
    assert.equal(rgba.length, 32);
    const gray = new BigUint64Array(descriptorWords);
    assert.equal(symbols.grayscale(rgba, rgba.length, gray), 0);
    assert.equal(take(gray).length, 8);
    throws(RangeError, () => symbols.grayscale(rgba, rgba.length + 4, gray));
  },
  "a lent f32 array is summed, its length held to the array's"() {
    assert.equal(symbols.sum_f32(new Float32Array([1.5, 2.5, 4]), 3), 8);
    throws(RangeError, () => symbols.sum_f32(new Float32Array(2), 3));
    throws(TypeError, () => symbols.sum_f32([1, 2], 2));
  },
  "the record layouts come back through a lent buffer, never past it"() {
    const needed = symbols.zc_record_layouts(null, 0);
    const json = new Uint8Array(needed);
    assert.equal(symbols.zc_record_layouts(json, json.length), needed);
    assert.ok(JSON.parse(new TextDecoder().decode(json)).Vertex);
    throws(RangeError, () => symbols.zc_record_layouts(new Uint8Array(4), 64));
  },
  async "the nonblocking box blur resolves its status and hands its image over"() {
    const width = 64;
    const height = 32;
    const gray = new Uint8Array(width * height).map((_, i) => i % 251);
    const out = new BigUint64Array(descriptorWords);
    const status = nonblocking.box_blur_async(gray, gray.length, width, height, null, out);
    assert.ok(status instanceof Promise);
    assert.equal(await status, 0);
    const blurred = take(out);
    assert.equal(blurred.length, width * height);
    const sync = new BigUint64Array(descriptorWords);
    assert.equal(symbols.box_blur(gray, gray.length, width, height, sync), 0);
    assert.deepEqual(take(sync), blurred);
  },
});
