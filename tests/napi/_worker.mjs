// Loads a library in a worker thread and calls it there, for libzerocopy.mjs.
import { parentPort, workerData } from "node:worker_threads";
import { load } from "./_harness.mjs";

const { symbols, nonblocking } = load(workerData.path);
const values = new Float64Array([1, 2, 3.5]);
const stats = new BigUint64Array(6);
const after = await nonblocking.zc_sum_f64_after(stats, 1); // a released descriptor: NaN, no memory read
parentPort.postMessage({ sum: symbols.zc_sum_f64(values, 3), after, status: symbols.zc_stats(stats) });
