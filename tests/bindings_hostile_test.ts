// A careless or hostile caller of every generated wrapper (src/demo/demo_bindings.ts,
// tests/fixtures/bindings_fixture.ts, tests/fixtures/arrow_demo.ts): fast-check draws
// each call's arguments from the wrapper's generated signature, one argument hostile
// (a wrong TypedArray, too short, misaligned, detached, resizable, out of range, null
// where the pointer is not optional, a forged object, a disposed or moved
// ZeroCopyBuffer, a look-alike Region or Ring) and the others valid, or all valid.
// A hostile argument must be refused with a ZeroCopyError; valid ones may be refused
// only with one; nothing may crash. Runs under each mapping and the checked library
// with the unit suite; ZEROCOPY_BINDINGS_HOSTILE_RUNS sets the calls per wrapper.

import { assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import { ZeroCopyError } from "../mod.ts";
import { generatedSignatures } from "./_generated_signatures.ts";
import { argsFor, arrowDemo, demoBindings, fixture, pick, Scope, table } from "./_hostile_args.ts";

const RUNS_ENV = "ZEROCOPY_BINDINGS_HOSTILE_RUNS";
const RUNS = Number(
  (Deno.permissions.querySync({ name: "env", variable: RUNS_ENV }).state === "granted"
    ? Deno.env.get(RUNS_ENV)
    : undefined) ?? 12,
);

const MODULES = [
  { path: "../src/demo/demo_bindings.ts", wrappers: demoBindings as unknown as Record<string, unknown> },
  { path: "./fixtures/bindings_fixture.ts", wrappers: fixture as unknown as Record<string, unknown> },
  { path: "./fixtures/arrow_demo.ts", wrappers: arrowDemo as unknown as Record<string, unknown> },
];

for (const { path, wrappers } of MODULES) {
  for (const signature of generatedSignatures(new URL(path, import.meta.url))) {
    const wrapper = wrappers[signature.name] as (...args: unknown[]) => unknown;
    const params = signature.params.map((param) => ({ param, ...argsFor(param) }));
    const call = fc.integer({ min: -1, max: params.length - 1 }).chain((hostile) =>
      fc.tuple(
        fc.constant(params[hostile]?.hostile.length ? hostile : -1),
        ...params.map(({ valid, hostile: bad }, i) => i === hostile && bad.length > 0 ? pick(bad) : valid),
      )
    );
    Deno.test(`${signature.name}() of ${path.split("/").pop()} refuses hostile arguments with a ZeroCopyError`, async () => {
      await fc.assert(
        fc.asyncProperty(call, async ([hostile, ...args]) => {
          const scope = new Scope();
          let refusal: unknown = undefined;
          try {
            const values = args.map((a) => a.make(scope));
            scope.keep(await wrapper(...values));
          } catch (error) {
            refusal = error ?? new Error("threw nothing");
          } finally {
            scope.dispose();
          }
          const what = `${signature.name}(${args.map((a) => a.label).join(", ")})`;
          if (refusal !== undefined && !(refusal instanceof ZeroCopyError)) {
            throw new Error(`${what} threw ${String(refusal)}, not a ZeroCopyError`, { cause: refusal });
          }
          if (hostile >= 0 && refusal === undefined) {
            throw new Error(`${what} accepted ${args[hostile].label} for "${params[hostile].param.name}"`);
          }
        }),
        { numRuns: RUNS },
      );
    });
  }
}

Deno.test("a generated wrapper gates each pointer parameter for its Zig type's size and alignment", () => {
  const add = generatedSignatures(new URL("./fixtures/bindings_fixture.ts", import.meta.url))
    .find((signature) => signature.name === "add_pair")!;
  assertEquals(add.params.map((param) => param.memory), [
    { size: 16, align: 8, nullable: false },
    { size: 8, align: 8, nullable: true },
  ]);
  const total = new BigUint64Array(1);
  const pair = new BigUint64Array([5n, 7n]);
  fixture.add_pair(pair, total);
  assertEquals(total[0], 12n);
  assertEquals(
    assertThrows(() => fixture.add_pair(new Uint8Array(15), total), ZeroCopyError).code,
    "MEMORY_TOO_SMALL",
  );
  assertEquals(
    assertThrows(() => fixture.add_pair(pair, new Uint8Array(1)), ZeroCopyError).code,
    "MEMORY_TOO_SMALL",
  );
  const block = new Uint8Array(new ArrayBuffer(64));
  assertEquals(
    assertThrows(() => fixture.fill_block(block.subarray(8, 40), 1), ZeroCopyError).code,
    "INVALID_POINTER",
  );
  fixture.fill_block(block.subarray(16, 48), 9);
  assertEquals([block[15], block[16], block[47], block[48]], [0, 9, 9, 0]);
});

Deno.test("a 1-byte out-parameter for a *u64 is refused before Zig writes 8 bytes", () => {
  const error = assertThrows(
    () => arrowDemo.zc_arrow_demo_checksum(table(3), new Uint8Array(1)),
    ZeroCopyError,
  );
  assertEquals(error.code, "MEMORY_TOO_SMALL");
  assertEquals(
    error.message,
    'Argument "out" of zc_arrow_demo_checksum holds 1 byte, fewer than 8: pass a fixed-length TypedArray, DataView or ArrayBuffer of at least 8 bytes at an address that is a multiple of 8, or null',
  );
});

Deno.test("the core module's wrappers take no raw C Data structs", () => {
  assertEquals("zc_arrow_checksum" in demoBindings, false);
  const text = Deno.readTextFileSync(new URL("../src/demo/demo_bindings.ts", import.meta.url));
  assertEquals(text.includes("ArrowSchema"), false);
});

Deno.test("a lent array's hidden length is the engine's, whatever its length getter says", () => {
  class Liar extends Float64Array {
    override get length(): number {
      return 1 << 26;
    }
  }
  assertEquals(fixture.sum_f64(new Liar([1, 2])), 3);
});
