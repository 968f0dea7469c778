// Every export of a library called with one hostile argument at a time, the
// others neutral (0, null): each call must refuse the value with a TypeError
// or RangeError, or run (Zig sees a value of its type), never crash.
//   node tests/napi/hostile.mjs LIBRARY TABLE.ts   (or bun)
import assert from "node:assert/strict";
import process from "node:process";
import { load, run, tableNames } from "./_harness.mjs";

const [path, tableFile] = process.argv.slice(2);
const library = load(path);
const table = tableNames(tableFile);
const zigAbi = tableNames("src/abi/symbols.ts");
const parameters = { ...zigAbi.parameters, ...table.parameters };

// No parameter of any type takes these: each must be refused wherever it goes.
const never = [
  "1",
  {},
  [],
  [1, 2],
  Symbol("s"),
  () => 0,
  new Date(0),
  new Proxy({}, {}),
  new SharedArrayBuffer(8),
  new Map(),
  Object.create(null),
  { valueOf: () => 1 },
  2n ** 70n,
];
// These fit some types and not others.
const hostile = [...never, 1.5, -1, 2 ** 33, NaN, Infinity, -Infinity, -1n, true];
const neutral = (type) => type === "buffer" || type === "pointer" ? null : type === "bool" ? false : 0;

// A pointer object this very library made (every library exports zc_layout).
const pointer = library.symbols.zc_layout();
assert.equal(typeof pointer, "object");
const detached = new Float64Array(4);
detached.buffer.transfer();
const detachedBuffer = new ArrayBuffer(16);
detachedBuffer.transfer();
const shrunk = new ArrayBuffer(32, { maxByteLength: 64 });
const outOfBounds = new Float64Array(shrunk, 16, 2);
shrunk.resize(8);
// Per declared type: what it must refuse (a pointer is no memory; bytes are no pointer), and memory
// that is gone, short, misaligned or of another element type, which it refuses or reads within bounds.
const byType = {
  buffer: {
    never: [pointer],
    maybe: [
      detached,
      detachedBuffer,
      outOfBounds,
      new Uint8Array(new ArrayBuffer(9), 1, 1),
      new DataView(new ArrayBuffer(3)),
      new Int8Array(1),
      new Uint8Array(new SharedArrayBuffer(8)),
    ],
  },
  pointer: {
    never: [
      new Uint8Array(16),
      new ArrayBuffer(16),
      new DataView(new ArrayBuffer(16)),
      new BigUint64Array(2),
      detached,
    ],
    maybe: [],
  },
};

async function attack(name, call) {
  let refused = 0;
  for (let position = 0; position < parameters[name].length; position++) {
    const typed = byType[parameters[name][position]] ?? { never: [], maybe: [] };
    for (const value of [...hostile, ...typed.never, ...typed.maybe]) {
      const args = parameters[name].map(neutral);
      args[position] = value;
      try {
        await call(...args);
        assert.ok(!never.includes(value), `${name} took ${String(value)} as parameter ${position}`);
        assert.ok(!typed.never.includes(value), `${name} took ${describe(value)} as parameter ${position}`);
      } catch (error) {
        assert.ok(error instanceof TypeError || error instanceof RangeError, `${name}: ${error}`);
        refused++;
      }
    }
  }
  return refused;
}

function describe(value) {
  return value === pointer ? "a pointer object" : value?.constructor?.name ?? String(value);
}

await run(`hostile arguments (${tableFile})`, {
  async "every export refuses what it cannot take and survives the rest"() {
    let refused = 0;
    for (const name of Object.keys(library.symbols)) refused += await attack(name, library.symbols[name]);
    for (const name of Object.keys(library.nonblocking)) {
      refused += await attack(name, library.nonblocking[name]);
    }
    assert.ok(refused > 0);
  },
});
