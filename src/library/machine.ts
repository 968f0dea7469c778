/**
 * Which machine a library file was built for, read from its ELF, Mach-O or PE
 * header: glibc's `dlopen` answers "No such file or directory" for an ELF
 * file of another machine, which would otherwise read as a wrong path.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { runtime } from "../runtime/current.ts";
import type { Runtime } from "../runtime/runtime.ts";

/** What a library's header says it was built for. */
export interface LibraryMachine {
  /** The file format: `ELF` (Linux), `Mach-O` (macOS) or `PE` (Windows). */
  readonly format: "ELF" | "Mach-O" | "PE";
  /** The architecture as platform keys spell it (`x86_64`, `aarch64`), or the raw machine number when it is neither. */
  readonly arch: string;
}

const ELF_MACHINES: Record<number, string> = {
  3: "x86",
  40: "arm",
  62: "x86_64",
  183: "aarch64",
  243: "riscv64",
};
const MACHO_CPUS: Record<number, string> = {
  0x7: "x86",
  0x01000007: "x86_64",
  0xc: "arm",
  0x0100000c: "aarch64",
};
const PE_MACHINES: Record<number, string> = {
  0x14c: "x86",
  0x8664: "x86_64",
  0xaa64: "aarch64",
  0x1c4: "arm",
};

/**
 * The machine in a library's first bytes (64 are enough for ELF and Mach-O;
 * PE needs up to its `e_lfanew` offset plus 6).
 *
 * @param bytes The start of the file.
 * @returns The format and architecture, or undefined for no header it knows
 * (a universal Mach-O file, which holds several, included).
 */
export function machineOf(bytes: Uint8Array): LibraryMachine | undefined {
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 20 && data.getUint32(0) === 0x7f454c46) {
    const machine = data.getUint16(18, bytes[5] !== 2); // EI_DATA: 1 little-endian, 2 big-endian
    return { format: "ELF", arch: ELF_MACHINES[machine] ?? `ELF machine ${machine}` };
  }
  if (
    bytes.length >= 8 && (data.getUint32(0, true) === 0xfeedfacf || data.getUint32(0, true) === 0xfeedface)
  ) {
    const cpu = data.getUint32(4, true);
    return { format: "Mach-O", arch: MACHO_CPUS[cpu] ?? `Mach-O CPU type ${cpu}` };
  }
  if (bytes.length >= 64 && bytes[0] === 0x4d && bytes[1] === 0x5a) {
    const pe = data.getUint32(0x3c, true);
    if (pe + 6 > bytes.length || data.getUint32(pe) !== 0x50450000) return undefined;
    const machine = data.getUint16(pe + 4, true);
    return { format: "PE", arch: PE_MACHINES[machine] ?? `PE machine 0x${machine.toString(16)}` };
  }
  return undefined;
}

const OWN_FORMAT = { linux: "ELF", darwin: "Mach-O", windows: "PE" } as Record<string, string | undefined>;

/**
 * The typed error for a library built for another machine or OS than this
 * one, when the file at `path` can be read and its header says so; null when
 * the file is absent, unreadable under `--allow-read`, or built for here.
 *
 * @param path The library that failed to load.
 * @param host The runtime: this machine, and the file system to read the header with.
 * @returns `WRONG_ARCHITECTURE` naming both machines, or null.
 */
export function wrongArchitecture(
  path: string,
  host: Pick<Runtime, "os" | "arch" | "fs" | "permissions"> = runtime,
): ZeroCopyError | null {
  if (!host.permissions.read(path)) return null;
  let header: Uint8Array;
  try {
    header = host.fs.readStartSync(path, 4096);
  } catch {
    return null;
  }
  const machine = machineOf(header);
  if (machine === undefined) return null;
  const { os, arch } = host;
  const format = OWN_FORMAT[os];
  if (machine.arch === arch && (format === undefined || machine.format === format)) return null;
  return new ZeroCopyError(
    "WRONG_ARCHITECTURE",
    `Cannot load "${path}": it is a${
      machine.format === "ELF" ? "n" : ""
    } ${machine.format} library for ${machine.arch}, but this is ${os} on ${arch}; use the library built for this machine (zig build, or the prebuilt "${os}-${arch}" one)`,
  );
}
