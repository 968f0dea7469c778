// Property test: random sequences of allocate / generate / write / view /
// lend / give back / keep / transfer / dispose / drop, checked after every step against
// a model of what each live buffer holds and of what Zig counts as live.
//
// ZEROCOPY_PROPERTY_RUNS sets the number of sequences (default 300);
// `deno task property` runs 10,000. Needs --allow-ffi, and
// --allow-env=ZEROCOPY_LIB,ZEROCOPY_PROPERTY_RUNS to read the count.

import { assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import {
  ELEMENT_TYPES,
  type ElementType,
  lend,
  type LibraryStats,
  type ZeroCopyBuffer,
  ZeroCopyError,
} from "../../mod.ts";
import { expectedPattern, fnv1a, hooks, hooksDemo } from "../_helpers.ts";
import { checkLiveCounts, RUNS, runSequences } from "./_run.ts";

// The library with the keep hooks, which is libzerocopy's demo plus them: a
// buffer given back to be kept must go back to the library that handed it over.
const demo = hooksDemo;
const lib = hooksDemo.library;

const BYTES: Record<ElementType, number> = {
  i8: 1,
  u8: 1,
  i16: 2,
  u16: 2,
  i32: 4,
  u32: 4,
  i64: 8,
  u64: 8,
  f32: 4,
  f64: 8,
};

type Op =
  | { op: "allocate" | "generate"; type: ElementType; length: number }
  | { op: "write"; pick: number; at: number; value: number }
  | { op: "lend" | "giveBack" | "keep" | "dispose" | "drop"; pick: number }
  | { op: "transfer"; pick: number; then: "receive" | "drop" }
  | { op: "releaseKept" };

const type = fc.constantFrom(...ELEMENT_TYPES);
const length = fc.integer({ min: 0, max: 48 });
const pick = fc.nat();
const ops: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constantFrom("allocate" as const, "generate" as const), type, length }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("write" as const),
      pick,
      at: fc.nat(),
      value: fc.integer({ min: -300, max: 300 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constantFrom(
        "lend" as const,
        "giveBack" as const,
        "keep" as const,
        "dispose" as const,
        "drop" as const,
      ),
      pick,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("transfer" as const),
      pick,
      then: fc.constantFrom("receive" as const, "drop" as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("releaseKept" as const) }) },
);

/** A live buffer and the bytes the model says it holds. */
interface Entry {
  buffer: ZeroCopyBuffer;
  bytes: Uint8Array;
}

/** The model: live buffers, what Zig's zc_keep holds, and what was dropped undisposed (in any run). */
class Model {
  entries: Entry[] = [];
  /** Buffers (0 or 1) and bytes that zc_keep holds, and the length zc_release_kept reports. */
  keptBuffers = 0;
  keptBytes = 0;
  keptLength = 0;
  dropped = 0;
  droppedBytes = 0;

  /** Removes and returns the entry `pick` designates, if any is live. */
  take(pick: number): Entry | undefined {
    if (this.entries.length === 0) return undefined;
    return this.entries.splice(pick % this.entries.length, 1)[0];
  }
}

function asBytes(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength).slice();
}

/** Writes `value` at element `at` of a view of `type` over `bytes`, as a TypedArray stores it. */
function store(type: ElementType, view: ArrayBufferView, at: number, value: number): void {
  const target = view as unknown as Record<number, number | bigint>;
  target[at] = type === "i64" || type === "u64" ? BigInt(value) : value;
}

function apply(model: Model, step: Op): void {
  switch (step.op) {
    case "allocate":
    case "generate": {
      if (step.op === "allocate" && step.length === 0) {
        // Nothing to fill: refused before anything is allocated, and the model does not change.
        assertEquals(assertThrows(() => lib.allocate(step.type, 0), ZeroCopyError).code, "INVALID_LENGTH");
        return;
      }
      const buffer = step.op === "allocate"
        ? lib.allocate(step.type, step.length)
        : demo.generate(step.type, step.length);
      const bytes = step.op === "allocate"
        ? new Uint8Array(step.length * BYTES[step.type])
        : asBytes(expectedPattern(step.type, step.length));
      model.entries.push({ buffer, bytes });
      return;
    }
    case "write": {
      if (model.entries.length === 0) return;
      const { buffer, bytes } = model.entries[step.pick % model.entries.length];
      if (buffer.length === 0) return;
      const at = step.at % buffer.length;
      store(buffer.type, buffer.view, at, step.value);
      // The model applies the same store through a TypedArray of its own.
      const modelView = expectedPattern(buffer.type, 0).constructor as new (
        b: ArrayBuffer,
      ) => ArrayBufferView;
      store(buffer.type, new modelView(bytes.buffer as ArrayBuffer), at, step.value);
      return;
    }
    case "lend": {
      if (model.entries.length === 0) return;
      const { buffer, bytes } = model.entries[step.pick % model.entries.length];
      if (buffer.type === "f64") {
        const view = buffer.view as Float64Array;
        const expected = new Float64Array(bytes.slice().buffer).reduce((a, b) => a + b, 0);
        assertEquals(lib.symbols.zc_sum_f64(lend(view), view.length), expected);
      } else {
        assertEquals(demo.checksum(buffer), fnv1a(bytes));
      }
      return;
    }
    case "giveBack": {
      const entry = model.take(step.pick);
      if (!entry) return;
      const view = entry.buffer.view;
      assertEquals(lib.giveBack(entry.buffer, (d) => lib.symbols.zc_consume(d)), fnv1a(entry.bytes));
      assertEquals(view.length, 0);
      return;
    }
    case "keep": {
      const entry = model.take(step.pick);
      if (!entry) return;
      const type = entry.buffer.type;
      // zc_keep releases what it held before.
      assertEquals(hooks.giveBack(entry.buffer, (d) => hooks.symbols.zc_keep(d)), 0);
      model.keptBuffers = 1;
      model.keptBytes = entry.bytes.length;
      model.keptLength = entry.bytes.length / BYTES[type];
      return;
    }
    case "transfer": {
      const entry = model.take(step.pick);
      if (!entry) return;
      const { buffer, bytes } = entry;
      const type = buffer.type;
      const view = buffer.view;
      // Posted as a worker would be sent it: moved by its transfer list.
      const transferred = buffer.transfer();
      const posted = structuredClone(transferred, { transfer: transferred.transferList });
      assertEquals(view.length, 0);
      // A message dropped unreceived frees its memory only under the Node-API
      // mapping; under the pointer-view one the receiver's buffer is dropped instead.
      if (step.then === "drop" && lib.mapping === "node-api") {
        model.dropped++;
        model.droppedBytes += bytes.length;
        return;
      }
      const received = lib.receive(posted, type);
      if (step.then === "drop") {
        model.dropped++;
        model.droppedBytes += bytes.length;
        return;
      }
      model.entries.push({ buffer: received, bytes });
      return;
    }
    case "releaseKept":
      assertEquals(hooks.symbols.zc_release_kept(), model.keptLength);
      model.keptBuffers = model.keptBytes = model.keptLength = 0;
      return;
    case "dispose": {
      const entry = model.take(step.pick);
      if (!entry) return;
      const view = entry.buffer.view;
      entry.buffer[Symbol.dispose]();
      assertEquals(view.length, 0);
      return;
    }
    case "drop": {
      const entry = model.take(step.pick);
      if (!entry) return;
      model.dropped++;
      model.droppedBytes += entry.bytes.length;
    }
  }
}

/**
 * Every live buffer holds what the model says; Zig counts at least the model's
 * live buffers and bytes, and at most those plus the dropped ones, which the
 * safety net may or may not have freed yet.
 */
function check(model: Model, base: LibraryStats): void {
  for (const { buffer, bytes } of model.entries) {
    assertEquals(buffer.byteLength, bytes.length);
    assertEquals(asBytes(buffer.view), bytes);
  }
  checkLiveCounts(lib.stats(), base, {
    buffers: model.keptBuffers + model.entries.length,
    bytes: model.keptBytes + model.entries.reduce((sum, e) => sum + e.bytes.length, 0),
  }, model);
}

Deno.test(`${RUNS} random sequences of buffer operations keep the contents and live counts the model predicts`, async () => {
  const start = lib.stats();
  const steps = await runSequences({
    library: lib,
    ops,
    newModel: () => new Model(),
    apply,
    check,
    cleanup: (model) => {
      for (const { buffer } of model.entries) buffer[Symbol.dispose]();
      hooks.symbols.zc_release_kept();
    },
  });
  const handedOver = lib.stats().totalHandedOver - start.totalHandedOver;
  console.log(`${RUNS} sequences run, ${steps} steps checked, ${handedOver} handovers`);
});
