/**
 * Reads Linux /proc files for the report and the pools' memory check.
 *
 * @module
 */

/**
 * The text of a /proc file, or undefined where there is none. Deno refuses
 * to read /proc with anything less than --allow-all once --allow-run is
 * granted (which the report needs for Bun), so then a `cat` reads it.
 */
export function readProcFile(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) return undefined;
  }
  try {
    const output = new Deno.Command("cat", { args: [path], stderr: "null" }).outputSync();
    return output.success ? new TextDecoder().decode(output.stdout) : undefined;
  } catch {
    return undefined;
  }
}
