// A few lines of test runner that Node and Bun both run as is: the Node-API
// suites load a library with `process.dlopen` and need nothing else.
import process from "node:process";
import { readFileSync } from "node:fs";

/** The runtime running the suite, for its report. */
export const runtime = process.versions.bun ? `bun ${process.versions.bun}` : `node ${process.versions.node}`;

/** The exports a zerocopy library registers for Node-API. */
export function load(path) {
  const module = { exports: {} };
  process.dlopen(module, path);
  return module.exports;
}

/** How many 64-bit words the library's struct `name` takes, from its own layout manifest. */
export function structWords(library, name) {
  return JSON.parse(library.layout()).structs[name].size / 8;
}

/** The symbol names of a generated Deno table, those it marks nonblocking, and each one's parameter types. */
export function tableNames(file) {
  const names = [];
  const nonblocking = [];
  const parameters = {};
  let current = null;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const symbol = /^ {2}(\w+): \{$/.exec(line);
    if (symbol) current = symbol[1], names.push(current), parameters[current] = [];
    if (current && /^ {4}nonblocking: true,$/.test(line)) nonblocking.push(current);
    const parameter = /^ {6}"(\w+)", \/\/ /.exec(line);
    if (current && parameter) parameters[current].push(parameter[1]);
  }
  return { names, nonblocking, parameters };
}

/** Throws unless `call` throws an instance of `type`. */
export function throws(type, call) {
  try {
    call();
  } catch (error) {
    if (error instanceof type) return;
    throw new Error(`threw ${error?.constructor?.name}: ${error?.message}, not a ${type.name}`);
  }
  throw new Error(`returned instead of throwing a ${type.name}`);
}

/** Runs `tests` in order, prints one line per failure and a count; exits non-zero on a failure. */
export async function run(name, tests) {
  let passed = 0;
  let failed = 0;
  for (const [title, test] of Object.entries(tests)) {
    try {
      await test();
      passed++;
    } catch (error) {
      failed++;
      console.error(`FAIL ${name} (${runtime}): ${title}\n  ${error?.stack ?? error}`);
    }
  }
  console.log(`${name} (${runtime}): ${passed} passed, ${failed} failed`);
  if (failed > 0) process.exitCode = 1;
}
