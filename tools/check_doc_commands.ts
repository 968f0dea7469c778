/**
 * Every command the docs give a reader, run from the checkout as CI builds it,
 * and every runnable code block of README.md run with its output checked.
 *
 * Commands are taken from the `sh`/`bash` blocks and the inline code spans of
 * README.md, DEVELOPERS.md and docs/*.md (a span is a command when it starts
 * with `./tools/`, `(cd `, `deno <subcommand>` or `zig <subcommand>`), and
 * from the indented lines of each example's header (`examples/**.ts`). Each must have a rule in {@linkcode RULES}: run as written,
 * run with a smaller size (the mapping is the rule), covered by another
 * step of tools/check.sh (named), or not runnable in CI (with the reason). A
 * command without a rule, or a rule whose command no doc gives any more, fails
 * the check, so the table follows the docs. A `sh` block runs as one script,
 * line after line, the way a reader types it into one terminal.
 *
 * The `ts` blocks of README.md and docs/*.md (not `ts ignore`) run under `deno test --doc` (type-checked by
 * the "README and docs code blocks" step already); each `console.log(...);
 * // TEXT` line must print TEXT, or what TEXT has before its first ": "
 * (the rest explains it).
 *
 *     deno run --allow-read --allow-write --allow-run=bash,deno tools/check_doc_commands.ts [--list]
 *
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const DOCS = ["README.md", "DEVELOPERS.md", ...listMarkdown("docs")];
const HEADERS = [...listTs("examples"), ...listTs("examples/zig_author")];
const TIMEOUT_MS = 60_000;

/** What to do with one documented command. */
type Rule =
  | { run: true; expect?: RegExp; status?: number }
  | { run: string; why: string; expect?: RegExp; status?: number }
  | { covered: string }
  | { skip: string };

const ZIG_AUTHOR_DEBUG = "zig build --build-file examples/zig_author/build.zig";
const PHASE_ONE = "phase 1 of tools/check.sh builds libzerocopy and the fixtures from the same sources " +
  "(ReleaseSafe, stripped, for the host's prebuilt target): a second LLVM build would cost a minute";
const BENCH = "a benchmark: it needs the ReleaseFast bench library (`zig build bench-lib`, LLVM, tens of " +
  "CPU seconds), and timings do not belong in the checks (DEVELOPERS.md); `deno task bench` runs it";
const SIZES = "the same program on small sizes, to keep the step within its time";
const HYGIENE = (step: string) => `tools/check.sh runs exactly this as its step "${step}"`;

/** Every documented command, by its text as the doc writes it (whitespace collapsed). */
const RULES: Record<string, Rule> = {
  // The walkthrough and the examples.
  "./tools/demo.sh": { run: true, expect: /done: 0 buffers live/ },
  "./tools/demo.sh --build": { covered: `${PHASE_ONE}; the walkthrough then runs as "examples/demo.ts"` },
  "deno run --allow-ffi examples/demo.ts": { run: true, expect: /done: 0 buffers live/ },
  "zig build --release=safe": { covered: PHASE_ONE },
  "zig build --build-file examples/zig_author/build.zig --release=safe": {
    run: ZIG_AUTHOR_DEBUG,
    why: "phase 1 builds the example library in Debug (seconds, cached); ReleaseSafe takes ~25 s of LLVM",
  },
  "zig build --build-file examples/zig_author/build.zig": { run: true },
  "deno run --allow-ffi examples/zig_author/main.ts": {
    run: true,
    expect: /live buffers in the example library after dispose: 0/,
  },
  "deno run --allow-ffi examples/progress.ts [megabytes=1024] [pause-us-per-64KiB=0] [abort-after-ms]": {
    run: "deno run --allow-ffi examples/progress.ts 64 500 50",
    why: "cancelled after 50 ms, as Ctrl-C would: the header says a cancelled run exits 130",
    status: 130,
    expect: /cancelled: [^]*live buffers 0, live bytes 0/,
  },
  "deno run --allow-ffi examples/progress.ts 256": {
    run: "deno run --allow-ffi examples/progress.ts 16",
    why: SIZES,
    expect: /done in [^]*live buffers 0, live bytes 0/,
  },
  "deno run --allow-ffi --allow-read=mod.ts,src,examples examples/workers.ts [floats]": {
    run: "deno run --allow-ffi --allow-read=mod.ts,src,examples examples/workers.ts 10000",
    why: SIZES,
    expect: /transfer: the worker summed 10000 floats/,
  },
  "deno run --allow-ffi --allow-read=mod.ts,src,examples examples/workers.ts": {
    run: true,
    expect: /moved view: the worker summed 1048576 floats/,
  },
  "deno run --allow-ffi --allow-write examples/frames.ts [width] [height] [out-dir] [frames]": {
    run: "deno run --allow-ffi --allow-write examples/frames.ts 320 240 $TMP/new/out/ 12",
    why: "small frames into a directory that does not exist yet (the example creates it)",
    expect: /wrote .*new\/out\/\{frame\.ppm/,
  },
  "deno run --allow-ffi --allow-write examples/frames.ts 1920 1080 out/": {
    run: "deno run --allow-ffi --allow-write examples/frames.ts 1920 1080 $TMP/out/ 4",
    why: "the out/ of a temporary directory, not the checkout's; 4 frames streamed instead of 120",
    expect: /1920x1080 frame: made, grayscaled and blurred/,
  },
  "deno run --allow-ffi examples/matrix.ts [n]": {
    run: "deno run --allow-ffi examples/matrix.ts 64",
    why: SIZES,
  },
  "deno run --allow-ffi examples/matrix.ts 256": {
    run: "deno run --allow-ffi examples/matrix.ts 32",
    why: SIZES,
  },
  "deno run --allow-ffi examples/mesh.ts [n]": {
    run: "deno run --allow-ffi examples/mesh.ts 64",
    why: SIZES,
  },
  "deno run --allow-ffi examples/mesh.ts 512": { run: true },
  "deno run --allow-ffi examples/dataset.ts [rows] [features] [batch] [epochs]": {
    run: "deno run --allow-ffi examples/dataset.ts 10000 16 256 2",
    why: SIZES,
  },
  "deno run --allow-ffi examples/dataset.ts 100000 64 1024": {
    run: "deno run --allow-ffi examples/dataset.ts 10000 64 1024",
    why: SIZES,
  },
  "deno run --allow-ffi --allow-net=127.0.0.1 examples/network.ts [records]": {
    run: "deno run --allow-ffi --allow-net=127.0.0.1 examples/network.ts 5000",
    why: SIZES,
  },
  "deno run --allow-ffi --allow-net=127.0.0.1 examples/network.ts": {
    run: "deno run --allow-ffi --allow-net=127.0.0.1 examples/network.ts 20000",
    why: SIZES,
  },
  "deno run --allow-ffi examples/arrow_sensors.ts [rows]": {
    run: "deno run --allow-ffi examples/arrow_sensors.ts 20000",
    why: SIZES,
  },
  "deno run --allow-ffi examples/arrow_sensors.ts 1000000": {
    run: "deno run --allow-ffi examples/arrow_sensors.ts 50000",
    why: SIZES,
  },
  "deno test --doc --allow-ffi --allow-read README.md": { covered: "the code-block run of this script" },
  "deno run --allow-ffi=<path to the library> your_script.ts": {
    skip: "a template: the path and script are yours",
  },
  // The quick start's flags, and the authors' guide: with a registry and a fresh project.
  "deno run --allow-ffi --allow-net=jsr.io --allow-env=DENO_DIR,XDG_CACHE_HOME,HOME,ZEROCOPY_LIB --allow-read=$HOME/.cache/deno/zerocopy --allow-write=$HOME/.cache/deno/zerocopy main.ts":
    {
      covered:
        "tools/check_jsr_package.sh runs the README's first example with these flags from a local registry",
    },
  "zig fetch --save ../zerocopy/lib/zerocopy-zig-0.4.0.tar.gz": {
    covered:
      "tools/check_jsr_package.sh runs docs/authors.md's local zig fetch --save line in a new Zig project",
  },
  "zig build package": {
    covered: "tools/check_jsr_package.sh runs it on examples/zig_author and the guide's project",
  },
  "cd zig-out/package && deno publish": {
    skip: "publishing to jsr.io: CI has no account, and must not publish",
  },
  "zig init": { covered: "tools/check_jsr_package.sh replays docs/authors.md from zig init" },
  "zig fetch": { covered: "tools/check_jsr_package.sh fetches the source tarball from a local registry" },
  "zig fetch --save": { covered: "tools/check_jsr_package.sh replays docs/authors.md's zig fetch --save" },
  "zig build bindings": { covered: "tools/check_bindings.sh runs it and fails on any difference" },
  "zig build bindings-check": { covered: "tools/check_bindings.sh and tools/check_async.sh run it" },
  // Long runs, on small sizes.
  "deno task soak": {
    run: "deno run --allow-ffi --v8-flags=--expose-gc bench/soak.ts 2000",
    why: "the task's command with 2,000 handovers instead of 1,000,000",
  },
  "deno task property": {
    covered: 'tools/check.sh runs the same suite with 500 and 300 runs ("property tests" steps)',
  },
  "deno run --allow-ffi --allow-read --allow-run bench/startup.ts": {
    run: "deno run --allow-ffi --allow-read --allow-run bench/startup.ts 2",
    why: "2 processes per mapping instead of 15",
    expect: /node-api: openLibrary\(\)/,
  },
  "deno task bench": { skip: BENCH },
  "./bench/run.sh --smoke": { skip: BENCH },
  "zig build bench-lib": { skip: BENCH },
  "deno run --allow-ffi --allow-read --allow-run bench/arrow_bench.ts": { skip: BENCH },
  "zig build bench-lib && deno bench --allow-ffi --allow-read bench/": { skip: BENCH },
  "deno bench --allow-ffi bench/simd_bench.ts": { skip: BENCH },
  "deno run --allow-read --allow-write --allow-run bench/report.ts --docs": {
    covered: 'tools/check.sh runs bench/report.ts --check-docs ("benchmark docs match results")',
  },
  "zig build --release=fast": { skip: BENCH },
  // The developers' commands: tools/check.sh runs each as a step of its own.
  "./tools/check.sh": { skip: "this script is one of its steps" },
  "deno task cross": { skip: "needs qemu-aarch64-static and wine, which CI does not install" },
  "deno task dist-check": {
    covered:
      "tools/check.sh rebuilds the host's library (zig build dist-check -Ddist-targets=<host>); all six take minutes",
  },
  "zig build dist": {
    skip: "rewrites the committed lib/ and manifest: a release step, compared by dist-check",
  },
  "zig build dist-check -Ddist-targets=<host>": { covered: HYGIENE("prebuilt libraries fresh (host)") },
  "deno task zig-test-release": {
    covered: 'tools/check.sh runs the Zig tests in Debug and checked ("zig test")',
  },
  "zig build": { covered: PHASE_ONE },
  "zig build test": { covered: HYGIENE("zig test (Debug)") },
  "zig build fuzz": { covered: 'tools/check.sh runs it for 10 s ("arrow import fuzz (10 s)")' },
  "zig build fuzz -Dfuzz-seconds=10": { covered: HYGIENE("arrow import fuzz (10 s)") },
  "zig build test -Dchecked=true": { covered: HYGIENE("zig test (checked)") },
  "zig build checked-lib": { covered: HYGIENE("zig build (checked)") },
  "zig build --release=safe checked-lib": { covered: HYGIENE("zig build (checked)") },
  "zig build ... checked-lib": { covered: HYGIENE("zig build (checked)") },
  "zig build --release=safe -Dstrip=true -Dtarget=<host's prebuilt target> -Dtest-libs-optimize=Debug install fixtures":
    { covered: HYGIENE("zig build") },
  "zig fmt --check": { covered: HYGIENE("zig fmt") },
  "zig fmt --check build.zig build.zig.zon zig examples bench/zig tools/cross": {
    covered: HYGIENE("zig fmt"),
  },
  "deno fmt": { skip: "rewrites files; tools/check.sh runs deno fmt --check" },
  "deno fmt --check": { covered: HYGIENE("deno fmt") },
  "deno lint": { covered: HYGIENE("deno lint") },
  "deno check": { covered: HYGIENE("deno check") },
  "deno check mod.ts arrow.ts src examples tests bench": { covered: HYGIENE("deno check") },
  "deno check --doc-only README.md docs/*.md": { covered: HYGIENE("README and docs code blocks") },
  "deno doc --lint mod.ts arrow.ts": { covered: HYGIENE("deno doc --lint") },
  "deno publish --dry-run": { covered: HYGIENE("deno publish --dry-run") },
  "deno test": { covered: "tools/check.sh's deno test steps" },
  "deno test --doc": { covered: HYGIENE("deno test --doc") },
  ". tools/toolchain.sh": { run: true },
  ". tools/toolchain.sh && deno_with_registry task NAME": {
    skip: "a template: NAME is one of the tasks docs/reliability.md lists, each of which has its own rule",
  },
  "zig build --release=safe install fixtures": { covered: PHASE_ONE },
  "deno_with_registry test --allow-ffi --allow-env=ZEROCOPY_LIB,ZEROCOPY_MAPPING --allow-read=mod.ts,src,tests tests/*_test.ts":
    {
      run:
        "deno_with_registry test --no-check --allow-ffi --allow-env=ZEROCOPY_LIB,ZEROCOPY_MAPPING --allow-read=mod.ts,src,tests tests/progress_bar_test.ts",
      why: "one file of the suite (tools/check.sh runs them all, type-checked by its deno check step)",
      expect: /ok \| 1 passed/,
    },
};

interface Command {
  /** The text as documented, whitespace collapsed. */
  readonly text: string;
  /** Where: file and line. */
  readonly where: string;
  /** Commands typed in one terminal with this one, when it comes from a `sh` block. */
  readonly block?: number;
}

function listMarkdown(dir: string): string[] {
  return [...Deno.readDirSync(`${ROOT}/${dir}`)].filter((e) => e.name.endsWith(".md")).map((e) =>
    `${dir}/${e.name}`
  ).sort();
}

function listTs(dir: string): string[] {
  return [...Deno.readDirSync(`${ROOT}/${dir}`)]
    .filter((e) => e.isFile && e.name.endsWith(".ts") && !e.name.startsWith("_") && e.name !== "bindings.ts")
    .map((e) => `${dir}/${e.name}`).sort();
}

const COMMAND =
  /^(\.\/tools\/|\(cd |\. tools\/|deno_with_registry |deno [a-z]|zig (build|fetch|init|fmt|test)\b)/;
const collapse = (text: string) => text.replace(/\s+/g, " ").trim();
const lineOf = (text: string, index: number) => text.slice(0, index).split("\n").length;

/** The commands of one markdown file: `sh` blocks line by line, and inline command spans. */
function fromMarkdown(file: string, firstBlock: number): Command[] {
  const text = Deno.readTextFileSync(`${ROOT}/${file}`);
  const commands: Command[] = [];
  let block = firstBlock;
  const fence = /^```([^\n]*)\n([^]*?)^```$/gm;
  for (const match of text.matchAll(fence)) {
    const [lang, ...attrs] = match[1].trim().split(/\s+/);
    if (!["sh", "bash"].includes(lang)) continue;
    const start = lineOf(text, match.index!) + 1;
    // The guide's replay blocks run in tools/check_jsr_package.sh, in a project of their own.
    if (attrs.some((a) => a.startsWith("replay="))) continue;
    block++;
    const lines = match[2].replace(/\\\n/g, " ").split("\n");
    lines.forEach((line, i) => {
      const command = collapse(line.replace(/(^|\s)#.*$/, ""));
      if (command !== "") commands.push({ text: command, where: `${file}:${start + i}`, block });
    });
  }
  const prose = text.replace(fence, (whole) => whole.replace(/[^\n]/g, " "));
  for (const match of prose.matchAll(/`([^`]+)`/g)) {
    const command = collapse(match[1]);
    if (COMMAND.test(command)) {
      commands.push({ text: command, where: `${file}:${lineOf(prose, match.index!)}` });
    }
  }
  return commands;
}

/** The indented command lines of a module's header comment (its first JSDoc block). */
function fromHeader(file: string): Command[] {
  const text = Deno.readTextFileSync(`${ROOT}/${file}`);
  const header = text.match(/^(?:\/\/\/[^\n]*\n)*\/\*\*([^]*?)\*\//);
  if (header === null) return [];
  const offset = lineOf(text, text.indexOf(header[1]));
  return header[1].split("\n").flatMap((line, i) => {
    const found = line.match(/^ \* {5}(\S.*)$/);
    if (found === null) return [];
    const command = collapse(found[1].replace(/(^|\s)#.*$/, ""));
    return COMMAND.test(command) ? [{ text: command, where: `${file}:${offset + i}` }] : [];
  });
}

type Outcome = { readonly ok: boolean; readonly note: string };

async function sh(script: string, tmp: string): Promise<{ status: number; output: string }> {
  const command = new Deno.Command("bash", {
    args: ["-c", `set -eo pipefail\n. tools/toolchain.sh\n${script}`],
    cwd: ROOT,
    env: { TMP: tmp, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const result = await command.output();
  const decoder = new TextDecoder();
  return { status: result.code, output: decoder.decode(result.stdout) + decoder.decode(result.stderr) };
}

/** Runs one command, or one `sh` block's commands in order, each as its rule says. */
async function runUnit(commands: Command[], tmp: string): Promise<Outcome> {
  const rules = commands.map((c) => RULES[c.text]).filter((r) => "run" in r);
  const lines = commands.filter((c) => "run" in RULES[c.text]).map((c) => {
    const rule = RULES[c.text] as { run: true | string };
    return rule.run === true ? c.text : rule.run;
  });
  if (lines.length === 0) return { ok: true, note: "" };
  // Under set -e a unit ends with the status of the command that failed: a cancelled run's 130 is the last one's.
  const status = rules.at(-1)!.status ?? 0;
  const started = performance.now();
  const result = await sh(lines.join("\n"), tmp);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.status !== status) {
    return {
      ok: false,
      note: `exit status ${result.status}, expected ${status} (${seconds} s)\n${result.output}`,
    };
  }
  const missed = rules.find((rule) => rule.expect !== undefined && !rule.expect.test(result.output));
  if (missed !== undefined) {
    return { ok: false, note: `output does not match ${missed.expect}\n${result.output}` };
  }
  return { ok: true, note: `${seconds} s` };
}

/** A markdown file's ts blocks under deno test --doc; each block's output against its comments. */
async function runCodeBlocks(file: string): Promise<Outcome> {
  const text = Deno.readTextFileSync(`${ROOT}/${file}`);
  const result = await sh(`deno test --doc --no-check --allow-ffi --allow-read ${file} 2>&1`, "");
  if (result.status !== 0) return { ok: false, note: result.output };
  const problems: string[] = [];
  let blocks = 0;
  for (const match of text.matchAll(/^```ts\n([^]*?)^```$/gm)) {
    blocks++;
    const first = lineOf(text, match.index!);
    // Deno names a block by its opening fence line and the line after its closing fence.
    const last = first + match[1].split("\n").length + 1;
    const expected = match[1].split("\n").flatMap((line) => {
      const found = line.match(/console\.log\(.*\);\s*\/\/\s*(.*)$/);
      return found === null ? [] : [found[1].trim()];
    });
    const section = result.output.match(
      new RegExp(
        `${file}#${first}-${last}\\.ts \\.\\.\\.\\n-+ (?:post-test )?output -+\\n([^]*?)\\n-+ (?:post-test )?output end`,
      ),
    );
    const printed = section === null ? [] : section[1].split("\n").map((line) => line.trim());
    // A comment may go on after the value with ": " and why; a block that states no value is not compared.
    const same = printed.length === expected.length &&
      printed.every((line, i) => line === expected[i] || line === expected[i].split(": ")[0]);
    if (expected.length > 0 && !same) {
      problems.push(
        `${file}:${first}: printed ${JSON.stringify(printed)}, its comments say ${JSON.stringify(expected)}`,
      );
    }
  }
  return problems.length === 0
    ? { ok: true, note: `${blocks} blocks, every output as commented` }
    : { ok: false, note: problems.join("\n") };
}

const commands: Command[] = [];
let blocks = 0;
for (const file of DOCS) {
  const found = fromMarkdown(file, blocks);
  blocks = Math.max(blocks, ...found.map((c) => c.block ?? 0));
  commands.push(...found);
}
for (const file of HEADERS) commands.push(...fromHeader(file));

let failed = 0;
const unruled = commands.filter((c) => RULES[c.text] === undefined);
for (const command of unruled) {
  console.log(
    `FAIL ${command.where}: no rule for "${command.text}": add one to RULES in tools/check_doc_commands.ts`,
  );
  failed++;
}
const documented = new Set(commands.map((c) => c.text));
for (const text of Object.keys(RULES).filter((text) => !documented.has(text))) {
  console.log(`FAIL stale rule: no doc gives "${text}" any more; remove it from RULES`);
  failed++;
}
if (Deno.args.includes("--list")) {
  for (const command of commands) {
    const rule = RULES[command.text];
    const what = rule === undefined
      ? "NO RULE"
      : "skip" in rule
      ? `not in CI: ${rule.skip}`
      : "covered" in rule
      ? `covered: ${rule.covered}`
      : rule.run === true
      ? "run as written"
      : `run as: ${rule.run} (${rule.why})`;
    console.log(`${command.where}: ${command.text}\n    ${what}`);
  }
  Deno.exit(failed === 0 ? 0 : 1);
}

// A unit is a sh block (its commands typed in one terminal) or a single command; each text runs once.
const units = new Map<string, Command[]>();
for (const command of commands.filter((c) => RULES[c.text] !== undefined)) {
  const key = command.block === undefined ? command.text : `block ${command.block}`;
  units.set(key, [...(units.get(key) ?? []), command]);
}
const ran = new Set<string>();
let passed = 0;
let skipped = 0;
const tmp = await Deno.makeTempDir({ prefix: "zerocopy-doc-commands-" });
try {
  for (const unit of units.values()) {
    if (unit.every((c) => ran.has(c.text) || !("run" in RULES[c.text]))) {
      skipped += unit.filter((c) => !("run" in RULES[c.text])).length;
      continue;
    }
    unit.forEach((c) => ran.add(c.text));
    const outcome = await runUnit(unit, tmp);
    const label = unit.map((c) => `${c.where}: ${c.text}`).join("\n     ");
    console.log(
      `${outcome.ok ? "ok  " : "FAIL"} ${label}${outcome.ok ? ` (${outcome.note})` : `\n${outcome.note}`}`,
    );
    if (outcome.ok) passed++;
    else failed++;
  }
  for (const file of DOCS.filter((f) => /^```ts\n/m.test(Deno.readTextFileSync(`${ROOT}/${f}`)))) {
    const outcome = await runCodeBlocks(file);
    console.log(`${outcome.ok ? "ok  " : "FAIL"} ${file} code blocks: ${outcome.note}`);
    if (outcome.ok) passed++;
    else failed++;
  }
} finally {
  await Deno.remove(tmp, { recursive: true });
}
console.log(
  `documented commands: ${passed} runs passed, ${failed} failed; ${skipped} covered by other steps or not runnable in CI (--list says why)`,
);
if (failed > 0) Deno.exit(1);
