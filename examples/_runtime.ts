/**
 * The little an example needs from its runtime beyond zerocopy and the web
 * platform, the same in Deno, Node and Bun: its arguments, its exit status,
 * Ctrl-C, files to write, and a worker to talk to (a web `Worker` in Deno and
 * Bun, a `worker_threads` one in Node).
 *
 * @module
 */

type Listener = (data: unknown) => void;
type NodeWorker = {
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: "message", listener: Listener): void;
  terminate(): Promise<number>;
};
type NodeFile = {
  write(data: Uint8Array): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
};
type NodeModules = {
  "node:worker_threads": { Worker: new (url: URL) => NodeWorker; parentPort: NodeWorker | null };
  "node:fs/promises": {
    mkdtemp(prefix: string): Promise<string>;
    mkdir(path: string, options: { recursive: true }): Promise<unknown>;
    open(path: string, flags: "w"): Promise<NodeFile>;
  };
  "node:os": { tmpdir(): string };
};
type NodeProcess = {
  argv: string[];
  exit(code: number): never;
  on(signal: "SIGINT", handler: () => void): void;
  off(signal: "SIGINT", handler: () => void): void;
  getBuiltinModule<Id extends keyof NodeModules>(id: Id): NodeModules[Id];
};
const deno = (globalThis as { Deno?: typeof Deno }).Deno;
const node = (globalThis as { process?: NodeProcess }).process;
// Deno and Bun have web workers; Node has worker_threads.
const webWorkers = deno !== undefined || "Bun" in globalThis;

/** The command line's arguments after the script's path. */
export const args: readonly string[] = deno?.args ?? node!.argv.slice(2);

/** Ends the process with `code`. */
export function exit(code: number): never {
  return deno ? deno.exit(code) : node!.exit(code);
}

/** Calls `handler` on Ctrl-C (SIGINT) until the returned function is called. */
export function onInterrupt(handler: () => void): () => void {
  if (!deno) {
    node!.on("SIGINT", handler);
    return () => node!.off("SIGINT", handler);
  }
  // Deno has no SIGINT listener on Windows; Ctrl-C then ends the process as usual.
  if (deno.build.os === "windows") return () => {};
  deno.addSignalListener("SIGINT", handler);
  return () => deno.removeSignalListener("SIGINT", handler);
}

/** A new directory in the system's temporary directory, its name starting with `prefix`. */
export function makeTempDir(prefix: string): Promise<string> {
  if (deno) return deno.makeTempDir({ prefix });
  return node!.getBuiltinModule("node:fs/promises").mkdtemp(
    `${node!.getBuiltinModule("node:os").tmpdir()}/${prefix}`,
  );
}

/** Makes the directory `path`, and its parents, where missing. */
export async function makeDir(path: string): Promise<void> {
  if (deno) await deno.mkdir(path, { recursive: true });
  else await node!.getBuiltinModule("node:fs/promises").mkdir(path, { recursive: true });
}

/** Writes `parts` one after the other to the file `path` (replaced if it exists), straight from their memory. */
export async function writeParts(path: string, parts: Uint8Array[]): Promise<void> {
  if (deno) {
    using file = await deno.open(path, { write: true, create: true, truncate: true });
    for (const part of parts) {
      for (let written = 0; written < part.length;) written += await file.write(part.subarray(written));
    }
    return;
  }
  const file = await node!.getBuiltinModule("node:fs/promises").open(path, "w");
  try {
    for (const part of parts) {
      for (let written = 0; written < part.length;) {
        written += (await file.write(part.subarray(written))).bytesWritten;
      }
    }
  } finally {
    await file.close();
  }
}

/** One side of a conversation with a worker: post a message, wait for the next one. */
export interface Peer {
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  next<T>(): Promise<T>;
}

/** Messages that arrive before anyone waits for them wait here, in order. */
function inbox(): { receive: Listener; next<T>(): Promise<T> } {
  const arrived: unknown[] = [];
  const waiting: Listener[] = [];
  return {
    receive: (data) => waiting.length > 0 ? waiting.shift()!(data) : void arrived.push(data),
    next: <T>() =>
      new Promise<T>((resolve) =>
        arrived.length > 0 ? resolve(arrived.shift() as T) : waiting.push(resolve as Listener)
      ),
  };
}

/** Starts the module at `url` as a worker. */
export function startWorker(url: URL): Peer & { terminate(): void } {
  const messages = inbox();
  if (webWorkers) {
    const worker = new Worker(url, { type: "module" });
    worker.onmessage = (event) => messages.receive(event.data);
    return {
      post: (m, t = []) => worker.postMessage(m, t),
      next: messages.next,
      terminate: () => worker.terminate(),
    };
  }
  const worker = new (node!.getBuiltinModule("node:worker_threads").Worker)(url);
  worker.on("message", messages.receive);
  return {
    post: (m, t = []) => worker.postMessage(m, t),
    next: messages.next,
    terminate: () => worker.terminate(),
  };
}

/** In a worker: the thread that started it. */
export function parentPeer(): Peer {
  const messages = inbox();
  const port = webWorkers ? undefined : node!.getBuiltinModule("node:worker_threads").parentPort;
  if (port) {
    port.on("message", messages.receive);
    return { post: (m, t = []) => port.postMessage(m, t), next: messages.next };
  }
  const scope = globalThis as unknown as {
    onmessage: (event: MessageEvent) => void;
    postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  };
  scope.onmessage = (event) => messages.receive(event.data);
  return { post: (m, t = []) => scope.postMessage(m, t), next: messages.next };
}
