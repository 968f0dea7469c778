/**
 * Lays the package out in a JSR registry folder exactly as `deno publish` would
 * upload it: the files its `--dry-run` lists, `meta.json`, and
 * `<version>_meta.json` with each file's size and SHA-256, as the mirror in
 * ../shared/jsr has them for @std. Fails when README.md (the package's page)
 * links to a file that is not published. Prints the package's size.
 *
 *   deno run --allow-read --allow-write tools/jsr_package.ts DRY_RUN_OUTPUT REGISTRY_DIR [PACKAGE_ROOT]
 *
 * DRY_RUN_OUTPUT is what `NO_COLOR=1 deno publish --dry-run` printed, run from the package root
 * (PACKAGE_ROOT, this checkout by default).
 *
 * @module
 */

const [dryRunOutput, registry, packageRoot] = Deno.args;
if (!dryRunOutput || !registry) {
  console.error("usage: jsr_package.ts DRY_RUN_OUTPUT REGISTRY_DIR [PACKAGE_ROOT]");
  Deno.exit(2);
}

// This checkout's package unless another package's folder (a Zig author's `zig build package`) is given.
const root = packageRoot === undefined
  ? new URL("../", import.meta.url)
  : new URL(`file://${await Deno.realPath(packageRoot)}/`);
const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
const [scope, name] = (config.name as string).slice(1).split("/");
const version: string = config.version;
const printed = await Deno.readTextFile(dryRunOutput);
const files = [...printed.matchAll(/^\s+(file:\/\/\S+) \(/gm)].map((match) => new URL(match[1]));
if (files.length === 0) throw new Error(`no files listed in ${dryRunOutput}: did the dry run fail?`);

// The README is the package's page on JSR, and docs/*.md are published beside it: a relative link in any
// published Markdown file must reach a published file.
const published = new Set(files.map((file) => file.href.slice(root.href.length)));
const broken: string[] = [];
for (const page of [...published].filter((path) => path.endsWith(".md"))) {
  const text = await Deno.readTextFile(new URL(page, root));
  for (const match of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
    if (/^[a-z]+:/.test(match[1])) continue;
    const target = new URL(match[1], new URL(page, root)).href.slice(root.href.length);
    if (!published.has(target)) broken.push(`${page} → ${match[1]}`);
  }
}
if (broken.length > 0) {
  console.error(`Markdown files link to files the package does not publish: ${broken.join(", ")}`);
  Deno.exit(1);
}

// `deno publish` unfurls the bare specifiers deno.json maps (`"apache-arrow"` becomes
// `"npm:apache-arrow@<version>"`), so the published modules resolve without the import map.
const imports: Record<string, string> = config.imports ?? {};
const unfurled = (bytes: Uint8Array, relative: string): Uint8Array => {
  if (!/\.[cm]?tsx?$|\.[cm]?jsx?$/.test(relative)) return bytes;
  let text = new TextDecoder().decode(bytes);
  for (const [bare, target] of Object.entries(imports)) {
    if (bare.endsWith("/")) continue;
    const quoted = bare.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    text = text.replace(new RegExp(`((?:from|import)\\s*\\(?\\s*)"${quoted}"`, "g"), `$1"${target}"`);
  }
  return new TextEncoder().encode(text);
};

const packageDir = `${registry}/@${scope}/${name}`;
const manifest: Record<string, { size: number; checksum: string }> = {};
let total = 0;
for (const file of files) {
  const relative = file.href.slice(root.href.length);
  const bytes = unfurled(await Deno.readFile(file), relative);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  manifest[`/${relative}`] = {
    size: bytes.length,
    checksum: `sha256-${Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("")}`,
  };
  total += bytes.length;
  const target = `${packageDir}/${version}/${relative}`;
  await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
  await Deno.writeFile(target, bytes);
}
const exports = typeof config.exports === "string" ? { ".": config.exports } : config.exports;
await Deno.writeTextFile(
  `${packageDir}/meta.json`,
  JSON.stringify({ scope, name, latest: version, versions: { [version]: {} } }, null, 1),
);
await Deno.writeTextFile(
  `${packageDir}/${version}_meta.json`,
  JSON.stringify({ manifest, exports }, null, 1),
);
console.log(
  `@${scope}/${name}@${version}: ${files.length} files, ${total} bytes (${
    (total / 1024 / 1024).toFixed(2)
  } MB of JSR's 20 MB limit)`,
);
