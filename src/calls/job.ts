/**
 * Job memory: the `zerocopy.Job` a long nonblocking export shares with the
 * host. It lives in a `SharedArrayBuffer` this module allocates and passes as a
 * `"buffer"` parameter, so it needs no `UnsafePointerView` and works under a
 * path-scoped `--allow-ffi` in either mapping. Zig bumps `done` and reads
 * `cancel` with atomics on its thread; this side reads `done` and writes
 * `cancel` with `Atomics` on the JavaScript thread. No call crosses the
 * boundary per progress step.
 *
 * @module
 */

import { JOB_BYTES, JobOffset } from "../abi/layout.ts";

// Every offset comes from the ABI manifest; the words must be aligned for the
// TypedArrays below, which the Zig side's comptime assertions guarantee.
if (JobOffset.done % 8 !== 0 || JobOffset.total % 8 !== 0 || JobOffset.cancel % 4 !== 0) {
  throw new Error("zerocopy: the Job layout in src/abi/symbols.ts is misaligned; regenerate it");
}

/** One call's progress counter and cancel flag, in memory Zig and Deno both see. */
export class JobMemory {
  /** What the call's `*zerocopy.Job` parameter receives. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly #words: BigUint64Array<SharedArrayBuffer>;
  readonly #flags: Int32Array<SharedArrayBuffer>;

  constructor() {
    // Zig writes it on another thread for the whole call: a SharedArrayBuffer
    // lives outside V8's heap and can be neither detached nor moved, whoever
    // reaches it meanwhile. (Deno's FFI passes its memory like any other; its
    // BufferSource type names only ArrayBuffers.)
    const memory = new SharedArrayBuffer(JOB_BYTES);
    this.bytes = new Uint8Array(memory) as unknown as Uint8Array<ArrayBuffer>;
    this.#words = new BigUint64Array(memory);
    this.#flags = new Int32Array(memory);
  }

  /** Units done so far, as Zig last published them. */
  get done(): number {
    return Number(Atomics.load(this.#words, JobOffset.done / 8));
  }

  /** Units in all, 0 until the export says. */
  get total(): number {
    return Number(Atomics.load(this.#words, JobOffset.total / 8));
  }

  /** Asks the export to stop; it returns `cancelled` at its next check. */
  cancel(): void {
    Atomics.store(this.#flags, JobOffset.cancel / 4, 1);
  }

  /** Whether `cancel()` was called. */
  get cancelled(): boolean {
    return Atomics.load(this.#flags, JobOffset.cancel / 4) !== 0;
  }
}
