/**
 * The parts of Node's `process` and built-in modules zerocopy uses, typed
 * here rather than through `@types/node`, so that the package needs no type
 * package in any runtime. Bun provides the same objects. Built-in modules are
 * fetched with `process.getBuiltinModule` (Node 22.3 and later) on first use:
 * a static `node:` import would load Deno's Node compatibility layer for every Deno user.
 *
 * @module
 */

import type { NodeModule } from "../runtime.ts";

/** `process`, as zerocopy uses it. */
export interface NodeProcess {
  readonly platform: string;
  readonly arch: string;
  readonly pid: number;
  readonly env: Record<string, string | undefined>;
  readonly stderr: { readonly isTTY?: boolean };
  dlopen(module: NodeModule, filename: string): void;
  getBuiltinModule(id: string): unknown;
  cwd(): string;
  on(event: "exit", listener: () => void): void;
}

/** What `fs.Stats` reports. */
export interface NodeStats {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  readonly size: number;
  readonly mtime: Date;
  readonly mode: number;
  readonly uid: number;
  readonly dev: number;
  readonly ino: number;
}

/** An open `fs.promises` file handle. */
export interface NodeFileHandle {
  stat(): Promise<NodeStats>;
  read(buffer: Uint8Array, offset: number, length: number, position: null): Promise<{ bytesRead: number }>;
  write(bytes: Uint8Array): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
  readonly fd: number;
}

/** `node:fs`, as zerocopy uses it. */
export interface NodeFs {
  readonly constants: Readonly<Record<string, number>>;
  statSync(path: string): NodeStats;
  openSync(path: string, flags: string): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  writeSync(fd: number, bytes: Uint8Array): number;
  closeSync(fd: number): void;
  rmSync(path: string, options: { recursive: boolean }): void;
  readonly promises: {
    stat(path: string): Promise<NodeStats>;
    lstat(path: string): Promise<NodeStats>;
    readFile(path: string): Promise<Uint8Array>;
    writeFile(path: string, bytes: Uint8Array): Promise<void>;
    rename(from: string, to: string): Promise<void>;
    rm(path: string, options: { recursive: boolean }): Promise<void>;
    mkdir(path: string, options: { recursive?: boolean; mode?: number }): Promise<unknown>;
    open(path: string, flags: number, mode?: number): Promise<NodeFileHandle>;
    readdir(path: string): Promise<string[]>;
  };
}

/** `node:path`, as zerocopy uses it. */
export interface NodePath {
  resolve(path: string): string;
  dirname(path: string): string;
  join(...paths: string[]): string;
}

/** `node:module`, as zerocopy uses it. */
export interface NodeModules {
  /** A `require` whose resolution starts at `from` (a file URL), as a module there would resolve. */
  createRequire(from: string): { resolve(specifier: string): string };
}

/** This runtime's `process`. */
export function nodeProcess(): NodeProcess {
  return (globalThis as unknown as { process: NodeProcess }).process;
}

/** A built-in module, such as `node:fs`. */
export function builtin<T>(id: string): T {
  return nodeProcess().getBuiltinModule(id) as T;
}
