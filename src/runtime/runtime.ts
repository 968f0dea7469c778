/**
 * What zerocopy asks of the JavaScript runtime it runs in, and nothing more:
 * the file system, environment variables, permission queries, loading a
 * library (as FFI and as a Node-API module), finding a file of an installed
 * npm package, making and reading raw pointers, and a few facts about the process. Every other module is written once
 * against this interface; one implementation per runtime lives beside it
 * (`deno/`), and `current.ts` picks the one in use.
 *
 * @module
 */

import type { ForeignLibraryInterface, LoadedLibrary, PointerObject, PointerValue } from "./ffi_types.ts";

/** The operating systems a runtime may report, spelled as zerocopy's platform keys spell them. */
export type OperatingSystem =
  | "darwin"
  | "linux"
  | "android"
  | "windows"
  | "freebsd"
  | "netbsd"
  | "aix"
  | "solaris"
  | "illumos";

/** What `stat` and `lstat` report of a file; a field the OS lacks (owners and modes on Windows) is null. */
export interface FileInfo {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly isSymlink: boolean;
  readonly size: number;
  readonly mtime: Date | null;
  readonly mode: number | null;
  readonly uid: number | null;
  readonly dev: number;
  readonly ino: number | null;
}

/** How to open a file: as `open(2)` takes it, `createNew` being `O_CREAT | O_EXCL`. */
export interface OpenOptions {
  readonly read?: boolean;
  readonly write?: boolean;
  readonly create?: boolean;
  readonly createNew?: boolean;
  readonly mode?: number;
}

/** An open file descriptor. */
export interface OpenFile {
  /** The descriptor's own file, whatever its path names by now. */
  stat(): Promise<FileInfo>;
  /** Reads into `buffer`; null at the end of the file. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes from `bytes`, returning how many were written. */
  write(bytes: Uint8Array): Promise<number>;
  /** Waits for an advisory lock on the whole file, released by `close`. */
  lock(exclusive: boolean): Promise<void>;
  close(): void;
}

/** The file system, as opening a library uses it. Errors are the runtime's own (see {@linkcode RuntimeErrors}). */
export interface FileSystem {
  stat(path: string): Promise<FileInfo>;
  statSync(path: string): FileInfo;
  lstat(path: string): Promise<FileInfo>;
  readFile(path: string): Promise<Uint8Array<ArrayBuffer>>;
  /** Up to `length` bytes from the start of the file. */
  readStartSync(path: string, length: number): Uint8Array;
  writeFile(path: string, bytes: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  removeSync(path: string, options?: { recursive?: boolean }): void;
  mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<void>;
  open(path: string, options: OpenOptions): Promise<OpenFile>;
  /** The names of a directory's entries. */
  readDir(path: string): AsyncIterable<{ readonly name: string }>;
  /** The working directory. */
  cwd(): string;
}

/**
 * Whether an access is granted, asked without prompting. A runtime without
 * permissions grants everything.
 */
export interface Permissions {
  /** Reading `path`, or anything when absent. */
  read(path?: string): boolean;
  write(path: string): boolean;
  env(variable: string): boolean;
  net(host: string): boolean;
  /** Loading and calling native code at `path`, or anywhere (an unscoped grant) when absent. */
  ffi(path?: string): boolean;
}

/** The runtime's own errors: recognised, and made for a missing permission. */
export interface RuntimeErrors {
  isNotFound(error: unknown): boolean;
  isAlreadyExists(error: unknown): boolean;
  isNotADirectory(error: unknown): boolean;
  /** A refused permission, which zerocopy passes through unwrapped. */
  isPermissionError(error: unknown): boolean;
  /** The runtime's own error for a permission that is missing, naming the flag to add. */
  notCapable(message: string): Error;
}

/** The `module` object a Node-API module fills in. */
export interface NodeModule {
  exports: Record<string, unknown>;
}

/** `process.dlopen`: loads a Node-API module into `module.exports`. */
export type NodeDlopen = (module: NodeModule, filename: string) => void;

/** Loading a shared library. */
export interface Loader {
  /** Loads `path` and binds `symbols`; throws the runtime's error when it cannot. */
  dlopen<S extends ForeignLibraryInterface>(path: string, symbols: S): LoadedLibrary<S>;
  /** The runtime's `process.dlopen`, loaded on first use; null where there is none. */
  nodeDlopen(): Promise<NodeDlopen | null>;
}

/**
 * Raw pointers: only the gate and the pointer-view mapping use these
 * (tools/check_gate.ts keeps it so).
 */
export interface Pointers {
  /** False where the runtime has none (Node, Bun): every function below then throws `UNSUPPORTED_RUNTIME`. */
  readonly available: boolean;
  /** A pointer object for an address. */
  create(address: bigint | number): PointerValue;
  /** An `ArrayBuffer` over `byteLength` bytes at `pointer`, with no copy and no deleter. */
  arrayBuffer(pointer: PointerObject, byteLength: number): ArrayBuffer;
  /** The NUL-terminated string at `pointer`. */
  cString(pointer: PointerObject): string;
}

/** A file inside an npm package zerocopy pins. */
export interface NpmFileRequest {
  /** The package's name, such as `@duckdb/node-bindings-linux-x64`. */
  readonly name: string;
  /** The exact version zerocopy is built and tested against. */
  readonly version: string;
  /** The file's path inside the package, with `/` separators. */
  readonly file: string;
}

/** Where an installed npm package's file is, and the version its manifest declares. */
export interface NpmFile {
  readonly path: string;
  readonly version: string;
}

/**
 * Installed npm packages, as the runtime installs them: Deno fetches one into
 * its npm cache on first use; Node and Bun find the one installed beside
 * zerocopy's own package (a dependency of it), never in the working directory.
 */
export interface NpmPackages {
  /**
   * The absolute path of `request.file` and the version installed, which may
   * differ from `request.version` under Node and Bun (the caller checks).
   * Throws the runtime's `Error` when the package is not there, saying why.
   */
  locate(request: NpmFileRequest): Promise<NpmFile>;
  /** How a user of this runtime installs the package at the version given. */
  installHint(name: string, version: string): string;
}

/** Where a progress bar draws by default. */
export interface TerminalWriter {
  writeSync(bytes: Uint8Array): number;
  isTerminal(): boolean;
}

/** One JavaScript runtime, as zerocopy uses it. */
export interface Runtime {
  /** Which runtime this is. */
  readonly name: "deno" | "node" | "bun";
  readonly os: OperatingSystem;
  /** The architecture, spelled as platform keys spell it (`x86_64`, `aarch64`). */
  readonly arch: string;
  readonly pid: number;
  readonly fs: FileSystem;
  readonly permissions: Permissions;
  readonly errors: RuntimeErrors;
  readonly loader: Loader;
  readonly npm: NpmPackages;
  readonly pointers: Pointers;
  readonly stderr: TerminalWriter;
  /**
   * Whether detaching an external `ArrayBuffer` runs its finalizer at once
   * (Deno, Bun). Node runs it only when the detached object is collected, so
   * disposing there moves the memory's ownership out first and frees it itself.
   */
  readonly detachFinalizes: boolean;
  /**
   * Whether memory moved to a worker in its `ArrayBuffer` can be given back to
   * Zig there (Deno: the finalizer travels with it and runs at detach).
   * Node's receiver cannot take it (the library knows only the `ArrayBuffer`
   * it wrapped, which the move replaces), and in Bun the move now and then arrived as a copy, so
   * a transfer there sends the handle of a descriptor the library keeps instead.
   */
  readonly transfersMemory: boolean;
  /** An environment variable, or undefined when unset; the caller checks the permission first. */
  env(name: string): string | undefined;
  /** Runs `callback` when this isolate (the main one or a worker) exits. */
  onExit(callback: () => void): void;
}
