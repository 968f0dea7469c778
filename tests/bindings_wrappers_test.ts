// What generated wrappers take and return (tests/fixtures/bindings_fixture.ts,
// from zig/fixtures/bindings_fixture.zig): every integer width takes a number;
// 64-bit parameters also take a bigint and are checked before the call; 64-bit
// results are bigints, the others numbers; a shape may name usize parameters;
// a length the Spec names explicitly is filled from its array.
// The type annotations below are part of the test: `deno check` fails if a
// wrapper's TypeScript type is not the one the rule gives.

import { assertEquals, assertThrows } from "@std/assert";
import { ZeroCopyError } from "../mod.ts";
import { open } from "./fixtures/bindings_fixture.ts";
import { fixturePath } from "./_helpers.ts";

const fixture = await open(fixturePath("bindings_fixture"));

Deno.test("generated wrappers take a number for every integer width", () => {
  const u8: number = fixture.next_u8(254);
  const i8: number = fixture.next_i8(-128);
  const u16: number = fixture.next_u16(65534);
  const i16: number = fixture.next_i16(-2);
  const u32: number = fixture.next_u32(4294967294);
  const i32: number = fixture.next_i32(-2147483648);
  const u64: bigint = fixture.next_u64(41);
  const i64: bigint = fixture.next_i64(-42);
  const usize: bigint = fixture.next_usize(Number.MAX_SAFE_INTEGER);
  const isize: bigint = fixture.next_isize(-1);
  assertEquals([u8, i8, u16, i16, u32, i32], [255, -127, 65535, -1, 4294967295, -2147483647]);
  assertEquals([u64, i64, usize, isize], [42n, -41n, 2n ** 53n, 0n]);
});

Deno.test("a narrower integer parameter refuses a number its type cannot hold with a ZeroCopyError", () => {
  for (
    const call of [
      () => fixture.next_u8(256),
      () => fixture.next_i8(-129),
      () => fixture.next_u16(-1),
      () => fixture.next_i16(32768),
      () => fixture.next_u32(2 ** 32),
      () => fixture.next_i32(0.5),
    ]
  ) {
    assertEquals(assertThrows(call, ZeroCopyError).code, "INVALID_ARGUMENT");
  }
  assertEquals(
    assertThrows(() => fixture.next_u8(300), ZeroCopyError).message,
    'Argument "value" of next_u8 is 300, not an integer from 0 to 255 (u8)',
  );
});

Deno.test("a 64-bit parameter takes a bigint beyond 2^53 and its result comes back exact", () => {
  assertEquals(fixture.next_u64(2n ** 60n), 2n ** 60n + 1n);
  assertEquals(fixture.next_u64(2n ** 64n - 1n), 0n);
  assertEquals(fixture.next_i64(2n ** 63n - 1n), -(2n ** 63n));
  assertEquals(fixture.next_isize(-(2n ** 62n)), -(2n ** 62n) + 1n);
});

Deno.test("a 64-bit parameter refuses an unsafe or out-of-range value with a ZeroCopyError", () => {
  for (
    const call of [
      () => fixture.next_u64(2 ** 53 + 2),
      () => fixture.next_u64(1.5),
      () => fixture.next_u64(-1),
      () => fixture.next_u64(2n ** 64n),
      () => fixture.next_i64(2n ** 63n),
      () => fixture.next_usize(Number.NaN),
    ]
  ) {
    const error = assertThrows(call, ZeroCopyError);
    assertEquals(error.code, "INVALID_ARGUMENT");
  }
  const error = assertThrows(() => fixture.next_u64(2 ** 53 + 2), ZeroCopyError);
  assertEquals(
    error.message,
    'Argument "value" of next_u64 is 9007199254740994, not a safe integer; pass integers beyond 2^53 as a bigint',
  );
});

Deno.test("a shape declared over usize parameters applies to the returned buffer", () => {
  const before = fixture.library.stats();
  for (const [rows, cols] of [[2, 3], [2n, 3n]] as const) {
    using grid = fixture.make_grid(rows, cols);
    assertEquals(grid.shape, [2, 3]);
    assertEquals(grid.view[5], 5);
  }
  const error = assertThrows(() => fixture.make_grid(-1, 3), ZeroCopyError);
  assertEquals(error.code, "INVALID_ARGUMENT");
  assertEquals(fixture.library.stats().liveBuffers, before.liveBuffers);
});

Deno.test("a length the Spec names explicitly is filled from its array", () => {
  const values = new Float64Array([1, 2, 3.5]);
  assertEquals(fixture.sum_scaled(values, 2), 13);
  assertEquals(fixture.sum_scaled.length, 2);
});
