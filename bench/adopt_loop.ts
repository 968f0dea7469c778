// The package's own handover in a tight loop: adopt 8 KB from Zig, read it through `view`, dispose it,
// 100,000 times a round, seven rounds; prints the median nanoseconds per handover. It runs unchanged in
// Deno, Node (type stripping) and Bun, and takes the checkout to import the package from, so that two
// checkouts can be timed alternately on one machine:
//
//   bun bench/adopt_loop.ts [checkout=.] [library=zig-out/lib/libzerocopy.so]
//   node bench/adopt_loop.ts ../base
//   deno run --allow-ffi --allow-read --allow-env bench/adopt_loop.ts
//
// Build the library first (`zig build --release=safe install`).

const runtime = globalThis as unknown as {
  Deno?: { args: string[]; cwd(): string };
  process?: { argv: string[]; cwd(): string };
};
const args = runtime.Deno?.args ?? runtime.process!.argv.slice(2);
const cwd = runtime.Deno?.cwd() ?? runtime.process!.cwd();
const absolute = (path: string) => path.startsWith("/") ? path : `${cwd}/${path}`;
const checkout = absolute(args[0] ?? ".").replace(/\/\.$/, "");
const library = absolute(args[1] ?? "zig-out/lib/libzerocopy.so");

const { openDemo } = await import(`${checkout}/mod.ts`);
const lib = (await openDemo({ path: library })).library;
const HANDOVERS = 100_000;

function round(): number {
  const start = performance.now();
  for (let i = 0; i < HANDOVERS; i++) {
    const buffer = lib.adopt("f64", (out: BigUint64Array) => lib.symbols.zc_generate_f64(1024n, out));
    buffer.view[0];
    buffer[Symbol.dispose]();
  }
  return ((performance.now() - start) * 1e6) / HANDOVERS;
}

round(); // warm-up
const rounds = Array.from({ length: 7 }, round).sort((a, b) => a - b);
console.log(`${checkout}: adopt + view + dispose of 8 KB, median ${rounds[3].toFixed(0)} ns per handover`);
