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

async function attack(name, call) {
  let refused = 0;
  for (let position = 0; position < parameters[name].length; position++) {
    for (const value of hostile) {
      const args = parameters[name].map(neutral);
      args[position] = value;
      try {
        await call(...args);
        assert.ok(!never.includes(value), `${name} took ${String(value)} as parameter ${position}`);
      } catch (error) {
        assert.ok(error instanceof TypeError || error instanceof RangeError, `${name}: ${error}`);
        refused++;
      }
    }
  }
  return refused;
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
