// Property test of a hostile user: random sequences over buffers of the moves
// users make behind zerocopy's back (`transfer()`, `transfer(n)`,
// `transferToFixedLength()`, `structuredClone` with a transfer list, a
// `postMessage` to a port, or to a worker that is then terminated), writes,
// dispose, pins and forced garbage collection; after every step a native call
// through every handle (buffer and pin). Every call either works on intact
// data or throws a ZeroCopyError; Zig's counters stay within the model's; no
// crash. Under both mappings.
//
// ZEROCOPY_HOSTILE_RUNS sets the number of sequences per mapping (default
// 100). Needs --allow-ffi; --allow-read=tests to start workers (a
// MessagePort stands in without it); --allow-env=ZEROCOPY_HOSTILE_RUNS to read
// the count; --expose-gc for the forced collections and the final count.

import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import {
  type BufferPin,
  type Demo,
  type ElementType,
  type MappingKind,
  openDemo,
  type ZeroCopyBuffer,
  ZeroCopyError,
} from "../../mod.ts";
import { expectedPattern, fnv1a, lib, UNSCOPED_FFI } from "../_helpers.ts";
import { checkLiveCounts, runSequencesAsync } from "./_run.ts";

// Its own count: a hostile sequence awaits moves and workers, so it costs far
// more than a model_test sequence, and CI runs a small sample.
const HOSTILE_ENV = "ZEROCOPY_HOSTILE_RUNS";
const RUNS = Number(
  (Deno.permissions.querySync({ name: "env", variable: HOSTILE_ENV }).state === "granted"
    ? Deno.env.get(HOSTILE_ENV)
    : undefined) ?? 100,
);

const TYPES: readonly ElementType[] = ["u8", "i16", "f32", "f64", "u64"];
const BYTES: Partial<Record<ElementType, number>> = { u8: 1, i16: 2, f32: 4, f64: 8, u64: 8 };

type Move = "transfer" | "transferShorter" | "transferToFixedLength" | "structuredClone" | "port" | "worker";

type Op =
  | { op: "generate"; type: ElementType; length: number }
  | { op: "write"; pick: number; at: number; value: number }
  | { op: "move"; pick: number; how: Move; keep: boolean }
  | { op: "dispose" | "pin" | "unpin" | "drop" | "dropMoved"; pick: number }
  | { op: "gc" };

const pick = fc.nat();
// A forced collection costs milliseconds on a large heap, and a worker tens: both are rare.
const ops: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      op: fc.constant("generate" as const),
      type: fc.constantFrom(...TYPES),
      length: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 48 }) }, {
        weight: 1,
        arbitrary: fc.constant(1 << 15),
      }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant("write" as const), pick, at: fc.nat(), value: fc.nat(100) }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      op: fc.constant("move" as const),
      pick,
      how: fc.oneof(
        {
          weight: 150,
          arbitrary: fc.constantFrom<Move>(
            "transfer",
            "transferShorter",
            "transferToFixedLength",
            "structuredClone",
            "port",
          ),
        },
        { weight: 1, arbitrary: fc.constant<Move>("worker") },
      ),
      keep: fc.boolean(),
    }),
  },
  {
    weight: 15,
    arbitrary: fc.record({
      op: fc.constantFrom(
        "dispose" as const,
        "pin" as const,
        "unpin" as const,
        "drop" as const,
        "dropMoved" as const,
      ),
      pick,
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: "gc" as const }) },
);

/** A buffer the user holds, with what the model says about it. */
interface Handle {
  buffer: ZeroCopyBuffer;
  type: ElementType;
  /** Its bytes while the model says it is intact; null once moved (or gone). */
  bytes: Uint8Array | null;
  /** Bytes Zig counts for it. */
  size: number;
  state: "live" | "moved" | "disposed";
  pins: BufferPin[];
}

/** What a move left in the user's hands: the ArrayBuffer that holds the memory now. */
interface Moved {
  memory: ArrayBuffer | null;
  size: number;
}

/** What pointer-view left allocated on purpose, across every run: counted live for good. */
interface Abandoned {
  buffers: number;
  bytes: number;
}

class Model {
  handles: Handle[] = [];
  /** Moved memory the user still holds (Node-API: counted live until it is let go). */
  moved: Moved[] = [];
  dropped = 0;
  droppedBytes = 0;

  constructor(readonly demo: Demo, readonly port: MessagePort, readonly abandoned: Abandoned) {}

  get mapping(): MappingKind {
    return this.demo.library.mapping;
  }

  at(pick: number): Handle | undefined {
    return this.handles.length === 0 ? undefined : this.handles[pick % this.handles.length];
  }
}

const gc = (globalThis as { gc?: () => void }).gc;

const WORKER = new URL("../gc/_holding_worker.ts", import.meta.url);
const CAN_START_WORKERS = Deno.permissions.querySync({ name: "read", path: WORKER }).state === "granted";

/** Detaches the buffer's ArrayBuffer the way a user would; returns what holds the memory now. */
async function move(buffer: ArrayBuffer, how: Move, port: MessagePort): Promise<ArrayBuffer | null> {
  switch (how) {
    case "transfer":
      return buffer.transfer();
    case "transferShorter":
      // Another length: V8 copies what fits and frees the original (Node-API) at once.
      buffer.transfer(Math.max(0, buffer.byteLength - 1));
      return null;
    case "transferToFixedLength":
      return buffer.transferToFixedLength();
    case "structuredClone":
      return structuredClone(buffer, { transfer: [buffer] });
    case "port":
      // The message is never read: it holds the memory until the port is closed.
      port.postMessage(buffer, [buffer]);
      return null;
    case "worker": {
      // Loading a worker's module needs --allow-read on it; without, a port stands in.
      if (!CAN_START_WORKERS) return move(buffer, "port", port);
      const worker = new Worker(WORKER, { type: "module" });
      const received = new Promise((resolve) => worker.onmessage = resolve);
      worker.postMessage(new Float64Array(buffer, 0, buffer.byteLength >> 3), [buffer]);
      await received;
      worker.terminate();
      return null;
    }
  }
}

async function apply(model: Model, step: Op): Promise<void> {
  const { demo } = model;
  switch (step.op) {
    case "generate": {
      const buffer = demo.generate(step.type, step.length);
      const pattern = expectedPattern(step.type, step.length);
      const bytes = new Uint8Array(pattern.buffer, pattern.byteOffset, pattern.byteLength).slice();
      const size = step.length * BYTES[step.type]!;
      model.handles.push({ buffer, type: step.type, bytes, size, state: "live", pins: [] });
      return;
    }
    case "write": {
      const handle = model.at(step.pick);
      if (handle === undefined || handle.state !== "live" || handle.bytes!.length === 0) return;
      const at = step.at % handle.bytes!.length;
      handle.buffer.bytes[at] = step.value;
      handle.bytes![at] = step.value;
      return;
    }
    case "move": {
      const handle = model.at(step.pick);
      if (handle === undefined || handle.state !== "live") return;
      // The user reaches the ArrayBuffer through a view taken while it was live.
      const memory = await move(handle.buffer.view.buffer, step.how, model.port);
      handle.state = "moved";
      handle.bytes = null;
      if (model.mapping === "pointer-view") {
        model.abandoned.buffers++;
        model.abandoned.bytes += handle.size;
        // The memory is never freed, so the moved ArrayBuffer may be kept or dropped alike.
        return;
      }
      // An empty ArrayBuffer's memory does not survive transfer(): only a non-empty one is held.
      if (memory !== null && step.keep && handle.size > 0) model.moved.push({ memory, size: handle.size });
      else {
        model.dropped++;
        model.droppedBytes += handle.size;
      }
      return;
    }
    case "dispose": {
      const handle = model.at(step.pick);
      if (handle === undefined) return;
      try {
        handle.buffer[Symbol.dispose]();
      } catch (error) {
        // Only a moved buffer under pointer-view refuses, the first time it is seen moved.
        assert(error instanceof ZeroCopyError && error.code === "MOVED", String(error));
        assert(model.mapping === "pointer-view" && handle.state === "moved");
      }
      if (handle.state === "live") handle.state = "disposed";
      handle.bytes = null;
      return;
    }
    case "pin": {
      const handle = model.at(step.pick);
      if (handle === undefined) return;
      try {
        handle.pins.push(handle.buffer.pin());
        assertEquals(handle.state, "live");
      } catch (error) {
        assert(error instanceof ZeroCopyError, String(error));
        assert(handle.state !== "live", `a live buffer refused a pin: ${error}`);
      }
      return;
    }
    case "unpin": {
      const handle = model.at(step.pick);
      handle?.pins.shift()?.[Symbol.dispose]();
      return;
    }
    case "drop": {
      if (model.handles.length === 0) return;
      const [handle] = model.handles.splice(step.pick % model.handles.length, 1);
      for (const pin of handle.pins) pin[Symbol.dispose]();
      // A moved one dropped before zerocopy saw the move is abandoned by the safety net, as counted.
      if (handle.state === "live") {
        model.dropped++;
        model.droppedBytes += handle.size;
      }
      return;
    }
    case "dropMoved": {
      if (model.moved.length === 0) return;
      const [moved] = model.moved.splice(step.pick % model.moved.length, 1);
      moved.memory = null;
      model.dropped++;
      model.droppedBytes += moved.size;
      return;
    }
    case "gc":
      gc?.();
      return;
  }
}

/** A native call through every handle: intact data, or a ZeroCopyError the model predicts. */
function check(model: Model): void {
  const { demo } = model;
  for (const handle of model.handles) {
    let sum: number | undefined;
    try {
      sum = demo.checksum(handle.buffer);
    } catch (error) {
      if (!(error instanceof ZeroCopyError)) throw error;
      assert(handle.state !== "live", `a live buffer refused a call: ${error.message}`);
      assertEquals(error.code, handle.state === "moved" ? "MOVED" : "DISPOSED", error.message);
    }
    if (sum !== undefined) {
      assertEquals(handle.state, "live");
      assertEquals(sum, fnv1a(handle.bytes!));
    }
    if (handle.state === "moved") assertEquals(handle.buffer.state, "moved");
    for (const pin of handle.pins) {
      try {
        const pinned = demo.library.symbols.zc_checksum(pin.descriptor);
        // A pin of a buffer disposed during its call still reads the memory it holds.
        if (handle.state === "live") assertEquals(pinned, fnv1a(handle.bytes!));
        else assertEquals(handle.state, "disposed");
      } catch (error) {
        if (!(error instanceof ZeroCopyError)) throw error;
        assertEquals(handle.state, "moved", error.message);
        assertEquals(error.code, "MOVED");
      }
    }
  }
}

function live(model: Model): { buffers: number; bytes: number } {
  let buffers = model.abandoned.buffers + model.moved.length;
  let bytes = model.abandoned.bytes + model.moved.reduce((sum, moved) => sum + moved.size, 0);
  for (const handle of model.handles) {
    // A buffer disposed while pinned is freed when its last pin goes.
    if (handle.state === "live" || (handle.state === "disposed" && handle.pins.length > 0)) {
      buffers++;
      bytes += handle.size;
    }
  }
  return { buffers, bytes };
}

function cleanup(model: Model): void {
  for (const handle of model.handles) {
    for (const pin of handle.pins) pin[Symbol.dispose]();
    try {
      handle.buffer[Symbol.dispose]();
    } catch (error) {
      assert(error instanceof ZeroCopyError && error.code === "MOVED", String(error));
    }
  }
  for (const moved of model.moved) moved.memory?.transfer(0);
  model.handles = [];
  model.moved = [];
}

const MAPPINGS: readonly MappingKind[] = UNSCOPED_FFI ? ["node-api", "pointer-view"] : ["node-api"];

for (const mapping of MAPPINGS) {
  Deno.test(`hostile sequences of moves, pins and calls under ${mapping}: ${RUNS} runs`, async () => {
    const demo = await openDemo({ path: lib.path, mapping });
    const channel = new MessageChannel();
    // Messages posted to port1 arrive here and are dropped, with their memory.
    channel.port2.onmessage = () => {};
    const abandoned: Abandoned = { buffers: 0, bytes: 0 };
    try {
      const steps = await runSequencesAsync({
        library: demo.library,
        ops,
        newModel: () => new Model(demo, channel.port1, abandoned),
        apply,
        check: (model, base) => {
          check(model);
          checkLiveCounts(demo.library.stats(), base, live(model), model);
        },
        cleanup,
        // What pointer-view left allocated on purpose stays counted live.
        leftLive: () => abandoned,
        beforeFinalCount: () => channel.port1.close(),
        runs: RUNS,
      });
      assert(steps > 0);
    } finally {
      channel.port1.close();
      channel.port2.close();
    }
  });
}
