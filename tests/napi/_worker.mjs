// Loads a library in a worker thread and calls it there, for libzerocopy.mjs.
import { parentPort, workerData } from "node:worker_threads";
import { load, structWords } from "./_harness.mjs";

const library = load(workerData.path);
const { symbols, nonblocking } = library;
const values = new Float64Array([1, 2, 3.5]);
const stats = new BigUint64Array(structWords(library, "Stats"));
// A released descriptor's worth of zeros: NaN, no memory read.
const after = await nonblocking.zc_sum_f64_after(stats.subarray(0, structWords(library, "Descriptor")), 1);
parentPort.postMessage({ sum: symbols.zc_sum_f64(values, 3), after, status: symbols.zc_stats(stats) });
