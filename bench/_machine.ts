/**
 * What the report records about the machine and toolchains it ran on.
 *
 * @module
 */

import { readProcFile } from "./_proc.ts";

/** The machine and the versions behind one report. */
export interface Machine {
  /** CPU model, from /proc/cpuinfo where there is one. */
  cpu: string;
  /** Logical cores. */
  cores: number;
  /** Total memory in GiB, from /proc/meminfo. */
  memoryGiB: number | null;
  /** OS and architecture. */
  os: string;
  /** Deno and V8. */
  deno: string;
  /** `zig version`. */
  zig: string;
  /** Bun's version, filled in from the Bun script's output. */
  bun: string | null;
  /**
   * The 1-minute load average when the run started and ended: on a 2-core
   * machine another process's build shows up in every median.
   */
  loadAverage: { start: number | null; end: number | null };
}

/** Reads the machine's description; a tool that does not run reports "unknown". */
export function describeMachine(): Machine {
  return {
    cpu: readMatch("/proc/cpuinfo", /^model name\s*:\s*(.+)$/m) ?? "unknown",
    cores: navigator.hardwareConcurrency,
    memoryGiB: gib(readMatch("/proc/meminfo", /^MemTotal:\s+(\d+) kB/m)),
    os: `${Deno.build.os} ${Deno.build.arch}`,
    deno: `${Deno.version.deno} (V8 ${Deno.version.v8})`,
    zig: commandOutput("zig", ["version"]) ?? "unknown",
    bun: null,
    loadAverage: { start: loadAverage(), end: null },
  };
}

/** The 1-minute load average, from /proc/loadavg. */
export function loadAverage(): number | null {
  const first = readProcFile("/proc/loadavg")?.split(" ")[0];
  return first === undefined ? null : Number(first);
}

function gib(kB: string | undefined): number | null {
  return kB === undefined ? null : Math.round((Number(kB) / 1024 / 1024) * 10) / 10;
}

function readMatch(path: string, pattern: RegExp): string | undefined {
  return readProcFile(path)?.match(pattern)?.[1].trim();
}

/** Runs a command and returns its trimmed stdout, or undefined when it fails. */
export function commandOutput(command: string, args: string[]): string | undefined {
  try {
    const output = new Deno.Command(command, { args, stderr: "null" }).outputSync();
    return output.success ? new TextDecoder().decode(output.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}
