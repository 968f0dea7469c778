/**
 * What each mapping adds to a process's start: `openLibrary()` under the
 * Node-API mapping (which imports `node:process` and loads the library's
 * Node-API entry) against the pointer-view one, each in fresh Deno processes,
 * with the resident memory after it. Prints medians.
 *
 *     deno run --allow-ffi --allow-read --allow-run bench/startup.ts [runs=15]
 *
 * @module
 */

import { type MappingKind, openLibrary } from "../mod.ts";
import { median } from "./_timing.ts";

/** What one fresh process measured. */
interface Opened {
  /** Milliseconds `openLibrary()` took. */
  ms: number;
  /** Resident memory before and after, in bytes. */
  rssBefore: number;
  rssAfter: number;
}

async function child(mapping: MappingKind): Promise<void> {
  const rssBefore = Deno.memoryUsage().rss;
  const start = performance.now();
  await openLibrary({ mapping });
  const opened: Opened = { ms: performance.now() - start, rssBefore, rssAfter: Deno.memoryUsage().rss };
  console.log(JSON.stringify(opened));
}

async function runChild(mapping: MappingKind): Promise<Opened> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-ffi", "--allow-read", new URL(import.meta.url).pathname, "--child", mapping],
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`The ${mapping} child failed`);
  return JSON.parse(new TextDecoder().decode(output.stdout)) as Opened;
}

async function main(runs: number): Promise<void> {
  const mappings: MappingKind[] = ["pointer-view", "node-api"];
  const results = new Map<MappingKind, Opened[]>(mappings.map((m) => [m, []]));
  // Interleaved, so that a slow spell of the machine lands on both alike.
  for (let i = 0; i < runs; i++) {
    for (const mapping of mappings) results.get(mapping)!.push(await runChild(mapping));
  }
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  for (const [mapping, opened] of results) {
    const of = (pick: (o: Opened) => number) => median(opened.map(pick).sort((a, b) => a - b));
    console.log(
      `${mapping}: openLibrary() ${of((o) => o.ms).toFixed(1)} ms, RSS ${mb(of((o) => o.rssBefore))} → ${
        mb(of((o) => o.rssAfter))
      } MB (medians of ${runs} processes)`,
    );
  }
}

if (Deno.args[0] === "--child") await child(Deno.args[1] as MappingKind);
else await main(Number(Deno.args[0] ?? 15));
