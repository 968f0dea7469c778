/**
 * Nonblocking calls: what a generated wrapper of a `nonblocking` export does
 * around the Promise Deno's FFI returns. It pins every ZeroCopyBuffer it
 * passes, keeps every lent array referenced, shares a job with the export for
 * progress and cancellation, and settles only after the native call returned,
 * so nothing it passed is freed under Zig.
 *
 * @module
 */

import { type Descriptor, DESCRIPTOR_WORDS } from "../buffer/descriptor.ts";
import type { CallFrame } from "../buffer/call_frame.ts";
import type { Mapping } from "../buffer/mapping.ts";
import { type HeldViews, holdForNonblocking } from "../buffer/gate_nonblocking.ts";
import { bufferInternals, type BufferPin, type ZeroCopyBuffer } from "../buffer/zero_copy_buffer.ts";
import { ZeroCopyError } from "../errors.ts";
import { JobMemory } from "./job.ts";
import { DESCRIPTOR_BYTES } from "../abi/layout.ts";

/**
 * How often `onProgress` is polled by default, in milliseconds: 20 readings a second.
 *
 * @example Poll twice as often
 * ```ts
 * import { DEFAULT_PROGRESS_INTERVAL } from "@zerocopy/zerocopy";
 *
 * const options = { progressInterval: DEFAULT_PROGRESS_INTERVAL / 2 };
 * console.log(options.progressInterval); // 25
 * ```
 */
export const DEFAULT_PROGRESS_INTERVAL = 50;

/**
 * The last argument of every generated nonblocking wrapper.
 *
 * @example Report progress and cancel after a second
 * ```ts ignore
 * const bins = await demo.zc_histogram(bytes, 0, {
 *   signal: AbortSignal.timeout(1000),
 *   onProgress: (done, total) => console.log(`${done} / ${total}`),
 * });
 * ```
 */
export interface NonblockingOptions {
  /**
   * Aborts the call: aborted before it starts, nothing is called; during it,
   * an export that takes a `*zerocopy.Job` sees its cancel flag and returns
   * `cancelled`. Either way, and also when the export ignores the flag, the
   * Promise rejects with `signal.reason` once the native call has returned
   * (never earlier: Zig may still be using the memory it was given), and a
   * buffer the call handed over is freed. An abort after the Promise settled
   * has no effect.
   */
  readonly signal?: AbortSignal;
  /**
   * Called on the JavaScript thread with the units done and in all, when they
   * changed since the last reading: every `progressInterval` ms while the call
   * runs, and once after it returns. Only exports that take a `*zerocopy.Job`
   * report progress. Values only grow; a call that completes ends at the total.
   */
  readonly onProgress?: (done: number, total: number) => void;
  /** Milliseconds between progress readings; 50 by default. */
  readonly progressInterval?: number;
}

/**
 * One nonblocking call being made; {@linkcode startCall} returns it.
 *
 * @example Call a nonblocking symbol as a generated wrapper does
 * ```ts ignore
 * const call = startCall("sum_slowly", options, [buffer], [], false);
 * const sum = await call.settle(() => lib.symbols.sum_slowly(call.descriptors[0]));
 * ```
 */
export interface NonblockingCall {
  /**
   * The pinned buffers' descriptors, in the order given: copies of what
   * zerocopy kept, in a call frame that the call keeps (with the pins' holds)
   * until it returns, even when the worker that made it is terminated first.
   */
  readonly descriptors: readonly Descriptor[];
  /**
   * What to pass for each lent array, in the order given: the array itself
   * when its memory is pinned (a ZeroCopyBuffer's) or shared, else a shadow
   * over a `SharedArrayBuffer` that is copied back when the call settles.
   */
  readonly lent: readonly (ArrayBufferView<ArrayBuffer> | null)[];
  /** The memory to pass for the export's `*zerocopy.Job`, or null when it takes none. */
  readonly job: Uint8Array<ArrayBuffer> | null;
  /**
   * Makes the call and settles it: waits for the native call, unpins, reads
   * the last progress, then rejects with the signal's reason if it aborted
   * meanwhile, or with `DETACHED` if a lent array was moved during the call.
   */
  settle<R>(invoke: () => Promise<R>): Promise<R>;
}

/**
 * Starts a nonblocking call: rejects an aborted signal before anything else,
 * checks the lent arrays, pins the buffers and prepares the job. Generated
 * wrappers call it; use it by hand only for a raw `nonblocking` symbol.
 *
 * @param what The export's name, for error messages.
 * @param options The caller's options.
 * @param buffers ZeroCopyBuffers whose descriptors the call takes: pinned until it settles.
 * @param lent TypedArrays, DataViews or ArrayBuffers the call reads or writes, null for a null pointer:
 * held until it settles (pinned, shared, or shadowed; see {@linkcode NonblockingCall.lent}).
 * @param takesJob Whether the export takes a `*zerocopy.Job`.
 * @returns The call, to {@linkcode NonblockingCall.settle} exactly once.
 * @throws The signal's reason when it is aborted already; {@linkcode ZeroCopyError}
 * `INVALID_ARGUMENT` for bad options or a non-buffer, `DISPOSED`/`CONSUMED` for
 * a buffer that is gone, `DETACHED` for a lent array whose memory is gone.
 *
 * @example Pin a buffer across a raw nonblocking symbol
 * ```ts
 * import { openLibrary, startCall } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * using values = lib.allocate("f64", 4);
 * values.view.set([1, 2, 3, 4]);
 * const call = startCall("zc_sum_f64_after", undefined, [values], [], false);
 * console.log(await call.settle(() => lib.symbols.zc_sum_f64_after(call.descriptors[0], 1))); // 10
 * ```
 */
export function startCall(
  what: string,
  options: NonblockingOptions | undefined,
  buffers: readonly ZeroCopyBuffer[],
  lent: readonly (ArrayBufferView | ArrayBuffer | null)[],
  takesJob: boolean,
): NonblockingCall {
  if (typeof what !== "string" || !Array.isArray(buffers) || !Array.isArray(lent)) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      "startCall takes (name, options, buffers[], lent[], takesJob), as generated bindings call it: a name string and two arrays; call the generated nonblocking wrapper instead",
    );
  }
  const { signal, onProgress, interval } = checkOptions(what, options);
  signal?.throwIfAborted();
  for (const buffer of buffers) {
    // Not `instanceof`: an object made from the prototype has none of a buffer's fields.
    if (!bufferInternals.isBuffer(buffer)) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `${what} takes a ZeroCopyBuffer, not ${
          describe(buffer)
        }: a nonblocking call pins it so that it cannot be freed under Zig`,
      );
    }
  }
  const held = holdForNonblocking(lent, what);
  const frames = new Frames(buffers);
  const pins: BufferPin[] = [];
  const descriptors: Descriptor[] = [];
  try {
    for (const buffer of buffers) {
      // The call reads the descriptor's words, and through them the memory,
      // from the frame: both outlive an isolate that dies during the call.
      const { frame, words } = frames.slotFor(buffer);
      const pin = bufferInternals.pin(buffer, frame);
      pins.push(pin);
      words.set(pin.descriptor);
      descriptors.push(words);
    }
  } catch (error) {
    for (const pin of pins) pin[Symbol.dispose]();
    frames.close();
    held.release(what, false);
    throw error;
  }
  return new Call(
    what,
    pins,
    descriptors,
    frames,
    held,
    takesJob ? new JobMemory() : null,
    signal,
    onProgress,
    interval,
  );
}

/** One frame per library among a call's buffers, with a descriptor slot for each buffer of that library. */
class Frames {
  readonly #frames = new Map<Mapping, { frame: CallFrame; next: number }>();

  constructor(buffers: readonly ZeroCopyBuffer[]) {
    const counts = new Map<Mapping, number>();
    for (const buffer of buffers) {
      const { mapping } = bufferInternals.ownerOf(buffer);
      counts.set(mapping, (counts.get(mapping) ?? 0) + 1);
    }
    try {
      for (const [mapping, count] of counts) {
        this.#frames.set(mapping, { frame: mapping.openFrame(count * DESCRIPTOR_BYTES), next: 0 });
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  slotFor(buffer: ZeroCopyBuffer): { frame: CallFrame; words: Descriptor } {
    const entry = this.#frames.get(bufferInternals.ownerOf(buffer).mapping)!;
    const words = new BigUint64Array(entry.frame.bytes.buffer, entry.next, DESCRIPTOR_WORDS) as Descriptor;
    entry.next += DESCRIPTOR_BYTES;
    return { frame: entry.frame, words };
  }

  close(): void {
    for (const { frame } of this.#frames.values()) frame.close();
  }
}

class Call implements NonblockingCall {
  readonly descriptors: readonly Descriptor[];
  readonly job: Uint8Array<ArrayBuffer> | null;
  readonly #what: string;
  readonly #pins: BufferPin[];
  readonly #frames: Frames;
  readonly lent: readonly (ArrayBufferView<ArrayBuffer> | null)[];
  readonly #held: HeldViews;
  readonly #memory: JobMemory | null;
  readonly #signal: AbortSignal | undefined;
  readonly #onProgress: ((done: number, total: number) => void) | undefined;
  readonly #interval: number;
  #reported = { done: 0, total: 0 };
  #progressError: { error: unknown } | null = null;
  #settled = false;

  constructor(
    what: string,
    pins: BufferPin[],
    descriptors: readonly Descriptor[],
    frames: Frames,
    held: HeldViews,
    memory: JobMemory | null,
    signal: AbortSignal | undefined,
    onProgress: ((done: number, total: number) => void) | undefined,
    interval: number,
  ) {
    this.#what = what;
    this.#pins = pins;
    this.descriptors = descriptors;
    this.#frames = frames;
    this.#held = held;
    // Deno's FFI passes a SharedArrayBuffer's memory too; its BufferSource type names only ArrayBuffers.
    this.lent = held.views as (ArrayBufferView<ArrayBuffer> | null)[];
    this.#memory = memory;
    this.job = memory?.bytes ?? null;
    this.#signal = signal;
    this.#onProgress = memory === null ? undefined : onProgress;
    this.#interval = interval;
  }

  async settle<R>(invoke: () => Promise<R>): Promise<R> {
    if (this.#settled) throw new ZeroCopyError("INVALID_ARGUMENT", `${this.#what}: a call settles once`);
    this.#settled = true;
    const memory = this.#memory;
    // Setting the flag is all an abort does during the call: the Promise
    // still waits for Zig, which may be using what it was given.
    const abort = () => memory?.cancel();
    this.#signal?.addEventListener("abort", abort, { once: true });
    const timer = this.#onProgress === undefined
      ? undefined
      : setInterval(() => this.#poll(), this.#interval);
    let result: R;
    let returned = false;
    try {
      result = await invoke();
      returned = true;
    } finally {
      clearInterval(timer);
      this.#signal?.removeEventListener("abort", abort);
      for (const pin of this.#pins) pin[Symbol.dispose]();
      this.#frames.close();
      // Throws DETACHED for a shadowed array moved during the call, unless the call failed first.
      this.#held.release(this.#what, returned);
    }
    this.#poll();
    if (this.#progressError !== null) throw this.#progressError.error;
    if (this.#signal?.aborted) throw this.#signal.reason;
    return result;
  }

  /** Reports the job's progress when it changed; an error from `onProgress` ends the reports and rejects the call. */
  #poll(): void {
    const onProgress = this.#onProgress;
    if (onProgress === undefined || this.#progressError !== null) return;
    const done = this.#memory!.done;
    const total = this.#memory!.total;
    if (done === this.#reported.done && total === this.#reported.total) return;
    this.#reported = { done, total };
    try {
      onProgress(done, total);
    } catch (error) {
      this.#progressError = { error };
    }
  }
}

function checkOptions(what: string, options: NonblockingOptions | undefined) {
  if (options === undefined) {
    return { signal: undefined, onProgress: undefined, interval: DEFAULT_PROGRESS_INTERVAL };
  }
  if (options === null || typeof options !== "object") {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `${what}: options must be an object, not ${describe(options)}`,
    );
  }
  const { signal, onProgress, progressInterval = DEFAULT_PROGRESS_INTERVAL } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `${what}: options.signal must be an AbortSignal, not ${describe(signal)}`,
    );
  }
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `${what}: options.onProgress must be a function, not ${describe(onProgress)}`,
    );
  }
  if (
    typeof progressInterval !== "number" || !(progressInterval >= 1) || !Number.isFinite(progressInterval)
  ) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `${what}: options.progressInterval must be a finite number of milliseconds, at least 1, not ${
        String(progressInterval)
      }`,
    );
  }
  return { signal, onProgress, interval: progressInterval };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return (value as { constructor?: { name?: string } }).constructor?.name ?? "an object";
}
