// Fails when a file in src/ outside src/runtime/ names a JavaScript runtime: `Deno.`, `process.`
// (or `process[`), `Bun`, or a `node:` or `bun:` module. Comments count too: a comment naming
// `Deno.errors.NotCapable` is the first step to code that throws it. An `npm:` specifier is Deno's
// way to reach an npm package, so it counts too. Everything that differs
// between Deno, Node and Bun lives behind src/runtime/runtime.ts, one folder per runtime.
//   deno run --allow-read tools/check_runtime_isolation.ts              checks the tree
//   deno run --allow-read tools/check_runtime_isolation.ts --self-test  checks that planted mentions are caught

import { sourceFiles } from "./_source_files.ts";

const PATTERNS: readonly [RegExp, string][] = [
  [/\bDeno\./, "names Deno's namespace"],
  [/\bprocess(\.[A-Za-z_$]|\s*\[)/, "names Node's process object"],
  [/\bBun\b/, "names Bun"],
  [/["'`](node|bun):/, "imports a runtime's own module"],
  [/["'`]npm:/, "names an npm package through Deno's npm: specifiers"],
];

const ROOT = "src";
const RUNTIME_DIR = "src/runtime/";

/** Each line of `text` (the file at `path`) that names a runtime, unless the file is under src/runtime/. */
export function offences(path: string, text: string): string[] {
  if (path.startsWith(RUNTIME_DIR)) return [];
  const found: string[] = [];
  text.split("\n").forEach((line, i) => {
    for (const [pattern, what] of PATTERNS) {
      if (pattern.test(line)) found.push(`${path}:${i + 1}: ${what} outside src/runtime/: ${line.trim()}`);
    }
  });
  return found;
}

if (import.meta.main) {
  Deno.chdir(new URL("..", import.meta.url));
  if (Deno.args.includes("--self-test")) {
    const planted = offences(
      "src/library/planted.ts",
      [
        'const info = Deno.statSync("x");',
        "const pid = process.pid;",
        "const env = process['env'];",
        'const file = Bun.file("x");',
        'import fs from "node:fs";',
        'const ffi = await import("bun:ffi");',
        'const manifest = import.meta.resolve("npm:left-pad@1.3.0/package.json");',
        "// once per process. That is fine: a word, not the object.",
      ].join("\n"),
    );
    const allowed = offences("src/runtime/deno/fs.ts", 'const info = Deno.statSync("x");');
    if (planted.length !== 7 || allowed.length !== 0) {
      console.error(
        "check_runtime_isolation: the planted mentions were not caught as expected:",
        planted,
        allowed,
      );
      Deno.exit(1);
    }
    console.log("check_runtime_isolation: planted mentions caught, src/runtime/ left alone");
  }
  const found: string[] = [];
  for await (const path of sourceFiles(ROOT)) found.push(...offences(path, await Deno.readTextFile(path)));
  if (found.length > 0) {
    console.error(found.join("\n"));
    console.error(
      "check_runtime_isolation: only src/runtime/ may name a runtime; call it through src/runtime/current.ts",
    );
    Deno.exit(1);
  }
  console.log("check_runtime_isolation: nothing in src/ outside src/runtime/ names a runtime");
}
