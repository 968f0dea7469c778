// Arguments for the hostile tests of generated wrappers (bindings_hostile_test.ts),
// by parameter type as the generated signature gives it: valid ones, drawn by
// fast-check, and hostile ones, each of which the wrapper must refuse with a
// ZeroCopyError. Each argument is made afresh per call, since a call may
// consume, detach or dispose it.

import fc from "fast-check";
import {
  Field,
  Float16,
  Float64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromArrays,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { type ElementType, Region, Ring, ZeroCopyBuffer } from "../mod.ts";
import { bind as bindDemo } from "../src/demo/demo_bindings.ts";
import { open as openFixture } from "./fixtures/bindings_fixture.ts";
import { open as openArrowDemo } from "./fixtures/arrow_demo.ts";
import { CONSTRUCTORS, demo, fixturePath, lib } from "./_helpers.ts";
import type { ParamSignature } from "./_generated_signatures.ts";

export const fixture = await openFixture(fixturePath("bindings_fixture"));
export const arrowDemo = await openArrowDemo(lib.path);
export const demoBindings = bindDemo(lib);

/** What a call made and must dispose once it returned, last first. */
export class Scope {
  readonly #items: Disposable[] = [];
  keep<T>(value: T): T {
    if (typeof (value as Partial<Disposable> | null)?.[Symbol.dispose] === "function") {
      this.#items.push(value as Disposable);
    }
    return value;
  }
  dispose(): void {
    for (const item of this.#items.reverse()) item[Symbol.dispose]();
  }
}

/** An argument: made afresh for each call, since a call may consume or detach it. */
export interface Arg {
  readonly label: string;
  make(scope: Scope): unknown;
}
export const arg = (label: string, make: (scope: Scope) => unknown): Arg => ({ label, make });
export const pick = (args: Arg[]): fc.Arbitrary<Arg> => fc.constantFrom(...args);

// Invalid for every parameter type.
const JUNK: Arg[] = [
  arg("undefined", () => undefined),
  arg('the string "8"', () => "8"),
  arg("a plain object", () => ({})),
  arg("an Array", () => [1, 2, 3]),
  arg("a function", () => () => 0),
  arg("a symbol", () => Symbol("hostile")),
  arg("a null-prototype object", () => Object.create(null)),
  arg("a Proxy", () => new Proxy({}, {})),
];
const NULL = arg("null", () => null);

function disposedView(type: ElementType): ArrayBufferView {
  const buffer = demo.generate(type, 4);
  const view = buffer.view;
  buffer[Symbol.dispose]();
  return view;
}

function movedBuffer(): ZeroCopyBuffer {
  const buffer = demo.generate("u8", 8);
  try {
    buffer.view.buffer.transfer();
  } catch {
    buffer[Symbol.dispose]();
  }
  return buffer;
}

function disposed<T extends Disposable>(value: T): T {
  value[Symbol.dispose]();
  return value;
}

const INTEGERS: Record<string, readonly [bigint, bigint]> = {
  u8: [0n, 255n],
  i8: [-128n, 127n],
  u16: [0n, 65535n],
  i16: [-32768n, 32767n],
  u32: [0n, 2n ** 32n - 1n],
  i32: [-(2n ** 31n), 2n ** 31n - 1n],
  u64: [0n, 2n ** 64n - 1n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
  usize: [0n, 2n ** 64n - 1n],
  isize: [-(2n ** 63n), 2n ** 63n - 1n],
};

function scalarArgs(type: string): { valid: fc.Arbitrary<Arg>; hostile: Arg[] } {
  if (type === "f32" || type === "f64") {
    return {
      valid: fc.double().map((x) => arg(String(x), () => x)),
      hostile: [NULL, arg("1n", () => 1n), ...JUNK],
    };
  }
  if (type === "bool") {
    return { valid: fc.boolean().map((b) => arg(String(b), () => b)), hostile: [NULL, ...JUNK] };
  }
  const [min, max] = INTEGERS[type];
  const wide = max > 2n ** 32n;
  // Small values: a length or a pause the fixtures take stays cheap.
  const small = fc.integer({ min: 0, max: 8 }).map((n) => arg(String(n), () => n));
  return {
    valid: wide ? fc.oneof(small, fc.bigInt({ min: 0n, max: 8n }).map((n) => arg(`${n}n`, () => n))) : small,
    hostile: [
      NULL,
      arg(`${min - 1n}`, () => wide ? min - 1n : Number(min - 1n)),
      arg(`${max + 1n}`, () => wide ? max + 1n : Number(max + 1n)),
      arg("0.5", () => 0.5),
      arg("NaN", () => NaN),
      arg("Infinity", () => Infinity),
      arg(wide ? "2 ** 53 (not a safe integer)" : "1n", () => wide ? 2 ** 53 : 1n),
      ...JUNK,
    ],
  };
}

function memoryArgs(
  memory: NonNullable<ParamSignature["memory"]>,
): { valid: fc.Arbitrary<Arg>; hostile: Arg[] } {
  const { size, align, nullable } = memory;
  const bytes = (extra: number) => Math.ceil((size + extra) / 8) * 8;
  const views = [
    (b: ArrayBuffer) => new Uint8Array(b),
    (b: ArrayBuffer) => new DataView(b),
    (b: ArrayBuffer) => b,
    (b: ArrayBuffer) => new Float64Array(b),
    (b: ArrayBuffer) => new BigUint64Array(b),
  ];
  const fresh = fc.tuple(fc.nat(16), fc.nat(views.length - 1))
    .map(([extra, v]) =>
      arg(`${bytes(extra)} bytes (view ${v})`, () => views[v](new ArrayBuffer(bytes(extra))))
    );
  const hostile = [
    arg("a detached view", () => {
      const view = new Uint8Array(bytes(8));
      view.buffer.transfer();
      return view;
    }),
    arg("a detached ArrayBuffer", () => disposedView("u8").buffer),
    arg("a resizable ArrayBuffer", () => new ArrayBuffer(bytes(0), { maxByteLength: 1024 })),
    arg(
      "a view of a resizable ArrayBuffer",
      () => new Uint8Array(new ArrayBuffer(bytes(0), { maxByteLength: 1024 })),
    ),
    arg(
      "a view of a growable SharedArrayBuffer",
      () => new Uint8Array(new SharedArrayBuffer(8, { maxByteLength: 1024 })),
    ),
    arg("a SharedArrayBuffer", () => new SharedArrayBuffer(bytes(8))),
    arg("a forged Uint8Array", () => Object.create(Uint8Array.prototype)),
    arg("a Proxy of a Uint8Array", () => new Proxy(new Uint8Array(bytes(8)), {})),
    arg("a ZeroCopyBuffer", (scope) => scope.keep(demo.generate("u8", bytes(8)))),
    arg("a disposed ZeroCopyBuffer's view", () => disposedView("f64")),
    arg("an Array of numbers", () => new Array(bytes(0)).fill(0)),
    ...(nullable ? [] : [NULL]),
    ...JUNK,
  ];
  if (size > 0) {
    hostile.push(arg(`${size - 1} bytes`, () => new Uint8Array(size - 1)));
    hostile.push(arg("a subclass claiming more bytes than it has", () => {
      class Liar extends Uint8Array {
        override get byteLength(): number {
          return 1 << 20;
        }
      }
      return new Liar(size - 1);
    }));
  }
  if (align > 1) {
    hostile.push(
      arg("a misaligned view", () => new Uint8Array(new ArrayBuffer(bytes(align))).subarray(1, 1 + size)),
    );
  }
  return { valid: nullable ? fc.oneof(fresh, fc.constant(NULL)) : fresh, hostile };
}

function lentArgs(type: keyof typeof CONSTRUCTORS): { valid: fc.Arbitrary<Arg>; hostile: Arg[] } {
  const Lent = CONSTRUCTORS[type];
  const others = Object.entries(CONSTRUCTORS).filter(([other]) =>
    other !== type && !(type === "u8" && other === "u8")
  );
  const fresh = fc.tuple(fc.nat(8), fc.nat(3))
    .map(([n, at]) => arg(`${type} x ${n} at ${at}`, () => new Lent(n + at).subarray(at)));
  // Accepted, since its elements are a TypedArray's: the length Zig reads is the engine's.
  const liar = arg("a subclass whose length getter claims a million", () => {
    const Liar = class extends (Lent as unknown as new (n: number) => ArrayBufferView) {
      get length(): number {
        return 1_000_000;
      }
    };
    return new Liar(2);
  });
  return {
    valid: fc.oneof({ weight: 9, arbitrary: fresh }, { weight: 1, arbitrary: fc.constant(liar) }),
    hostile: [
      ...others.map(([other, Other]) => arg(`a ${other} array`, () => new Other(4))),
      arg("a DataView", () => new DataView(new ArrayBuffer(16))),
      arg("an ArrayBuffer", () => new ArrayBuffer(16)),
      arg("a detached array", () => {
        const view = new Lent(4);
        view.buffer.transfer();
        return view;
      }),
      arg("a disposed ZeroCopyBuffer's view", () => disposedView(type)),
      arg("a ZeroCopyBuffer", (scope) => scope.keep(demo.generate(type, 4))),
      arg("a forged array", () => Object.create(Lent.prototype)),
      arg("a Proxy of an array", () => new Proxy(new Lent(4), {})),
      NULL,
      ...JUNK,
    ],
  };
}

const LOOKALIKES: Arg[] = [
  arg("a forged ZeroCopyBuffer", () => Object.create(ZeroCopyBuffer.prototype)),
  arg("a disposed ZeroCopyBuffer", () => disposed(demo.generate("u8", 8))),
  arg("a ZeroCopyBuffer whose ArrayBuffer was moved", movedBuffer),
  arg("a Uint8Array", () => new Uint8Array(32)),
  NULL,
  ...JUNK,
];

function regionArgs(): { valid: fc.Arbitrary<Arg>; hostile: Arg[] } {
  const region = (scope: Scope) => scope.keep(Region.create(fixture.library, 1024));
  return {
    valid: pick([
      arg("a Region", region),
      arg("a Region of another library", (scope) => scope.keep(Region.create(lib, 1024))),
      arg("a Region whose own adopt is forged", (scope) =>
        Object.assign(region(scope), {
          adopt: (_: string, hand: (out: BigUint64Array) => void) => hand(new BigUint64Array(1)),
        })),
    ]),
    hostile: [
      arg("a disposed Region", () => disposed(Region.create(fixture.library, 64))),
      arg("a forged Region", () => Object.create(Region.prototype)),
      arg(
        "an object with adopt",
        () => ({ adopt: (_: string, hand: (out: Uint8Array) => void) => hand(new Uint8Array(1)) }),
      ),
      arg("a Ring", (scope) => scope.keep(Ring.create(fixture.library, "u8", { slots: 1, slotLength: 8 }))),
      NULL,
      ...JUNK,
    ],
  };
}

function ringArgs(type: ElementType): { valid: fc.Arbitrary<Arg>; hostile: Arg[] } {
  const ring = (scope: Scope, of: ElementType = type) =>
    scope.keep(Ring.create(fixture.library, of, { slots: 2, slotLength: 16 }));
  return {
    valid: pick([
      arg(`a Ring of ${type}`, (scope) => ring(scope)),
      arg(
        "a Ring whose own next is forged",
        (scope) =>
          Object.assign(ring(scope), { next: (hand: (out: Uint8Array) => void) => hand(new Uint8Array(1)) }),
      ),
    ]),
    hostile: [
      arg("a Ring of another element type", (scope) => ring(scope, type === "f64" ? "u8" : "f64")),
      arg("a disposed Ring", () => disposed(Ring.create(fixture.library, type, { slots: 1, slotLength: 8 }))),
      arg("a forged Ring", () => Object.create(Ring.prototype)),
      arg(
        "an object with next",
        () => ({ next: (hand: (out: Uint8Array) => void) => hand(new Uint8Array(1)) }),
      ),
      arg("a Region", (scope) => scope.keep(Region.create(fixture.library, 64))),
      NULL,
      ...JUNK,
    ],
  };
}

export const table = (rows: number) =>
  tableFromArrays({
    id: Int32Array.from({ length: rows }, (_, i) => i - 2),
    value: Float64Array.from({ length: rows }, (_, i) => i / 4),
  });

// A batch of one column built by hand, whose buffers need not cover what it claims.
function lying(column: ReturnType<typeof makeData>): RecordBatch {
  const fields = [new Field("x", column.type, false)];
  return new RecordBatch(
    new Schema(fields),
    makeData({ type: new Struct(fields), length: column.length, nullCount: 0, children: [column] }),
  );
}

function batchArgs(): { valid: fc.Arbitrary<Arg>; hostile: Arg[] } {
  return {
    valid: fc.nat(6).chain((rows) =>
      pick([
        arg(`a Table of ${rows} rows`, () => table(rows)),
        arg(`a RecordBatch of ${rows} rows`, () => table(rows).batches[0] ?? table(1).batches[0]),
        arg(`the table of an ArrowBatch of ${rows} rows`, (scope) =>
          scope.keep(arrowDemo.zc_arrow_demo_table(rows, 1)).table),
      ])
    ),
    hostile: [
      arg("a forged RecordBatch", () => Object.create(RecordBatch.prototype)),
      arg("a forged Table", () => Object.create(Table.prototype)),
      arg("the table of a disposed ArrowBatch", () => disposed(arrowDemo.zc_arrow_demo_table(4, 0)).table),
      arg("a table whose column was detached", () => {
        const values = new Float64Array(4);
        const detached = tableFromArrays({ values });
        values.buffer.transfer();
        return detached;
      }),
      arg(
        "a batch claiming more rows than its values hold",
        () => lying(makeData({ type: new Float64(), length: 1 << 24, data: new Float64Array(2) })),
      ),
      arg(
        "a UTF-8 column with an offset past its bytes",
        () =>
          lying(
            makeData({
              type: new Utf8(),
              length: 2,
              valueOffsets: new Int32Array([0, 1 << 24, 3]),
              data: new Uint8Array(3),
            }),
          ),
      ),
      arg("a table of float16", () => new Table({ half: vectorFromArray([1, 2], new Float16()) })),
      arg("a ZeroCopyBuffer", (scope) => scope.keep(demoBindings.zc_arrow_demo_batch(2, 0))),
      NULL,
      ...JUNK.filter((junk) => junk.label !== "a plain object"),
      arg("a plain object", () => ({ schema: {}, data: [] })),
    ],
  };
}

export function argsFor(param: ParamSignature): { valid: fc.Arbitrary<Arg>; hostile: Arg[] } {
  const lent = param.ts.match(/^LentArrayOf\["(\w+)"\]$/);
  if (param.memory) return memoryArgs(param.memory);
  if (lent) return lentArgs(lent[1] as keyof typeof CONSTRUCTORS);
  if (param.ring) return ringArgs(param.ring as ElementType);
  if (param.scalar) return scalarArgs(param.scalar);
  switch (param.ts) {
    case "Descriptor | ZeroCopyBuffer | BufferPin":
      return {
        valid: pick([
          arg("a u8 buffer", (scope) => scope.keep(demo.generate("u8", 16))),
          arg("an empty buffer", (scope) => scope.keep(demo.generate("u8", 0))),
          arg("an f64 buffer", (scope) => scope.keep(demo.generate("f64", 4))),
          arg("a pin", (scope) => scope.keep(scope.keep(demo.generate("u8", 8)).pin())),
          // Taken as its pin: the words zerocopy kept reach Zig, not what the caller wrote.
          arg("a pin's descriptor with its words rewritten", (scope) => {
            const descriptor = scope.keep(scope.keep(demo.generate("u8", 8)).pin()).descriptor;
            descriptor.fill(0xffffn);
            return descriptor;
          }),
          arg("a batch's buffer", (scope) => scope.keep(demoBindings.zc_arrow_demo_batch(3, 0))),
        ]),
        hostile: [
          arg("a disposed pin", () => disposed(demo.generate("u8", 8).pin())),
          arg("a look-alike pin", () => ({ descriptor: new BigUint64Array(8) })),
          arg("a BigUint64Array of 3 words", () => new BigUint64Array(3)),
          arg(
            "a descriptor made by hand",
            () => new BigUint64Array([0xdeadbeefn, 1n << 40n, 1n << 40n, 1n, 0n, 0n]),
          ),
          ...LOOKALIKES,
        ],
      };
    case "ZeroCopyBuffer":
      return {
        valid: pick([
          arg("a u8 buffer", (scope) => scope.keep(demo.generate("u8", 64))),
          arg("an f64 buffer", (scope) => scope.keep(demo.generate("f64", 8))),
        ]),
        hostile: [
          arg("a pin", (scope) => scope.keep(scope.keep(demo.generate("u8", 8)).pin())),
          ...LOOKALIKES,
        ],
      };
    case "Region":
      return regionArgs();
    case "zerocopyArrow.BatchArgument":
      return batchArgs();
    case "NonblockingOptions":
      return {
        valid: pick([
          arg("no options", () => undefined),
          arg("{}", () => ({})),
          arg("a progress interval", () => ({ progressInterval: 5, onProgress: () => {} })),
          arg("a signal", () => ({ signal: new AbortController().signal })),
        ]),
        hostile: [
          NULL,
          arg("5", () => 5),
          arg("a forged signal", () => ({ signal: {} })),
          arg("a number for onProgress", () => ({ onProgress: 1 })),
          arg("a zero progress interval", () => ({ progressInterval: 0 })),
        ],
      };
    case "PointerValue":
      // Only Deno.UnsafePointer makes another: the caller's own unsafe act, passed as is.
      return { valid: fc.constant(NULL), hostile: [] };
  }
  throw new Error(`No arguments for a parameter of type ${param.ts}: add them here`);
}
