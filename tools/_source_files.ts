/**
 * The TypeScript files at or below a path, for the checks that read every
 * source file (check_gate.ts, check_runtime_isolation.ts).
 *
 * @module
 */

/** Each `.ts` file at or below `path`. */
export async function* sourceFiles(path: string): AsyncGenerator<string> {
  const info = await Deno.stat(path);
  if (info.isFile) {
    if (path.endsWith(".ts")) yield path;
    return;
  }
  for await (const entry of Deno.readDir(path)) yield* sourceFiles(`${path}/${entry.name}`);
}
