/**
 * Writes the benchmark tables into docs/benchmarks.md and the headline ratios
 * into README.md from bench/results/results.json, between marker comments, or
 * checks that the committed text equals what it would write. Figures are
 * never pasted by hand: a run is one results.json, and the text follows it.
 * Needs --allow-read, --allow-write (unless checking) and --allow-run (deno fmt).
 *
 * @module
 */

import type { Report } from "./_ratios.ts";
import { benchmarkTables, headlineRatios } from "./_tables.ts";
import { arrowTable } from "./_arrow_report.ts";
import { arrowLendTable } from "./_arrow_lend_report.ts";
import { sqlTable } from "./_sql_report.ts";
import { adbcIngestTable } from "./_adbc_ingest_report.ts";

const ROOT = new URL("../", import.meta.url);

/** One generated block: the file, its marker name, and what goes between the markers. */
interface Block {
  file: string;
  marker: string;
  render: (report: Report) => string;
}

const BLOCKS: readonly Block[] = [
  { file: "docs/benchmarks.md", marker: "bench-tables", render: benchmarkTables },
  { file: "README.md", marker: "bench-headlines", render: headlineRatios },
  {
    file: "docs/arrow.md",
    marker: "arrow-bench",
    render: (report) => report.arrow ? arrowTable(report.arrow) : "",
  },
  {
    file: "docs/arrow.md",
    marker: "arrow-lend-bench",
    render: (report) => report.arrowLend ? arrowLendTable(report.arrowLend) : "",
  },
  {
    file: "docs/benchmarks.md",
    marker: "adbc-ingest-bench",
    render: (report) =>
      report.adbcIngest
        ? adbcIngestTable(report.adbcIngest)
        : "PostgreSQL ingest: not measured yet (bench/adbc_ingest_bench.ts --write).",
  },
  {
    file: "docs/benchmarks.md",
    marker: "sql-bench",
    render: (report) =>
      report.sql ? sqlTable(report.sql) : "SQL: not measured yet (bench/sql_bench.ts --write).",
  },
];

/** The text of `file` with the block between `<!-- <marker> -->` and `<!-- /<marker> -->` replaced. */
function replaceBlock(text: string, file: string, marker: string, body: string): string {
  const open = `<!-- ${marker}: written by bench/report.ts from bench/results/results.json -->`;
  const close = `<!-- /${marker} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`${file} has no "${open}" ... "${close}" block`);
  return `${text.slice(0, start + open.length)}\n\n${body}\n\n${text.slice(end)}`;
}

/** `text` as `deno fmt` writes it (tables aligned, prose wrapped), so formatting never makes the check fail. */
async function formatMarkdown(text: string): Promise<string> {
  const fmt = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext=md", "-"],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = fmt.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { success, stdout } = await fmt.output();
  if (!success) throw new Error("deno fmt refused the generated Markdown");
  return new TextDecoder().decode(stdout);
}

/**
 * Writes every block from `report`, or with `check` writes nothing and returns
 * the files whose committed text differs.
 */
export async function writeDocs(report: Report, check: boolean): Promise<string[]> {
  const stale: string[] = [];
  for (const block of BLOCKS) {
    const url = new URL(block.file, ROOT);
    const text = await Deno.readTextFile(url);
    const next = await formatMarkdown(replaceBlock(text, block.file, block.marker, block.render(report)));
    if (next === text) continue;
    if (check) stale.push(block.file);
    else await Deno.writeTextFile(url, next);
  }
  return stale;
}

/** The committed run. */
export async function committedReport(): Promise<Report> {
  return JSON.parse(await Deno.readTextFile(new URL("bench/results/results.json", ROOT))) as Report;
}
