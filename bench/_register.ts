/**
 * Turns the shared cases into `Deno.bench` registrations, one group per size
 * so `deno bench` prints each approach relative to its group's baseline.
 *
 * @module
 */

import { type BenchLibrary, openBenchLibrary } from "./_bench_library.ts";
import type { Case, Prepared } from "./_cases.ts";
import type { Size } from "./_timing.ts";

/** `deno bench` stops here: larger sizes are for the report, which budgets its time and memory. */
const LARGEST_FOR_DENO_BENCH = 100 * 1024 * 1024;

/**
 * Registers `cases` with `Deno.bench`, grouped by `group` and size, with
 * `baseline` as each group's baseline. Each case is set up on its first run.
 */
export async function registerBenches(group: string, cases: readonly Case[], baseline: Case): Promise<void> {
  const lib = await openBenchLibrary();
  for (const benchCase of cases) {
    for (const size of benchCase.sizes) {
      if (size.bytes > LARGEST_FOR_DENO_BENCH) continue;
      let prepared: Prepared | undefined;
      Deno.bench({
        name: `${benchCase.name} (${size.label})`,
        group: `${group} ${size.label}`,
        baseline: benchCase === baseline,
        fn: () => {
          prepared ??= prepareOrFail(benchCase, lib, size);
          prepared.run();
        },
      });
    }
  }
}

function prepareOrFail(benchCase: Case, lib: BenchLibrary, size: Size): Prepared {
  const prepared = benchCase.prepare(lib, size);
  if (prepared === undefined) {
    throw new Error(`Cannot run "${benchCase.name}" at ${size.label} on this machine`);
  }
  return prepared;
}
