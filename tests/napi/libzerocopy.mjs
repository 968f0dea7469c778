// libzerocopy's exports as Node-API functions, in Node and Bun alike:
//   node tests/napi/libzerocopy.mjs zig-out/lib/libzerocopy.so   (or bun; or the checked library)
import assert from "node:assert/strict";
import process from "node:process";
import { Worker } from "node:worker_threads";
import { load, run, structWords, tableNames, throws } from "./_harness.mjs";

const path = process.argv[2] ?? "zig-out/lib/libzerocopy.so";
const library = load(path);
const { symbols, nonblocking } = library;
const invalidArgument = 3;
const statsWords = structWords(library, "Stats");
const descriptorWords = structWords(library, "Descriptor");

function liveBuffers() {
  const stats = new BigUint64Array(statsWords);
  assert.equal(symbols.zc_stats(stats), 0);
  return stats[0];
}

/** A handed-over f64 buffer of `len` values, mapped by the entry's `wrap`. */
function generate(len) {
  const descriptor = new BigUint64Array(descriptorWords);
  assert.equal(symbols.zc_generate_f64(len, descriptor), 0);
  return { descriptor, memory: library.wrap(descriptor) };
}

/** Detaches a wrapped buffer; Bun frees it inside the detach, Node once a collection finalizes it. */
async function free({ memory }) {
  library.detach(memory);
  globalThis.gc?.();
  await new Promise((resolve) => setImmediate(resolve));
  library.drain();
}

const sum = (values) => values.reduce((a, b) => a + b, 0);

await run("libzerocopy", {
  "every export of the generated table is a function, named as there"() {
    const table = tableNames("src/abi/symbols.ts");
    assert.deepEqual(Object.keys(symbols).sort(), [...table.names].sort());
    assert.deepEqual(Object.keys(nonblocking).sort(), [...table.nonblocking].sort());
    for (const name of table.names) assert.equal(typeof symbols[name], "function");
  },
  "closeWhenGone refuses a handle it cannot close: no bigint, forged, or of a kind nothing closes that way"() {
    throws(Error, () => library.closeWhenGone());
    throws(Error, () => library.closeWhenGone(5));
    throws(Error, () => library.closeWhenGone(-1n));
    throws(Error, () => library.closeWhenGone(0x1234_5678_9abc_def0n));
    const descriptor = new BigUint64Array(descriptorWords);
    assert.equal(symbols.zc_region_create(256n, descriptor), 0);
    const handle = descriptor[JSON.parse(library.layout()).structs.Descriptor.fields.private / 8];
    try {
      throws(Error, () => library.closeWhenGone(handle));
    } finally {
      symbols.zc_release(descriptor);
    }
  },
  "abiVersion is zc_abi_version's, and the entry's own functions stay"() {
    assert.equal(library.abiVersion, symbols.zc_abi_version());
    for (
      const name of [
        "wrap",
        "detach",
        "reclaim",
        "free",
        "drain",
        "layout",
        "openFrame",
        "closeFrame",
        "closeWhenGone",
      ]
    ) {
      assert.equal(typeof library[name], "function", name);
    }
  },
  "a u32 takes an unsigned 32-bit integer and refuses anything else with a TypeError"() {
    assert.equal(symbols.zc_release_flush(0), 0);
    for (const bad of [-1, 1.5, 2 ** 32, "0", 0n, null, undefined, {}]) {
      throws(TypeError, () => symbols.zc_release_flush(bad));
    }
  },
  "a u64 takes a number or a bigint; out of range is a RangeError, another type a TypeError"() {
    const before = liveBuffers();
    for (const len of [4, 4n]) {
      const descriptor = new BigUint64Array(descriptorWords);
      assert.equal(symbols.zc_generate_f64(len, descriptor), 0);
      assert.equal(descriptor[1], 4n);
      symbols.zc_release(descriptor);
    }
    assert.equal(liveBuffers(), before);
    const descriptor = new BigUint64Array(descriptorWords);
    for (const bad of [-1n, 2n ** 64n, 2 ** 53, -1, 0.5]) {
      throws(RangeError, () => symbols.zc_generate_f64(bad, descriptor));
    }
    for (const bad of ["4", null, true]) throws(TypeError, () => symbols.zc_generate_f64(bad, descriptor));
    assert.deepEqual([...descriptor], [0n, 0n, 0n, 0n, 0n, 0n]);
  },
  async "generate, wrap, sum in Zig, detach: one buffer, freed once"() {
    const before = liveBuffers();
    const buffer = generate(1000n);
    const values = new Float64Array(buffer.memory);
    assert.equal(values.length, 1000);
    assert.equal(symbols.zc_sum_f64(values, values.length), sum(values));
    assert.equal(liveBuffers(), before + 1n);
    await free(buffer);
    assert.equal(buffer.memory.byteLength, 0);
    assert.equal(liveBuffers(), before);
  },
  async "reclaim hands ownership back at once, and the finalizer run later releases nothing"() {
    const stats = () => {
      const words = new BigUint64Array(statsWords);
      symbols.zc_stats(words);
      return { live: words[0], released: words[3] };
    };
    const before = stats();
    for (let i = 0; i < 200; i++) {
      const { memory } = generate(i % 3 === 0 ? 0 : 64); // empty buffers too
      const into = new BigUint64Array(descriptorWords);
      assert.equal(library.reclaim(memory, into), true);
      assert.equal(memory.byteLength, 0);
      symbols.zc_release(into);
    }
    assert.equal(stats().live, before.live);
    await free({ memory: new ArrayBuffer(0) }); // collects, so Node runs the finalizers now
    await free({ memory: new ArrayBuffer(0) });
    assert.deepEqual(stats(), { live: before.live, released: before.released + 200n });
    assert.equal(library.reclaim(new ArrayBuffer(8), new BigUint64Array(descriptorWords)), false); // not one of this library's
  },
  async "free releases at once, once, and refuses what it cannot detach"() {
    const stats = () => {
      const words = new BigUint64Array(statsWords);
      symbols.zc_stats(words);
      return { live: words[0], released: words[3] };
    };
    const before = stats();
    for (let i = 0; i < 200; i++) {
      const { descriptor, memory } = generate(i % 3 === 0 ? 0 : 64); // empty buffers too
      assert.equal(library.free(memory), true);
      assert.equal(memory.byteLength, 0);
      assert.equal(library.free(memory), false); // detached: nothing left to release
      symbols.zc_release(descriptor); // wrap took its release: the copy frees nothing
    }
    assert.deepEqual(stats(), { live: before.live, released: before.released + 200n });
    await free({ memory: new ArrayBuffer(0) }); // collects, so Node runs the finalizers now
    await free({ memory: new ArrayBuffer(0) });
    assert.deepEqual(stats(), { live: before.live, released: before.released + 200n });
    assert.equal(library.free(new ArrayBuffer(8)), false); // not one of this library's
    // Memory a call holds is released at the last unhold, not by free.
    const held = generate(64n);
    const { descriptor } = held;
    assert.equal(library.hold(descriptor), true);
    assert.equal(library.free(held.memory), false);
    held.memory = null; // Node parks it when a collection finalizes the ArrayBuffer
    await free({ memory: new ArrayBuffer(0) });
    await free({ memory: new ArrayBuffer(0) });
    assert.equal(stats().live, before.live + 1n);
    library.unhold(descriptor);
    assert.deepEqual(stats(), { live: before.live, released: before.released + 201n });
    for (const bad of [new Float64Array(1), {}, 1, null]) throws(Error, () => library.free(bad));
  },
  "a buffer is a TypedArray, DataView or ArrayBuffer, shared memory's views included"() {
    const values = new Float64Array([1, 2, 3.5, 4]);
    assert.equal(symbols.zc_sum_f64(values, 4), 10.5);
    assert.equal(symbols.zc_sum_f64(values.subarray(2), 2), 7.5);
    assert.equal(symbols.zc_sum_f64(new DataView(values.buffer, 8), 3), 9.5);
    assert.equal(symbols.zc_sum_f64(values.buffer, 4), 10.5);
    const shared = new Float64Array(new SharedArrayBuffer(16));
    shared.set([2, 5]);
    assert.equal(symbols.zc_sum_f64(shared, 2), 7);
    for (const bad of [shared.buffer, [1, 2], "ab", 1, {}]) {
      throws(TypeError, () => symbols.zc_sum_f64(bad, 0));
    }
  },
  "a length past its lent array is a RangeError: Zig would read that far"() {
    throws(RangeError, () => symbols.zc_sum_f64(new Float64Array(2), 3));
    throws(RangeError, () => symbols.zc_sum_f64(new Uint8Array(16), 3));
    assert.equal(symbols.zc_sum_f64(new Float64Array(2), 2), 0);
    assert.equal(symbols.zc_sum_f64(null, 5), 0); // Zig sees null, and no memory
  },
  "a view of a resizable buffer counts the length it has now, after a shrink too"() {
    const resizable = new ArrayBuffer(32, { maxByteLength: 64 });
    const tracking = new Float64Array(resizable);
    tracking.set([1, 2, 3, 4]);
    assert.equal(symbols.zc_sum_f64(tracking, 4), 10);
    resizable.resize(16);
    throws(RangeError, () => symbols.zc_sum_f64(tracking, 4));
    assert.equal(symbols.zc_sum_f64(tracking, 2), 3);
    const fixed = new Float64Array(resizable, 0, 2);
    resizable.resize(8); // now out of bounds: length 0, so Zig gets null and reads nothing
    assert.equal(symbols.zc_sum_f64(fixed, 2), 0);
  },
  "null, undefined and a detached buffer pass a null pointer where the Zig type is optional"() {
    const stats = new BigUint64Array(statsWords);
    const buffer = stats.buffer;
    buffer.transfer();
    assert.equal(symbols.zc_stats(stats), invalidArgument);
    assert.equal(symbols.zc_stats(buffer), invalidArgument);
    assert.equal(symbols.zc_stats(null), invalidArgument);
    assert.equal(symbols.zc_stats(undefined), invalidArgument);
    const view = new DataView(new ArrayBuffer(statsWords * 8));
    view.buffer.transfer();
    assert.equal(symbols.zc_stats(view), invalidArgument);
  },
  "a buffer shorter or less aligned than the struct Zig writes is a RangeError"() {
    const bytes = statsWords * 8;
    throws(RangeError, () => symbols.zc_stats(new BigUint64Array(statsWords - 1)));
    throws(RangeError, () => symbols.zc_stats(new Uint8Array(new ArrayBuffer(bytes + 16), 4, bytes)));
    const wide = new Uint8Array(new ArrayBuffer(bytes + 16), 8, bytes);
    assert.equal(symbols.zc_stats(wide), 0);
  },
  "a pointer result is an object only this module's pointer parameters accept"() {
    const pointer = symbols.zc_layout();
    assert.equal(typeof pointer, "object");
    assert.notEqual(pointer, null);
    assert.notEqual(symbols.zc_layout(), pointer); // a new object per result, as in Deno
  },
  async "a nonblocking call returns a Promise settled on the JavaScript thread with the result"() {
    const buffer = generate(100);
    const expected = sum(new Float64Array(buffer.memory));
    let settled = false;
    const promise = nonblocking.zc_sum_f64_after(buffer.descriptor, 30).then((sum) => (settled = true, sum));
    assert.ok(promise instanceof Promise);
    assert.equal(settled, false);
    assert.equal(await promise, expected);
    const results = await Promise.all(
      [1, 2, 3].map(() => nonblocking.zc_sum_f64_after(buffer.descriptor, 5)),
    );
    assert.deepEqual(results, [expected, expected, expected]);
    await free(buffer);
  },
  async "a nonblocking call runs off the JavaScript thread: a timer fires while it sleeps"() {
    const buffer = generate(10);
    const order = [];
    const call = nonblocking.zc_sum_f64_after(buffer.descriptor, 200).then(() => order.push("call"));
    const timer = new Promise((resolve) => setTimeout(resolve, 20)).then(() => order.push("timer"));
    await Promise.all([call, timer]);
    assert.deepEqual(order, ["timer", "call"]);
    await free(buffer);
  },
  async "a nonblocking call keeps an argument it was given alive until it completes"() {
    const buffer = generate(10);
    const promise = nonblocking.zc_sum_f64_after(new BigUint64Array(buffer.descriptor), 30);
    globalThis.gc?.();
    assert.equal(await promise, sum(new Float64Array(buffer.memory)));
    await free(buffer);
  },
  async "a worker thread loads the library and calls its exports, blocking and not"() {
    const worker = new Worker(new URL("./_worker.mjs", import.meta.url), { workerData: { path } });
    const result = await new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    assert.equal(result.sum, 6.5);
    assert.ok(Number.isNaN(result.after));
    assert.equal(result.status, 0);
  },
  "a nonblocking call refuses a wrong argument at once, with a TypeError"() {
    throws(TypeError, () => nonblocking.zc_sum_f64_after(new BigUint64Array(descriptorWords), "30"));
    throws(TypeError, () => nonblocking.zc_sum_f64_after(42, 1));
    throws(RangeError, () => nonblocking.zc_sum_f64_after(new BigUint64Array(2), 1));
  },
});
