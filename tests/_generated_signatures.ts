// The signatures of generated wrappers, read back from a generated module:
// each visible parameter's TypeScript type, and what the wrapper's body says
// of it (an integer's width, a float's type, a pointer's size and alignment,
// a ring's element type). The hostile tests draw their arguments from these,
// so a wrapper added to a generated module is fuzzed without a test edit.

/** One parameter a wrapper takes, as the generated module declares and checks it. */
export interface ParamSignature {
  readonly name: string;
  /** Its TypeScript type, e.g. `LentArrayOf["f64"]` or `BufferSource | null`. */
  readonly ts: string;
  readonly optional: boolean;
  /** The Zig type `checkInteger`, `toFfiInteger` or `checkScalar` checks it as. */
  readonly scalar?: string;
  /** What `gateMemory` is told of it. */
  readonly memory?: { readonly size: number; readonly align: number; readonly nullable: boolean };
  /** The element type `gateRing` expects. */
  readonly ring?: string;
}

/** One wrapper of a generated module. */
export interface WrapperSignature {
  readonly name: string;
  readonly params: readonly ParamSignature[];
}

/** Every wrapper of the generated module at `url`, in declaration order. */
export function generatedSignatures(url: URL): WrapperSignature[] {
  const text = Deno.readTextFileSync(url);
  const start = text.indexOf("export interface Bindings {");
  const members = text.slice(start, text.indexOf("\n}\n", start));
  const bodies = text.slice(text.indexOf("export function bind("));
  const wrappers: WrapperSignature[] = [];
  for (const [, name, list] of members.matchAll(/^ {2}(\w+)\(([^)]*)\): [^;]+;$/gm)) {
    const at = bodies.indexOf(`\n    ${name}: `);
    if (at < 0) throw new Error(`no implementation of ${name} in ${url.pathname}`);
    const body = bodies.slice(at, bodies.indexOf("\n    },\n", at));
    const params = list.split(",").map((part) => part.trim()).filter((part) => part !== "").map((part) => {
      const [, param, optional, ts] = part.match(/^(\w+)(\??): (.+)$/)!;
      const checked = (call: string) => body.match(new RegExp(`${call}\\(\\s*${param},\\s*"(\\w+)"`))?.[1];
      const gate = body.match(
        new RegExp(`gateMemory\\(\\s*lib,\\s*${param},\\s*(\\d+),\\s*(\\d+),\\s*(true|false)`),
      );
      return {
        name: param,
        ts,
        optional: optional === "?",
        scalar: checked("checkInteger") ?? checked("toFfiInteger") ?? checked("checkScalar"),
        memory: gate
          ? { size: Number(gate[1]), align: Number(gate[2]), nullable: gate[3] === "true" }
          : undefined,
        ring: checked("gateRing"),
      };
    });
    wrappers.push({ name, params });
  }
  if (wrappers.length === 0) throw new Error(`no wrappers found in ${url.pathname}`);
  return wrappers;
}
