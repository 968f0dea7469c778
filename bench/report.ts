/**
 * `deno task bench`: runs every approach side by side in one run on one build
 * of the bench library, then the Bun script on the same library; writes
 * bench/results/results.json and bench/results/cost_vs_size.svg, prints the
 * tables and the targets, and writes the tables into docs/benchmarks.md and
 * the headline ratios into README.md.
 *
 *   report.ts                 measure, then write results.json and the docs
 *   report.ts --docs          write the docs from the committed results.json
 *   report.ts --check-docs    fail when the docs differ from what --docs writes (CI)
 *   report.ts --only KEY...   run those cases alone, print their results as JSON
 *   report.ts --smoke         every case on the two smallest sizes, quickly; prints, writes nothing
 *
 * @module
 */

import { committedReport, writeDocs } from "./_docs.ts";
import { benchmarkTables } from "./_tables.ts";

const [mode, ...rest] = Deno.args.filter((a) => a !== "--smoke");
const smoke = Deno.args.includes("--smoke");
if (mode === "--only") {
  const { only } = await import("./_measure.ts");
  await only(rest);
} else if (mode === "--docs" || mode === "--check-docs") {
  const stale = await writeDocs(await committedReport(), mode === "--check-docs");
  if (stale.length > 0) {
    console.error(
      `${stale.join(", ")}: the benchmark text differs from bench/results/results.json; ` +
        `run "deno run --allow-read --allow-write --allow-run bench/report.ts --docs"`,
    );
    Deno.exit(1);
  }
} else {
  // Measuring opens the bench library at import: only this mode loads it.
  const { measureAll } = await import("./_measure.ts");
  const report = await measureAll();
  console.log(benchmarkTables(report));
  if (smoke) Deno.exit(0);
  await writeDocs(report, false);
  console.log(
    "\nWrote bench/results/results.json, bench/results/cost_vs_size.svg, docs/benchmarks.md, README.md",
  );
}
