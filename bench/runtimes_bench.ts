/**
 * zerocopy in Node and Bun, side by side in one run: per-buffer handover
 * through the package against each runtime's own floor (in Node also against
 * a floor that frees at once, as dispose does: call + wrap + the entry's
 * `free`, in the batches and without their forced collections), copy ÷
 * handover, ÷ floor and ÷ region slice at 100 MB, and in Bun the same handover done with `bun:ffi` (call +
 * `toArrayBuffer` + release) and the call cost of `bun:ffi` against the
 * library's Node-API functions. Build the bench library first (`zig build bench-lib`).
 *
 *   node bench/runtimes_bench.ts [--smoke]
 *
 * runs itself once under `node --expose-gc` and once under `bun` (both from
 * .toolchain/bin, else PATH), each child printing JSON, and prints medians
 * and ratios per runtime. Type-checked by Deno; runs from source under
 * Node's type stripping and Bun.
 *
 * @module
 */

import { measure, type Measurement, type Size } from "./_timing.ts";
import { openLibrary, Region } from "../mod.ts";
import { benchSymbols } from "./_bench_symbols.ts";
import { formatVerdicts, type Results, verdicts } from "./_runtime_targets.ts";

interface Host {
  process: {
    argv: string[];
    execPath: string;
    platform: string;
    arch: string;
    getBuiltinModule(id: string): unknown;
  };
  Bun?: { version: string; gc(force: boolean): void };
  gc?: () => void;
}
const host = globalThis as unknown as Host;
const { process } = host;
const library = new URL("../zig-out/bench/libzerocopy_bench.so", import.meta.url).pathname;
const smoke = process.argv.includes("--smoke");
const MiB = 1024 * 1024;
// 8 KB to 1 GB; a smoke run (`--smoke`) takes the two smallest, to show that it runs.
const SIZES: Size[] = [
  { label: "8 KB", bytes: 8 * 1024 },
  { label: "1 MB", bytes: MiB },
  { label: "10 MB", bytes: 10 * MiB },
  { label: "100 MB", bytes: 100 * MiB },
  { label: "1 GB", bytes: 1024 * MiB },
].slice(0, smoke ? 2 : undefined);

function collect(): void {
  if (host.Bun) host.Bun.gc(true);
  else host.gc?.();
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 1));

/**
 * Node's way: it runs an external ArrayBuffer's finalizer only when the detached object is collected,
 * so a pool of `perBatch` buffers is handed over and disposed in one timed batch, then collected
 * (untimed) so that the finalizers give the buffers back before the next batch.
 */
async function measureInBatches(
  iteration: () => void,
  perBatch: number,
  samples: number,
): Promise<Measurement> {
  const perIteration: number[] = [];
  for (let i = 0; i < samples + 1; i++) {
    collect();
    await turn();
    collect();
    await turn();
    const start = performance.now();
    for (let j = 0; j < perBatch; j++) iteration();
    if (i > 0) perIteration.push(((performance.now() - start) * 1e6) / perBatch); // the first warms up
  }
  perIteration.sort((a, b) => a - b);
  const middle = perIteration.length >> 1;
  return { medianNs: perIteration[middle], minNs: perIteration[0], samples, batch: perBatch };
}

async function child(): Promise<void> {
  const lib = await openLibrary({ path: library, symbols: benchSymbols });
  const entry = { exports: {} as Record<string, (...args: unknown[]) => unknown> };
  (process as unknown as { dlopen(m: unknown, p: string): void }).dlopen(entry, library);
  const { wrap, detach, free, symbols: napi } = entry.exports as unknown as {
    wrap(d: BigUint64Array, expected: number): ArrayBuffer;
    detach(memory: ArrayBuffer): void;
    free(memory: ArrayBuffer): boolean;
    symbols: Record<string, (...args: unknown[]) => number>;
  };
  const results: Results = {};
  const record = (key: string, label: string, m: Measurement | null) =>
    (results[key] ??= {})[label] = m === null ? null : m.medianNs;
  let sink: unknown;
  const descriptor = new BigUint64Array(6);
  const bun = host.Bun !== undefined;
  const ffi = bun ? await bunFfi() : undefined;

  for (const [pool, size] of SIZES.entries()) {
    // Bun frees at detach, so one pooled buffer serves every iteration; Node needs one per iteration of a batch.
    const count = bun ? 1 : Math.max(2, Math.min(64, Math.floor((2048 * MiB) / size.bytes)));
    if (lib.symbols.bench_pool_prepare(pool, size.bytes / 1024, count) !== 0) continue;
    const timed = (iteration: () => void) =>
      bun ? measure(iteration) : measureInBatches(iteration, count, smoke ? 3 : 25);
    collect();
    // The floor: the bench call, then a bare Node-API external ArrayBuffer made, viewed and detached.
    // Every case makes the Float64Array the handover's `buffer.view` makes, or the memory could not be read.
    record(
      "floor",
      size.label,
      await timed(() => {
        napi.bench_hand_over(pool, descriptor);
        const memory = wrap(descriptor, 0);
        sink = new Float64Array(memory);
        detach(memory);
      }),
    );
    const floorThatFrees = () => {
      napi.bench_hand_over(pool, descriptor);
      const memory = wrap(descriptor, 0);
      sink = new Float64Array(memory);
      free(memory);
    };
    const handover = () => {
      const buffer = lib.adopt("f64", (out) => lib.symbols.bench_hand_over(pool, out));
      sink = buffer.view;
      buffer[Symbol.dispose]();
    };
    // Node leaves the floor's release to a collection; the handover must free at dispose, as this does.
    if (!bun) {
      collect();
      record("floor_free", size.label, await timed(floorThatFrees));
    }
    collect();
    record("handover", size.label, await timed(handover));
    if (!bun) {
      // Both free at once, so neither needs the batches' forced collections, after which every first
      // touch of memory the collector gave back costs (a fresh 48-byte array took 9.7 µs): the more a
      // case allocates, the more it pays, which the handover's objects do and the floor's calls do not.
      collect();
      record("floor_free_steady", size.label, await measure(floorThatFrees));
      collect();
      record("handover_steady", size.label, await measure(handover));
    }
    if (size.label === "100 MB") {
      collect();
      await turn();
      const buffer = lib.adopt("f64", (out) => lib.symbols.bench_hand_over(pool, out));
      record(
        "copy",
        size.label,
        await measure(() => {
          sink = buffer.view.slice();
        }, { ms: 500, minSamples: 3, maxSamples: 9 }),
      );
      buffer[Symbol.dispose]();
    }
    if (ffi !== undefined) {
      collect();
      record(
        "bun_ffi_handover",
        size.label,
        await measure(() => {
          ffi.symbols.bench_hand_over(pool, descriptor);
          sink = new Float64Array(ffi.toArrayBuffer(Number(descriptor[0]), 0, size.bytes));
          ffi.symbols.zc_release(descriptor);
        }),
      );
      // The same made safe: the memory goes back only once no view reaches it, so the ArrayBuffer is
      // detached before the release (through the entry, since bun:ffi has no detach). The path above
      // leaves its view reading memory already freed.
      collect();
      record(
        "bun_ffi_safe",
        size.label,
        await measure(() => {
          ffi.symbols.bench_hand_over(pool, descriptor);
          const memory = ffi.toArrayBuffer(Number(descriptor[0]), 0, size.bytes);
          sink = new Float64Array(memory);
          detach(memory);
          ffi.symbols.zc_release(descriptor);
        }),
      );
    }
    if (size.bytes <= 100 * MiB) {
      const region = Region.create(lib, 2 * size.bytes);
      const kib = size.bytes / 1024;
      const call = (out: BigUint64Array<ArrayBuffer>) => lib.symbols.bench_region_slice(kib, out);
      collect();
      record(
        "region",
        size.label,
        await measure(() => {
          sink = region.adopt("f64", call);
        }),
      );
      region[Symbol.dispose]();
    }
    for (let i = 0; i < 2; i++) {
      collect();
      await turn();
    }
    lib.symbols.bench_pool_free(pool);
  }
  // Calls: one with no argument, one lending a Float64Array, through Node-API and (in Bun) bun:ffi.
  const values = new Float64Array(1024).fill(0.5);
  record("call_napi_no_argument", "call", await measure(() => sink = napi.zc_abi_version()));
  record("call_napi_buffer", "call", await measure(() => sink = napi.bench_sum_f64(values, values.length)));
  if (ffi !== undefined) {
    record("call_ffi_no_argument", "call", await measure(() => sink = ffi.symbols.zc_abi_version()));
    record(
      "call_ffi_buffer",
      "call",
      await measure(() => sink = ffi.symbols.bench_sum_f64(values, values.length)),
    );
  }
  void sink;
  const version = host.Bun?.version ?? (process as unknown as { version: string }).version;
  console.log(JSON.stringify({ runtime: bun ? "bun" : "node", version, results }));
}

/** The part of `bun:ffi` used here, imported by a computed specifier so that Deno never resolves it. */
async function bunFfi(): Promise<{
  symbols: Record<string, (...args: unknown[]) => number>;
  toArrayBuffer(pointer: number, offset: number, length: number): ArrayBuffer;
}> {
  const name = "bun:ffi";
  const bun = (await import(name)) as {
    dlopen(path: string, symbols: Record<string, { args: string[]; returns: string }>): {
      symbols: Record<string, (...args: unknown[]) => number>;
    };
    toArrayBuffer(pointer: number, offset: number, length: number): ArrayBuffer;
  };
  const { symbols } = bun.dlopen(library, {
    bench_hand_over: { args: ["u32", "ptr"], returns: "i32" },
    bench_sum_f64: { args: ["ptr", "u32"], returns: "f64" },
    zc_release: { args: ["ptr"], returns: "void" },
    zc_abi_version: { args: [], returns: "u32" },
  });
  return { symbols, toArrayBuffer: bun.toArrayBuffer };
}

function run(command: string, args: string[]): { runtime: string; version: string; results: Results } {
  const { execFileSync } = process.getBuiltinModule("node:child_process") as {
    execFileSync(file: string, args: string[], options: { encoding: "utf8"; maxBuffer: number }): string;
  };
  const out = execFileSync(command, args, { encoding: "utf8", maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

function format(ns: number | null | undefined): string {
  if (ns === null || ns === undefined) return "-";
  return ns >= 1e6
    ? `${(ns / 1e6).toFixed(2)} ms`
    : ns >= 1e3
    ? `${(ns / 1e3).toFixed(2)} µs`
    : `${ns.toFixed(0)} ns`;
}

function report(all: { runtime: string; version: string; results: Results }[]): void {
  const os = process.getBuiltinModule("node:os") as { cpus(): { model: string }[] };
  console.log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, ${process.platform}-${process.arch}`);
  for (const { runtime, version, results } of all) {
    console.log(`\n${runtime} ${version} (median per iteration)`);
    const labels = Object.keys(results.floor ?? {});
    const row = (name: string, key: string, base?: string) =>
      console.log(
        `  ${name.padEnd(46)}` +
          labels.map((l) => {
            const value = results[key]?.[l];
            const ratio = base && value != null && results[base]?.[l]
              ? ` (${(value / results[base][l]!).toFixed(2)}×)`
              : "";
            return `${l}: ${format(value)}${ratio}`.padEnd(28);
          }).join(""),
      );
    row("floor (call + wrap + view + detach)", "floor");
    row("handover ÷ floor", "handover", "floor");
    if (results.floor_free) {
      row("floor that frees (call + wrap + view + free)", "floor_free");
      row("handover ÷ it", "handover", "floor_free");
      row("the same, no forced collections", "floor_free_steady");
      row("handover ÷ it, no forced collections", "handover_steady", "floor_free_steady");
    }
    if (results.bun_ffi_handover) {
      row("bun:ffi + toArrayBuffer + release", "bun_ffi_handover");
      row("handover ÷ bun:ffi", "handover", "bun_ffi_handover");
      row("the same, made safe (detach, then release)", "bun_ffi_safe", "bun_ffi_handover");
      row("handover ÷ it", "handover", "bun_ffi_safe");
      row("region ÷ it", "region", "bun_ffi_safe");
      row("region ÷ bun:ffi", "region", "bun_ffi_handover");
    } else {
      row("region", "region");
    }
    const copy = results.copy?.["100 MB"];
    const handover = results.handover?.["100 MB"];
    if (copy != null && handover != null) {
      console.log(`  copy ÷ handover at 100 MB: ${(copy / handover).toFixed(0)} (copy ${format(copy)})`);
      // What the runtime's own external ArrayBuffer allows: the bound on copy ÷ handover.
      const floor = results.floor?.["100 MB"];
      const region = results.region?.["100 MB"];
      if (floor != null) console.log(`  copy ÷ floor at 100 MB: ${(copy / floor).toFixed(0)}`);
      if (region != null) console.log(`  copy ÷ region slice at 100 MB: ${(copy / region).toFixed(0)}`);
    }
    for (const line of formatVerdicts(verdicts(runtime, results))) console.log(line);
    const calls = results;
    const c = (key: string) => format(calls[key]?.call);
    console.log(
      `  call, no argument: Node-API ${c("call_napi_no_argument")}` +
        (calls.call_ffi_no_argument ? `, bun:ffi ${c("call_ffi_no_argument")}` : ""),
    );
    console.log(
      `  call, lent Float64Array: Node-API ${c("call_napi_buffer")}` +
        (calls.call_ffi_buffer ? `, bun:ffi ${c("call_ffi_buffer")}` : ""),
    );
  }
}

if (process.argv.includes("--child")) {
  await child();
} else {
  const self = new URL(import.meta.url).pathname;
  const extra = smoke ? ["--smoke"] : [];
  const which = (tool: string) => {
    const { existsSync } = process.getBuiltinModule("node:fs") as { existsSync(p: string): boolean };
    const local = new URL(`../.toolchain/bin/${tool}`, import.meta.url).pathname;
    return existsSync(local) ? local : tool;
  };
  report([
    run(which("node"), ["--expose-gc", self, "--child", ...extra]),
    run(which("bun"), [self, "--child", ...extra]),
  ]);
}
