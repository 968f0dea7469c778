/**
 * A terminal progress bar to pass as a nonblocking wrapper's `onProgress`.
 * It draws on stderr only when stderr is a terminal, so a program piped to a
 * file or run in CI prints nothing extra; this module is the one place the
 * package writes to a stream, and only to the writer it is given.
 *
 * @module
 */

import { runtime } from "../runtime/current.ts";

/**
 * Where a {@linkcode ProgressBar} draws: the runtime's stderr satisfies it.
 *
 * @example Collect what a bar draws
 * ```ts
 * import { progressBar, type ProgressWriter } from "@zerocopy/zerocopy";
 *
 * const drawn: Uint8Array[] = [];
 * const writer: ProgressWriter = { isTerminal: () => true, writeSync: (bytes) => drawn.push(bytes) };
 * progressBar({ writer })(1, 2);
 * console.log(drawn.length); // 1
 * ```
 */
export interface ProgressWriter {
  /** Writes the bytes synchronously, returning how many were written. */
  writeSync(bytes: Uint8Array): number;
  /** Whether the writer is a terminal; the bar draws nothing when it is not. */
  isTerminal(): boolean;
}

/**
 * How {@linkcode progressBar} draws.
 *
 * @example A labelled bar counting bytes
 * ```ts
 * import { progressBar, type ProgressBarOptions } from "@zerocopy/zerocopy";
 *
 * const options: ProgressBarOptions = { label: "copying", unit: "bytes", width: 20 };
 * using bar = progressBar(options); // draws only when stderr is a terminal
 * bar(1 << 20, 4 << 20);
 * ```
 */
export interface ProgressBarOptions {
  /** Where to draw; the runtime's stderr by default. Nothing is drawn unless `isTerminal()` says so. */
  readonly writer?: ProgressWriter;
  /** Text before the bar, such as what is being done. */
  readonly label?: string;
  /** Characters between the brackets; 30 by default. */
  readonly width?: number;
  /** `"bytes"` shows the units as KB, MB or GB; `"count"` (the default) as numbers. */
  readonly unit?: "bytes" | "count";
}

/**
 * An `onProgress` callback that draws a bar, and ends its line when disposed.
 * Call it as `(done, total)`; calls that would not change what is shown write nothing.
 *
 * @example End the line once the work is done
 * ```ts
 * import { type ProgressBar, progressBar } from "@zerocopy/zerocopy";
 *
 * const bar: ProgressBar = progressBar();
 * for (let done = 0; done <= 10; done++) bar(done, 10);
 * bar.end();
 * console.log(typeof bar.drawn); // "boolean": true only on a terminal
 * ```
 */
export interface ProgressBar {
  (done: number, total: number): void;
  /** Whether anything was drawn (false when the writer is no terminal). */
  readonly drawn: boolean;
  /** Ends the bar's line, once, if anything was drawn; later calls draw nothing. */
  end(): void;
  /** The same as {@linkcode ProgressBar.end}, for `using`. */
  [Symbol.dispose](): void;
}

const KB = 1024;
const MB = KB * 1024;
const GB = MB * 1024;

function formatUnits(value: number, unit: "bytes" | "count"): string {
  if (unit === "count") return value.toLocaleString("en-US");
  if (value >= GB) return `${(value / GB).toFixed(2)} GB`;
  if (value >= MB) return `${(value / MB).toFixed(1)} MB`;
  if (value >= KB) return `${(value / KB).toFixed(0)} KB`;
  return `${value} B`;
}

/**
 * Makes a progress bar for the `onProgress` option of generated nonblocking
 * wrappers (and {@linkcode startCall}): `[#######.......]  45%  460.0 MB / 1.00 GB`
 * redrawn in place on one line. When the writer (stderr by default) is not a
 * terminal it draws nothing at all, so it can stay in a command-line program
 * whose output is piped or logged. Dispose it (or call `end()`) after the call
 * to end the line.
 *
 * @param options Where and how to draw.
 * @returns The callback to pass as `onProgress`.
 * @throws {RangeError} when `width` is not an integer from 1 to 200.
 *
 * @example Show a bar while a long call runs
 * ```ts
 * import { openDemo, progressBar } from "@zerocopy/zerocopy";
 *
 * const demo = await openDemo();
 * using bytes = demo.generate("u8", 1 << 20);
 * using bar = progressBar({ label: "counting", unit: "bytes" });
 * using bins = await demo.bindings.zc_histogram(bytes, 0, { onProgress: bar });
 * console.log(bins.view.reduce((sum, n) => sum + n, 0n)); // 1048576n
 * ```
 *
 * @example Draw into a writer of your own
 * ```ts
 * import { progressBar } from "@zerocopy/zerocopy";
 *
 * const lines: string[] = [];
 * const writer = {
 *   isTerminal: () => true,
 *   writeSync: (bytes: Uint8Array) => lines.push(new TextDecoder().decode(bytes)),
 * };
 * const bar = progressBar({ writer, width: 10 });
 * bar(5, 10);
 * console.log(lines[0].includes("[#####.....]")); // true
 * ```
 */
export function progressBar(options: ProgressBarOptions = {}): ProgressBar {
  const { writer = runtime.stderr, label, width = 30, unit = "count" } = options;
  if (!Number.isInteger(width) || width < 1 || width > 200) {
    throw new RangeError(`progressBar: width must be an integer from 1 to 200, not ${String(width)}`);
  }
  const draws = writer.isTerminal();
  const encoder = new TextEncoder();
  const prefix = label === undefined ? "" : `${label} `;
  let last = "";
  let drawn = false;
  let ended = false;
  const bar = (done: number, total: number): void => {
    if (!draws || ended) return;
    let line: string;
    if (total > 0) {
      const fraction = Math.min(Math.max(done / total, 0), 1);
      const filled = Math.round(fraction * width);
      const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
      line = `${prefix}[${"#".repeat(filled)}${".".repeat(width - filled)}] ${percent}  ${
        formatUnits(done, unit)
      } / ${formatUnits(total, unit)}`;
    } else {
      line = `${prefix}${formatUnits(done, unit)}`;
    }
    if (line === last) return;
    last = line;
    drawn = true;
    // \r returns to the line's start and ESC[K clears what a longer line left.
    writer.writeSync(encoder.encode(`\r${line}\x1b[K`));
  };
  const end = (): void => {
    if (ended) return;
    ended = true;
    if (drawn) writer.writeSync(encoder.encode("\n"));
  };
  return Object.defineProperties(bar, {
    drawn: { get: () => drawn },
    end: { value: end },
    [Symbol.dispose]: { value: end },
  }) as ProgressBar;
}
