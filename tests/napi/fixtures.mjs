// The test libraries' exports as Node-API functions: every integer width, structs
// by pointer, a raw pointer parameter, and a library re-exporting libzerocopy's:
//   node tests/napi/fixtures.mjs zig-out/fixtures   (or bun; or zig-out/checked for the test hooks)
import assert from "node:assert/strict";
import process from "node:process";
import { existsSync } from "node:fs";
import { load, run, tableNames, throws } from "./_harness.mjs";

const dir = process.argv[2] ?? "zig-out/fixtures";
const fixture = existsSync(`${dir}/libbindings_fixture.so`) ? load(`${dir}/libbindings_fixture.so`) : null;
const hooks = load(`${dir}/libtest_hooks.so`);
const abi = tableNames("src/abi/symbols.ts");

const fixtureTests = {
  "every export of the fixture's table, and zerocopy's ABI exports, is a function"() {
    const own = tableNames("tests/fixtures/bindings_fixture.ts");
    const names = new Set([
      ...own.names,
      ...abi.names.filter((name) => name.startsWith("zc_") && !name.includes("_demo_")),
    ]);
    for (const name of own.names) assert.equal(typeof fixture.symbols[name], "function", name);
    for (const name of Object.keys(fixture.symbols)) assert.ok(names.has(name), name);
  },
  "8 to 32-bit integers: in range, wrapped by Zig; out of the type a RangeError; not a 32-bit integer a TypeError"() {
    const s = fixture.symbols;
    assert.equal(s.next_u8(254), 255);
    assert.equal(s.next_u8(255), 0);
    assert.equal(s.next_i8(-128), -127);
    assert.equal(s.next_i8(127), -128);
    assert.equal(s.next_u16(65535), 0);
    assert.equal(s.next_i16(-32768), -32767);
    assert.equal(s.next_u32(4294967295), 0);
    assert.equal(s.next_i32(2147483647), -2147483648);
    for (
      const [name, bad] of [["next_u8", 256], ["next_i8", 128], ["next_i8", -129], ["next_u16", 65536], [
        "next_i16",
        32768,
      ]]
    ) {
      throws(RangeError, () => s[name](bad));
    }
    for (
      const [name, bad] of [["next_u8", -1], ["next_u32", 2 ** 32], ["next_i32", 2 ** 31], ["next_u8", 1.5], [
        "next_i8",
        1n,
      ]]
    ) {
      throws(TypeError, () => s[name](bad));
    }
  },
  "64-bit and pointer-sized integers: a number or bigint in, always a bigint out"() {
    const s = fixture.symbols;
    assert.equal(s.next_u64(5), 6n);
    assert.equal(s.next_u64(2n ** 64n - 1n), 0n);
    assert.equal(s.next_i64(-5n), -4n);
    assert.equal(s.next_i64(2n ** 63n - 1n), -(2n ** 63n));
    assert.equal(s.next_usize(1), 2n);
    assert.equal(s.next_isize(-1n), 0n);
    for (const bad of [-1, -1n, 2n ** 64n, 2 ** 53, 0.5]) throws(RangeError, () => s.next_u64(bad));
    throws(RangeError, () => s.next_i64(2n ** 63n));
    for (const bad of ["1", null, undefined, {}]) throws(TypeError, () => s.next_u64(bad));
  },
  "floats and statuses cross as numbers"() {
    assert.equal(fixture.symbols.scale(1.5, 2), 3);
    assert.ok(Number.isNaN(fixture.symbols.scale(NaN, 2)));
    throws(TypeError, () => fixture.symbols.scale("1.5", 2));
    assert.equal(fixture.symbols.fail_with(0), 0);
    assert.equal(fixture.symbols.fail_with(3), 3);
  },
  "a struct by pointer: its memory, checked for size and alignment, and never null where Zig says so"() {
    const s = fixture.symbols;
    const pair = new BigUint64Array(2);
    new Uint32Array(pair.buffer)[0] = 5;
    pair[1] = 7n;
    const total = new BigUint64Array(1);
    assert.equal(s.add_pair(pair, total), 0);
    assert.equal(total[0], 12n);
    assert.equal(s.add_pair(new DataView(pair.buffer), total), 0);
    throws(RangeError, () => s.add_pair(new BigUint64Array(1), total));
    throws(RangeError, () => s.add_pair(new Uint8Array(new ArrayBuffer(32), 4, 16), total));
    throws(TypeError, () => s.add_pair(null, total));
    const detached = new BigUint64Array(2);
    detached.buffer.transfer();
    throws(TypeError, () => s.add_pair(detached, total));
  },
  "an alignment the type states is checked: exactly one of two offsets 8 bytes apart passes"() {
    const memory = new ArrayBuffer(64);
    const outcomes = [0, 8].map((offset) => {
      try {
        fixture.symbols.fill_block(new Uint8Array(memory, offset, 32), 9);
        return "filled";
      } catch (error) {
        assert.ok(error instanceof RangeError, String(error));
        return "refused";
      }
    });
    assert.deepEqual(outcomes.sort(), ["filled", "refused"]);
    assert.ok(new Uint8Array(memory).includes(9));
  },
  "a pointer result goes back in as a pointer; null is null; a forged object is refused"() {
    const s = fixture.symbols;
    assert.equal(s.first_byte(s.zc_layout()), "{".charCodeAt(0));
    assert.equal(s.first_byte(null), 0);
    const pointer = s.zc_layout();
    for (
      const forged of [
        {},
        Object.create(Object.getPrototypeOf(pointer)),
        new Uint8Array(8),
        1n,
        "0x10",
        undefined,
      ]
    ) {
      throws(TypeError, () => s.first_byte(forged));
    }
  },
  "a pointer another library returned is refused: only this library's own pass"() {
    throws(TypeError, () => fixture.symbols.first_byte(hooks.symbols.zc_layout()));
  },
};

await run("fixtures", {
  ...(fixture ? fixtureTests : {}),
  "the test hooks library registers its own exports and the libzerocopy ones it re-exports"() {
    const own = tableNames("tests/fixtures/test_hooks.ts");
    for (
      const name of [
        ...own.names,
        "zc_generate_f64",
        "zc_region_generate_u8",
        "zc_arrow_checksum",
        "zc_release",
      ]
    ) {
      assert.equal(typeof hooks.symbols[name], "function", name);
    }
    assert.ok(!("zc_arrow_demo_table" in hooks.symbols)); // not exported by it
    assert.deepEqual(
      Object.keys(hooks.nonblocking).sort(),
      [...own.nonblocking, "zc_histogram", "zc_sum_f64_after"].sort(),
    );
    assert.equal(hooks.abiVersion, hooks.symbols.zc_abi_version());
  },
});
