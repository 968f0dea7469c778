// What a call through the Node-API functions a library registers from its exports
// (zig/zerocopy/napi_symbols.zig) costs, in Node and Bun side by side in one run:
//
//   node bench/napi_calls.mjs [library=zig-out/lib/libzerocopy.so] [rounds=15]
//
// runs itself in `node --expose-gc` and in `bun` (from .toolchain/bin, else PATH),
// one process per runtime, three passes with the runtimes alternating, and prints
// each case's median ns per call (the median of the passes' medians over the
// rounds) and its ratio to the runtime's floor: a bare Node-API function of the
// entry (`drain()`, which returns a number and does nothing else when nothing
// waits). Build the library ReleaseSafe first (`zig build --release=safe install`).
import process from "node:process";
import os from "node:os";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const [library = "zig-out/lib/libzerocopy.so", rounds = "15"] = process.argv.slice(2).filter((a) =>
  a !== "--child"
);

if (process.argv.includes("--child")) {
  const module = { exports: {} };
  process.dlopen(module, library);
  const { symbols, drain, wrap, detach, reclaim, free } = module.exports;
  const into = new BigUint64Array(6);
  const one = new Float64Array([1.5]);
  const descriptor = new BigUint64Array(6);
  let sink = 0;
  const cases = {
    "bare Node-API function (drain)": () => sink += drain(),
    "export, no argument (zc_abi_version)": () => sink += symbols.zc_abi_version(),
    "export, lent Float64Array + length (zc_sum_f64)": () => sink += symbols.zc_sum_f64(one, 1),
    "generate 1 KiB + wrap + detach": () => {
      symbols.zc_generate_f64(128, descriptor);
      detach(wrap(descriptor));
    },
    "generate 1 KiB + wrap + reclaim + zc_release": () => {
      symbols.zc_generate_f64(128, descriptor);
      reclaim(wrap(descriptor), into);
      symbols.zc_release(into);
    },
    // What dispose does in Node since the entry has `free`: the two calls above in one.
    "generate 1 KiB + wrap + free": () => {
      symbols.zc_generate_f64(128, descriptor);
      free(wrap(descriptor));
    },
  };
  if (process.versions.bun) {
    // Bun's own FFI on the same library, for comparison (a computed specifier: Deno's checks never resolve it).
    const ffi = await import(["bun", "ffi"].join(":"));
    const direct = ffi.dlopen(library, {
      zc_abi_version: { args: [], returns: "u32" },
      zc_sum_f64: { args: ["ptr", "u32"], returns: "f64" },
    }).symbols;
    cases["bun:ffi, no argument (zc_abi_version)"] = () => sink += direct.zc_abi_version();
    cases["bun:ffi, Float64Array + length (zc_sum_f64)"] = () => sink += direct.zc_sum_f64(one, 1);
  }
  const results = {};
  for (const [name, run] of Object.entries(cases)) {
    const batch = name.startsWith("generate") ? 2_000 : 200_000;
    for (let i = 0; i < batch; i++) run(); // warm up
    const perRound = [];
    for (let round = 0; round < Number(rounds); round++) {
      globalThis.gc?.();
      const start = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) run();
      perRound.push(Number(process.hrtime.bigint() - start) / batch);
    }
    perRound.sort((a, b) => a - b);
    results[name] = perRound[Math.floor(perRound.length / 2)];
  }
  drain();
  console.log(JSON.stringify({ results, sink: sink > 0 }));
} else {
  const local = (tool) => existsSync(`.toolchain/bin/${tool}`) ? `.toolchain/bin/${tool}` : tool;
  const runtimes = [
    ["node", local("node"), ["--expose-gc"]],
    ["bun", local("bun"), []],
  ];
  // Alternating passes, each runtime in a process of its own, so both see the machine at the same moments.
  const passes = {};
  for (let pass = 0; pass < 3; pass++) {
    for (const [name, executable, flags] of runtimes) {
      const child = spawnSync(executable, [...flags, process.argv[1], "--child", library, rounds], {
        encoding: "utf8",
      });
      if (child.status !== 0) throw new Error(`${name} failed: ${child.stderr}`);
      const version = spawnSync(executable, ["--version"], { encoding: "utf8" }).stdout.trim();
      (passes[`${name} ${version}`] ??= []).push(JSON.parse(child.stdout).results);
    }
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const measured = {};
  for (const [label, results] of Object.entries(passes)) {
    measured[label] = Object.fromEntries(
      Object.keys(results[0]).map((name) => [name, median(results.map((r) => r[name]))]),
    );
  }
  console.log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, ${os.platform()} ${os.release()}`);
  console.log(
    `library: ${library}; median of 3 alternating passes of ${rounds} rounds, ns per call (× the bare Node-API call)`,
  );
  const labels = Object.keys(measured);
  const names = [...new Set(labels.flatMap((label) => Object.keys(measured[label])))];
  const floor = names[0];
  const width = Math.max(...names.map((n) => n.length));
  console.log(`${"".padEnd(width)}  ${labels.map((l) => l.padStart(22)).join("")}`);
  for (const name of names) {
    const cells = labels.map((label) => {
      const value = measured[label][name];
      if (value === undefined) return "—".padStart(22);
      return `${value.toFixed(1)} ns (${(value / measured[label][floor]).toFixed(2)}×)`.padStart(22);
    });
    console.log(`${name.padEnd(width)}  ${cells.join("")}`);
  }
}
