/**
 * Every public symbol of the package's entry points has an `@example` in its
 * JSDoc (`deno test --doc` then type-checks and runs each one). Symbols that
 * generated files declare are left to their generator.
 *
 *   deno run --allow-read --allow-run tools/check_examples.ts
 *
 * @module
 */

const GENERATED = ["src/abi/symbols.ts", "src/demo/demo_bindings.ts", "src/library/prebuilt_manifest.ts"];
const ENTRIES = ["mod.ts", "arrow.ts", "sql.ts"];

interface Declaration {
  location?: { filename?: string };
  jsDoc?: { tags?: { kind: string }[] };
}
interface DocSymbol {
  name: string;
  declarations?: Declaration[];
}

const output = await new Deno.Command(Deno.execPath(), { args: ["doc", "--json", ...ENTRIES] }).output();
if (!output.success) {
  console.error(new TextDecoder().decode(output.stderr));
  Deno.exit(1);
}
const doc = JSON.parse(new TextDecoder().decode(output.stdout)) as {
  nodes: Record<string, { symbols?: DocSymbol[] }>;
};
const missing: string[] = [];
let checked = 0;
for (const [entry, node] of Object.entries(doc.nodes)) {
  for (const symbol of node.symbols ?? []) {
    const declarations = symbol.declarations ?? [];
    const generated = declarations.some((d) =>
      GENERATED.some((file) => d.location?.filename?.endsWith(file))
    );
    if (generated) continue;
    checked++;
    const hasExample = declarations.some((d) => d.jsDoc?.tags?.some((tag) => tag.kind === "example"));
    if (!hasExample) missing.push(`${entry.split("/").pop()}: ${symbol.name}`);
  }
}
if (missing.length > 0) {
  console.error(
    `check_examples: ${missing.length} public symbols have no @example:\n  ${missing.join("\n  ")}`,
  );
  Deno.exit(1);
}
console.log(`check_examples: all ${checked} public symbols of ${ENTRIES.join(", ")} have an @example`);
