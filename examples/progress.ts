/**
 * A histogram of a large buffer counted in Zig on one of Deno's worker
 * threads, with a progress bar read from memory Zig updates (no callback), and
 * Ctrl-C cancelling it cleanly: Zig stops at its next chunk, the buffer is
 * freed, and the library's counters are back to zero.
 *
 *     deno run --allow-ffi examples/progress.ts [megabytes=1024] [pause-us-per-64KiB=0] [abort-after-ms]
 *
 * The third argument aborts by itself after that many milliseconds, as a
 * Ctrl-C would (what CI runs).
 *
 * @module
 */

import { openDemo } from "../mod.ts";

const [megabytes = 1024, pauseUs = 0] = Deno.args.slice(0, 2).map(Number);
const abortAfter = Deno.args[2] === undefined ? undefined : Number(Deno.args[2]);
const demo = await openDemo();
const controller = new AbortController();
const onInterrupt = () => controller.abort(new DOMException("interrupted (Ctrl-C)", "AbortError"));
// Windows has no SIGINT listener in Deno; Ctrl-C then ends the process as usual.
const signals = Deno.build.os !== "windows";
if (signals) Deno.addSignalListener("SIGINT", onInterrupt);
const timer = abortAfter === undefined ? undefined : setTimeout(onInterrupt, abortAfter);

const encoder = new TextEncoder();
function bar(done: number, total: number): void {
  const width = 40;
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  const line = `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(done / 2 ** 20).toFixed(0)} / ${
    (total / 2 ** 20).toFixed(0)
  } MB`;
  Deno.stdout.writeSync(encoder.encode(line));
}

const started = performance.now();
{
  using bytes = demo.generate("u8", megabytes * 2 ** 20);
  console.log(`counting ${megabytes} MB in Zig; the event loop stays free (Ctrl-C to cancel)`);
  try {
    using bins = await demo.bindings.zc_histogram(bytes, pauseUs, {
      signal: controller.signal,
      onProgress: bar,
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(`\ndone in ${seconds.toFixed(2)} s: byte 0 x ${bins.view[0]}, byte 255 x ${bins.view[255]}`);
  } catch (error) {
    if (!(error instanceof DOMException && error.name === "AbortError")) throw error;
    console.log(`\ncancelled: ${error.message}`);
  }
}
clearTimeout(timer);
if (signals) Deno.removeSignalListener("SIGINT", onInterrupt);
const { liveBuffers, liveBytes } = demo.library.stats();
console.log(`live buffers ${liveBuffers}, live bytes ${liveBytes}`);
if (liveBuffers !== 0 || liveBytes !== 0) Deno.exit(1);
