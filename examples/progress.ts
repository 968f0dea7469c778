/**
 * A histogram of a large buffer counted in Zig off the JavaScript thread (on
 * Deno's FFI pool, or libuv's in Node and Bun), with a progress bar read from
 * memory Zig updates (no callback), and Ctrl-C cancelling it cleanly: Zig stops at its next chunk, the buffer is
 * freed, and the library's counters are back to zero.
 *
 *     zig build --release=safe              # once: libzerocopy from source
 *     deno run --allow-ffi examples/progress.ts [megabytes=1024] [pause-us-per-64KiB=0] [abort-after-ms]
 *
 * The third argument aborts by itself after that many milliseconds, as a
 * Ctrl-C would (what CI runs). A cancelled run exits with status 130, as a
 * shell reports a command ended by Ctrl-C. The bar is the package's
 * `progressBar()`: drawn on stderr when it is a terminal, nothing otherwise.
 *
 * @module
 */

import { openDemo, progressBar } from "../mod.ts";
import { args, exit, onInterrupt } from "./_runtime.ts";

const [megabytes = 1024, pauseUs = 0] = args.slice(0, 2).map(Number);
const abortAfter = args[2] === undefined ? undefined : Number(args[2]);
const demo = await openDemo();
const controller = new AbortController();
const interrupt = () => controller.abort(new DOMException("interrupted (Ctrl-C)", "AbortError"));
const stopListening = onInterrupt(interrupt);
const timer = abortAfter === undefined ? undefined : setTimeout(interrupt, abortAfter);

const started = performance.now();
let cancelled = false;
{
  using bytes = demo.generate("u8", megabytes * 2 ** 20);
  console.log(`counting ${megabytes} MB in Zig; the event loop stays free (Ctrl-C to cancel)`);
  using bar = progressBar({ label: "counting", unit: "bytes" });
  try {
    using bins = await demo.bindings.zc_histogram(bytes, pauseUs, {
      signal: controller.signal,
      onProgress: bar,
    });
    bar.end();
    const seconds = (performance.now() - started) / 1000;
    console.log(`done in ${seconds.toFixed(2)} s: byte 0 x ${bins.view[0]}, byte 255 x ${bins.view[255]}`);
  } catch (error) {
    if (!(error instanceof DOMException && error.name === "AbortError")) throw error;
    bar.end();
    cancelled = true;
    console.log(`cancelled: ${error.message}`);
  }
}
clearTimeout(timer);
stopListening();
const { liveBuffers, liveBytes } = demo.library.stats();
console.log(`live buffers ${liveBuffers}, live bytes ${liveBytes}`);
if (liveBuffers !== 0 || liveBytes !== 0) exit(1);
// 128 + SIGINT, what a shell reports for a command Ctrl-C ended, so scripts see the run did not finish.
if (cancelled) exit(130);
