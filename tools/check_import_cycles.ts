// Fails on any import circle among this package's own modules, for every entry point deno.json
// exports (mod.ts and any subpath): reads the module graph from `deno info --json` (code and type
// imports alike) and prints each circle as the chain of files that closes it.
//   deno run --allow-read --allow-run tools/check_import_cycles.ts [deno.json]

interface InfoModule {
  specifier: string;
  dependencies?: { specifier: string; code?: { specifier?: string }; type?: { specifier?: string } }[];
}

const config = JSON.parse(await Deno.readTextFile(Deno.args[0] ?? "deno.json"));
const exports: string[] = typeof config.exports === "string"
  ? [config.exports]
  : Object.values(config.exports as Record<string, string>);
const root = new URL("../", import.meta.url).href;
const local = (specifier: string) => specifier.startsWith(root);
const name = (specifier: string) => specifier.slice(root.length);

const graph = new Map<string, Set<string>>();
for (const entry of exports) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`deno info --json ${entry} failed`);
  const info = JSON.parse(new TextDecoder().decode(output.stdout)) as { modules: InfoModule[] };
  for (const module of info.modules) {
    if (!local(module.specifier)) continue;
    const edges = graph.get(module.specifier) ?? new Set<string>();
    for (const dependency of module.dependencies ?? []) {
      for (const target of [dependency.code?.specifier, dependency.type?.specifier]) {
        if (target !== undefined && local(target)) edges.add(target);
      }
    }
    graph.set(module.specifier, edges);
  }
}

// Depth-first search; a module met again while still on the stack closes a circle.
const cycles: string[][] = [];
const state = new Map<string, "open" | "done">();
const stack: string[] = [];
function visit(module: string): void {
  state.set(module, "open");
  stack.push(module);
  for (const next of [...(graph.get(module) ?? [])].sort()) {
    if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
    else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(module, "done");
}
for (const module of [...graph.keys()].sort()) if (!state.has(module)) visit(module);

if (cycles.length > 0) {
  for (const cycle of cycles) console.error(`import circle: ${cycle.map(name).join(" -> ")}`);
  console.error(`check_import_cycles: ${cycles.length} import circle(s) among ${graph.size} modules`);
  Deno.exit(1);
}
console.log(`check_import_cycles: no import circle among ${graph.size} modules (${exports.join(", ")})`);
