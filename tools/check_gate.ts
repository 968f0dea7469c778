// Fails when a file other than the gate turns a JavaScript object into a native
// address, or makes or reads a raw pointer: every such line in src/, the entry
// points and the generated bindings must live in the gate (src/buffer/gate.ts and
// gate_memory.ts), except the two places listed below that read Zig's own memory.
// The runtime's pointer functions (src/runtime/, `runtime.pointers`) count as making
// pointers: only the same files may call them, and only Deno's implementation of
// them may name Deno's pointer classes.
//   deno run --allow-read tools/check_gate.ts            checks the tree
//   deno run --allow-read tools/check_gate.ts --self-test  checks that a planted call is caught

import { sourceFiles } from "./_source_files.ts";

const PATTERNS: readonly [RegExp, string][] = [
  [/\bUnsafePointer\s*\.\s*(of|create|value|offset|equals)\b/, "makes or reads a raw pointer"],
  [/\bUnsafePointerView\b/, "reads memory through a raw pointer"],
  [/\bUnsafeFnPointer\b|\bUnsafeCallback\b/, "calls or exposes a raw function pointer"],
  [/\bpointers\s*\.\s*(create|arrayBuffer|cString)\b/, "makes or reads a raw pointer through the runtime"],
  [
    /\bzc_address_of\s*\(|\.zc_address_of\b|\{\s*zc_address_of\s*\}/,
    "turns a JavaScript object into an address",
  ],
];

// Files allowed to, and why. The gate itself; the pointer-view mapping, which
// turns an address Zig wrote into an ArrayBuffer (Zig's memory, never a
// JavaScript object's); the ABI check, which reads a C string the library returns;
// Deno's implementation of the runtime's pointer functions, which those call.
const ALLOWED: Readonly<Record<string, string>> = {
  "src/buffer/gate.ts": "the gate: buffers, descriptors, pins",
  "src/buffer/gate_memory.ts": "the gate: lent arrays, pointer parameters, addresses",
  "src/buffer/mapping.ts": "maps memory Zig handed over (pointer-view)",
  "src/library/abi_check.ts": "reads the library's own version string",
  "src/runtime/deno/pointers.ts":
    "Deno's UnsafePointer and UnsafePointerView, called only from the files above",
};

const ROOTS = ["mod.ts", "arrow.ts", "sql.ts", "src", "examples/zig_author/bindings.ts", "tests/fixtures"];

/** Each offending line of `text`, comments left out. */
export function offences(path: string, text: string): string[] {
  if (ALLOWED[path] !== undefined) return [];
  const found: string[] = [];
  text.split("\n").forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, "").trim();
    if (code.startsWith("*") || code.startsWith("/*")) return;
    for (const [pattern, what] of PATTERNS) {
      if (pattern.test(code)) found.push(`${path}:${i + 1}: ${what}, outside the gate: ${code}`);
    }
  });
  return found;
}

if (import.meta.main) {
  Deno.chdir(new URL("..", import.meta.url));
  if (Deno.args.includes("--self-test")) {
    const planted = offences(
      "src/arrow/planted.ts",
      "const p = Deno.UnsafePointer.of(view);\nsymbols.zc_address_of(x);\nconst q = runtime.pointers.create(8n);",
    );
    if (planted.length !== 3) {
      console.error("check_gate: a planted pointer was not caught:", planted);
      Deno.exit(1);
    }
    console.log("check_gate: planted pointers caught");
  }
  const found: string[] = [];
  for (const root of ROOTS) {
    for await (const path of sourceFiles(root)) found.push(...offences(path, await Deno.readTextFile(path)));
  }
  if (found.length > 0) {
    console.error(found.join("\n"));
    console.error(
      "check_gate: only the gate (src/buffer/gate*.ts) makes native pointers from JavaScript objects",
    );
    Deno.exit(1);
  }
  console.log("check_gate: only the gate makes pointers");
}
