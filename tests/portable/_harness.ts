// The portable suite's harness: one `test` over Deno.test, node:test and bun:test, the few
// assertions the suite needs (no assertion library works in all three without installing one),
// garbage collection, and workers (web Workers in Deno and Bun, worker_threads in Node).

type Body = () => void | Promise<void>;
type Host = {
  Deno?: { test(name: string, body: Body): void; env: { get(name: string): string | undefined } };
  Bun?: { gc(force: boolean): void };
  gc?: () => void;
  process?: { getBuiltinModule(id: string): unknown; env: Record<string, string | undefined> };
};
const host = globalThis as unknown as Host;

/** Which runtime runs the suite. */
export const runtimeName: "deno" | "bun" | "node" = host.Deno ? "deno" : host.Bun ? "bun" : "node";

// A variable specifier: Deno's type checker would try to resolve a literal "bun:test".
const runnerModule = runtimeName === "bun" ? "bun:test" : "node:test";
const runner = runtimeName === "deno"
  ? undefined
  : (await import(runnerModule)) as { test(name: string, body: Body): void };

/** An environment variable of the run (Deno: granted with --allow-env), or undefined when unset. */
export function env(name: string): string | undefined {
  return host.Deno ? host.Deno.env.get(name) : host.process!.env[name];
}

/** Registers a test with the runtime's own runner. */
export function test(name: string, body: Body): void {
  if (host.Deno) host.Deno.test(name, body);
  else runner!.test(name, body);
}

/** Throws unless `actual` and `expected` are the same value, or arrays of the same values. */
export function equal(actual: unknown, expected: unknown, message = ""): void {
  const a = JSON.stringify(actual, (_, v) => typeof v === "bigint" ? `${v}n` : v);
  const e = JSON.stringify(expected, (_, v) => typeof v === "bigint" ? `${v}n` : v);
  if (!Object.is(actual, expected) && a !== e) throw new Error(`${message} expected ${e}, got ${a}`);
}

/** The error `body` throws, which must carry `code`. */
export function throwsCode(body: () => unknown, code: string): Error {
  try {
    body();
  } catch (error) {
    equal((error as { code?: string }).code, code, `${(error as Error).message}:`);
    return error as Error;
  }
  throw new Error(`expected a ${code} error, got none`);
}

/** The error `promise` rejects with. */
export async function rejects(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection, got none");
}

/** A full garbage collection (Node and Deno need --expose-gc). */
export function collect(): void {
  if (host.Bun) host.Bun.gc(true);
  else if (host.gc) host.gc();
  else throw new Error("run with --expose-gc (Deno: --v8-flags=--expose-gc)");
}

/** One turn of the event loop, after which deferred finalizers have run. */
export const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/** Waits until the library's live buffers are back to `live`, collecting where the runtime needs it. */
export async function liveAfterCollection(
  stats: () => { liveBuffers: number },
  live: number,
): Promise<number> {
  for (let i = 0; i < 50 && stats().liveBuffers > live; i++) {
    collect();
    await turn();
  }
  return stats().liveBuffers;
}

/**
 * The library's counters once what earlier tests dropped is collected (in Node, disposed
 * buffers too): the baseline a test that counts frees starts from.
 */
export async function settledStats<T extends { liveBuffers: number }>(stats: () => T): Promise<T> {
  let last = -1;
  for (let i = 0; i < 50 && stats().liveBuffers !== last; i++) {
    last = stats().liveBuffers;
    collect();
    await turn();
    collect();
    await turn();
  }
  return stats();
}

/** A worker, as the suite talks to it. */
export interface Peer {
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  next<T>(): Promise<T>;
  close(): Promise<void>;
}

type MessageSource = {
  on?(event: "message", listener: (data: unknown) => void): void;
  onmessage?: ((event: { data: unknown }) => void) | null;
};

function inbox(source: MessageSource): <T>() => Promise<T> {
  // Messages that arrive before anyone waits (while a worker still opens its library) wait here.
  const waiting: ((data: unknown) => void)[] = [];
  const arrived: unknown[] = [];
  const receive = (data: unknown) => {
    const waiter = waiting.shift();
    if (waiter) waiter(data);
    else arrived.push(data);
  };
  if (source.on) source.on("message", receive);
  else source.onmessage = (event) => receive(event.data);
  return <T>() =>
    arrived.length > 0
      ? Promise.resolve(arrived.shift() as T)
      : new Promise<T>((resolve) => waiting.push(resolve as (data: unknown) => void));
}

/** Starts the module at `url` as a worker. */
export function startWorker(url: URL): Peer {
  if (runtimeName === "node") {
    const threads = host.process!.getBuiltinModule("node:worker_threads") as {
      Worker: new (url: URL) => MessageSource & {
        postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
        terminate(): Promise<number>;
      };
    };
    const worker = new threads.Worker(url);
    return {
      post: (m, t) => worker.postMessage(m, t),
      next: inbox(worker),
      close: async () => void await worker.terminate(),
    };
  }
  const worker = new Worker(url, { type: "module" });
  return {
    post: (m, t) => worker.postMessage(m, t ?? []),
    next: inbox(worker as unknown as MessageSource),
    close: () => Promise.resolve(worker.terminate()),
  };
}

/** The worker's side: its parent, to answer. */
export function parentPeer(): Pick<Peer, "post" | "next"> {
  const threads = runtimeName === "node"
    ? host.process!.getBuiltinModule("node:worker_threads") as {
      parentPort: MessageSource & { postMessage(message: unknown, transfer?: ArrayBuffer[]): void };
    }
    : undefined;
  const port = threads?.parentPort ??
    (globalThis as unknown as MessageSource & { postMessage(m: unknown, t: ArrayBuffer[]): void });
  return { post: (m, t) => port.postMessage(m, t ?? []), next: inbox(port) };
}
