/**
 * Every command the docs give a reader, run from the checkout as CI builds it,
 * and every runnable code block of README.md run with its output checked.
 *
 * Commands are taken from the `sh`/`bash` blocks and the inline code spans of
 * README.md, DEVELOPERS.md and docs/*.md (a span is a command when it starts
 * with `./tools/`, `(cd `, `deno <subcommand>` or `zig <subcommand>`), and
 * from the indented lines of each example's header (`examples/**.ts`). Each must have a rule in `RULES` (tools/doc_command_rules.ts): run as written,
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

import { RULES } from "./doc_command_rules.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const DOCS = ["README.md", "DEVELOPERS.md", ...listMarkdown("docs")];
const HEADERS = [...listTs("examples"), ...listTs("examples/zig_author")];
const TIMEOUT_MS = 60_000;

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
    `FAIL ${command.where}: no rule for "${command.text}": add one to RULES in tools/doc_command_rules.ts`,
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
