/**
 * What tools/check_doc_commands.ts does with each command the docs give: run it as written, run it on
 * smaller sizes, count it as covered by a named step of tools/check.sh, or skip it in CI with the reason.
 *
 * @module
 */

/** What to do with one documented command. */
export type Rule =
  | { run: true; expect?: RegExp; status?: number }
  | { run: string; why: string; expect?: RegExp; status?: number }
  | { covered: string }
  | { skip: string };

const ZIG_AUTHOR_DEBUG = "zig build --build-file examples/zig_author/build.zig";
const PHASE_ONE = "phase 1 of tools/check.sh builds libzerocopy and the fixtures from the same sources " +
  "(ReleaseSafe, stripped, for the host's prebuilt target): a second LLVM build would cost a minute";
const BENCH = "a benchmark: it needs the ReleaseFast bench library (`zig build bench-lib`, LLVM, tens of " +
  "CPU seconds), and timings do not belong in the checks (DEVELOPERS.md); `deno task bench` runs it";
const SIZES = "the same program on small sizes, to keep the step within its time";
const HYGIENE = (step: string) => `tools/check.sh runs exactly this as its step "${step}"`;

/** Every documented command, by its text as the doc writes it (whitespace collapsed). */
export const RULES: Record<string, Rule> = {
  // The walkthrough and the examples.
  "./tools/demo.sh": { run: true, expect: /done: 0 buffers live/ },
  "./tools/demo.sh --build": { covered: `${PHASE_ONE}; the walkthrough then runs as "examples/demo.ts"` },
  "deno run --allow-ffi examples/demo.ts": { run: true, expect: /done: 0 buffers live/ },
  "zig build --release=safe": { covered: PHASE_ONE },
  "zig build --build-file examples/zig_author/build.zig --release=safe": {
    run: ZIG_AUTHOR_DEBUG,
    why: "phase 1 builds the example library in Debug (seconds, cached); ReleaseSafe takes ~25 s of LLVM",
  },
  "zig build --build-file examples/zig_author/build.zig": { run: true },
  "deno run --allow-ffi examples/zig_author/main.ts": {
    run: true,
    expect: /live buffers in the example library after dispose: 0/,
  },
  "deno run --allow-ffi examples/progress.ts [megabytes=1024] [pause-us-per-64KiB=0] [abort-after-ms]": {
    run: "deno run --allow-ffi examples/progress.ts 64 500 50",
    why: "cancelled after 50 ms, as Ctrl-C would: the header says a cancelled run exits 130",
    status: 130,
    expect: /cancelled: [^]*live buffers 0, live bytes 0/,
  },
  "deno run --allow-ffi examples/progress.ts 256": {
    run: "deno run --allow-ffi examples/progress.ts 16",
    why: SIZES,
    expect: /done in [^]*live buffers 0, live bytes 0/,
  },
  "deno run --allow-ffi --allow-read=mod.ts,src,examples examples/workers.ts [floats]": {
    run: "deno run --allow-ffi --allow-read=mod.ts,src,examples examples/workers.ts 10000",
    why: SIZES,
    expect: /transfer: the worker summed 10000 floats/,
  },
  "deno run --allow-ffi --allow-read=mod.ts,src,examples examples/workers.ts": {
    run: true,
    expect: /moved view: the worker summed 1048576 floats/,
  },
  "deno run --allow-ffi --allow-write examples/frames.ts [width] [height] [out-dir] [frames]": {
    run: "deno run --allow-ffi --allow-write examples/frames.ts 320 240 $TMP/new/out/ 12",
    why: "small frames into a directory that does not exist yet (the example creates it)",
    expect: /wrote .*new\/out\/\{frame\.ppm/,
  },
  "deno run --allow-ffi --allow-write examples/frames.ts 1920 1080 out/": {
    run: "deno run --allow-ffi --allow-write examples/frames.ts 1920 1080 $TMP/out/ 4",
    why: "the out/ of a temporary directory, not the checkout's; 4 frames streamed instead of 120",
    expect: /1920x1080 frame: made, grayscaled and blurred/,
  },
  "deno run --allow-ffi examples/matrix.ts [n]": {
    run: "deno run --allow-ffi examples/matrix.ts 64",
    why: SIZES,
  },
  "deno run --allow-ffi examples/matrix.ts 256": {
    run: "deno run --allow-ffi examples/matrix.ts 32",
    why: SIZES,
  },
  "deno run --allow-ffi examples/mesh.ts [n]": {
    run: "deno run --allow-ffi examples/mesh.ts 64",
    why: SIZES,
  },
  "deno run --allow-ffi examples/mesh.ts 512": { run: true },
  "deno run --allow-ffi examples/dataset.ts [rows] [features] [batch] [epochs]": {
    run: "deno run --allow-ffi examples/dataset.ts 10000 16 256 2",
    why: SIZES,
  },
  "deno run --allow-ffi examples/dataset.ts 100000 64 1024": {
    run: "deno run --allow-ffi examples/dataset.ts 10000 64 1024",
    why: SIZES,
  },
  "deno run --allow-ffi --allow-net=127.0.0.1 examples/network.ts [records]": {
    run: "deno run --allow-ffi --allow-net=127.0.0.1 examples/network.ts 5000",
    why: SIZES,
  },
  "deno run --allow-ffi --allow-net=127.0.0.1 examples/network.ts": {
    run: "deno run --allow-ffi --allow-net=127.0.0.1 examples/network.ts 20000",
    why: SIZES,
  },
  "deno run --allow-ffi examples/arrow_sensors.ts [rows]": {
    run: "deno run --allow-ffi examples/arrow_sensors.ts 20000",
    why: SIZES,
  },
  "deno run --allow-ffi --allow-read --allow-env examples/sql_sensors.ts [rows]": {
    run: "deno run --allow-ffi --allow-read --allow-env examples/sql_sensors.ts 20000",
    why: SIZES,
  },
  "deno run --allow-ffi examples/arrow_sensors.ts 1000000": {
    run: "deno run --allow-ffi examples/arrow_sensors.ts 50000",
    why: SIZES,
  },
  "deno test --doc --allow-ffi --allow-read README.md": { covered: "the code-block run of this script" },
  "deno run --allow-ffi=<path to the library> your_script.ts": {
    skip: "a template: the path and script are yours",
  },
  // The quick start's flags, and the authors' guide: with a registry and a fresh project.
  "deno run --allow-ffi --allow-net=jsr.io --allow-env=DENO_DIR,XDG_CACHE_HOME,HOME,ZEROCOPY_LIB --allow-read=$HOME/.cache/deno/zerocopy --allow-write=$HOME/.cache/deno/zerocopy main.ts":
    {
      covered:
        "tools/check_jsr_package.sh runs the README's first example with these flags from a local registry",
    },
  "zig fetch --save ../zerocopy/lib/zerocopy-zig-0.4.0.tar.gz": {
    covered:
      "tools/check_jsr_package.sh runs docs/authors.md's local zig fetch --save line in a new Zig project",
  },
  "zig build package": {
    covered: "tools/check_jsr_package.sh runs it on examples/zig_author and the guide's project",
  },
  "cd zig-out/package && deno publish": {
    skip: "publishing to jsr.io: CI has no account, and must not publish",
  },
  "zig init": { covered: "tools/check_jsr_package.sh replays docs/authors.md from zig init" },
  "zig fetch": { covered: "tools/check_jsr_package.sh fetches the source tarball from a local registry" },
  "zig fetch --save": { covered: "tools/check_jsr_package.sh replays docs/authors.md's zig fetch --save" },
  "zig build bindings": { covered: "tools/check_bindings.sh runs it and fails on any difference" },
  "zig build bindings-check": { covered: "tools/check_bindings.sh and tools/check_async.sh run it" },
  // Long runs, on small sizes.
  // Node and Bun (docs/runtimes.md, README.md).
  "deno task npm-pack": { covered: "npm pack" },
  "deno types": { covered: "npm pack" },
  "npm install @zerocopy/zerocopy@file:dist/zerocopy-zerocopy-0.4.0.tgz": {
    covered: "portable suite (node, npm tarball)",
  },
  "./tools/check_portable.sh node": { covered: "portable suite (node, npm tarball)" },
  "./tools/check_portable.sh bun": { covered: "portable suite (bun, npm tarball)" },
  "ZEROCOPY_ADBC_SQLITE=$PWD/.toolchain/adbc-drivers-1.13.0/libadbc_driver_sqlite.so deno test --v8-flags=--expose-gc --allow-ffi --allow-env=ZEROCOPY_LIB,ZEROCOPY_ADBC_SQLITE --allow-read=mod.ts,arrow.ts,sql.ts,src,tests,examples,.toolchain tests/portable/":
    { covered: "portable suite (deno)" },
  "./tools/check_examples_runtimes.sh node": { covered: "examples (node, npm tarball)" },
  "./tools/check_examples_runtimes.sh bun": { covered: "examples (bun, npm tarball)" },
  "npx jsr add @zerocopy/zerocopy": {
    skip: "needs the public JSR registry; tools/check_portable.sh installs the same npm form from dist/",
  },
  "node main.mjs": { covered: "portable suite (node, npm tarball)" },
  "bun main.mjs": { covered: "portable suite (bun, npm tarball)" },
  "node sql.mjs": { covered: "portable suite (node, npm tarball)" },
  "bun sql.mjs": { covered: "portable suite (bun, npm tarball)" },
  "deno task soak": {
    run: "deno run --allow-ffi --v8-flags=--expose-gc bench/soak.ts 2000",
    why: "the task's command with 2,000 handovers instead of 1,000,000",
  },
  "deno task property": {
    covered: 'tools/check.sh runs the same suite with 500 and 300 runs ("property tests" steps)',
  },
  "deno run --allow-ffi --allow-read --allow-run bench/startup.ts": {
    run: "deno run --allow-ffi --allow-read --allow-run bench/startup.ts 2",
    why: "2 processes per mapping instead of 15",
    expect: /node-api: openLibrary\(\)/,
  },
  "deno task bench": { skip: BENCH },
  "./bench/run.sh --smoke": { skip: BENCH },
  "deno run --allow-ffi --allow-read --allow-env bench/dispose_bench.ts": { skip: BENCH },
  "deno run -A bench/sql_bench.ts --write 10000000": { skip: BENCH },
  "./tools/postgres.sh deno run -A bench/adbc_ingest_bench.ts --write 1000000": {
    skip: "a benchmark against a PostgreSQL server, and timings do not belong in the checks; " +
      'tools/check.sh runs it with --smoke as its step "bench: PostgreSQL ingest (smoke)"',
  },
  "deno run --allow-ffi --allow-read --allow-run --allow-env bench/async_bench.ts 1024": { skip: BENCH },
  "zig build bench-lib": { skip: BENCH },
  "deno run --allow-ffi --allow-read --allow-run bench/arrow_bench.ts": { skip: BENCH },
  "deno run --allow-ffi --allow-read --allow-env --allow-run bench/regression.ts ../base 8": {
    skip: "a benchmark against another checkout, which CI does not have; timings do not belong in the checks",
  },
  "deno run --allow-ffi --allow-read --allow-run bench/arrow_lend_bench.ts": {
    run: "deno run --allow-ffi --allow-read --allow-run bench/arrow_lend_bench.ts --smoke",
    why: SIZES,
    expect: /utf8, 1,000 rows/,
  },
  "zig build bench-lib && deno bench --allow-ffi --allow-read bench/": { skip: BENCH },
  "deno bench --allow-ffi bench/simd_bench.ts": { skip: BENCH },
  "deno run --allow-read --allow-write --allow-run bench/report.ts --docs": {
    covered: 'tools/check.sh runs bench/report.ts --check-docs ("benchmark docs match results")',
  },
  "zig build --release=fast": { skip: BENCH },
  // The developers' commands: tools/check.sh runs each as a step of its own.
  "./tools/check.sh": { skip: "this script is one of its steps" },
  "deno task cross": {
    skip:
      "needs qemu-aarch64-static and arm64's C library, which CI does not install; its Windows half finds Deno blocked under Wine 8",
  },
  "deno task windows": {
    covered:
      'its API tests, as the "portable sample (node, windows, wine)" step (tools/check_windows.sh --sample); the whole suite, with a library cross-built for Windows, is the task',
  },
  "deno task dist-check": {
    covered:
      "tools/check.sh rebuilds the host's library (zig build dist-check -Ddist-targets=<host>); all six take minutes",
  },
  "zig build dist": {
    skip: "rewrites the committed lib/ and manifest: a release step, compared by dist-check",
  },
  "zig build dist-check -Ddist-targets=<host>": { covered: HYGIENE("prebuilt libraries fresh (host)") },
  "deno task zig-test-release": {
    covered: 'tools/check.sh runs the Zig tests in Debug and checked ("zig test")',
  },
  "zig build": { covered: PHASE_ONE },
  "zig build test": { covered: HYGIENE("zig test (Debug)") },
  "zig build fuzz": { covered: 'tools/check.sh runs it for 10 s ("arrow import fuzz (10 s)")' },
  "zig build fuzz -Dfuzz-seconds=10": { covered: HYGIENE("arrow import fuzz (10 s)") },
  "zig build test -Dchecked=true": { covered: HYGIENE("zig test (checked)") },
  "zig build checked-lib": { covered: HYGIENE("zig build (checked)") },
  "zig build --release=safe checked-lib": { covered: HYGIENE("zig build (checked)") },
  "zig build ... checked-lib": { covered: HYGIENE("zig build (checked)") },
  "zig build --release=safe -Dstrip=true -Dtarget=<host's prebuilt target> -Dtest-libs-optimize=Debug install fixtures":
    { covered: HYGIENE("zig build") },
  "zig fmt --check": { covered: HYGIENE("zig fmt") },
  "zig fmt --check build.zig build.zig.zon zig examples bench/zig tools/cross": {
    covered: HYGIENE("zig fmt"),
  },
  "deno fmt": { skip: "rewrites files; tools/check.sh runs deno fmt --check" },
  "deno fmt --check": { covered: HYGIENE("deno fmt") },
  "deno lint": { covered: HYGIENE("deno lint") },
  "deno check": { covered: HYGIENE("deno check") },
  "deno check mod.ts arrow.ts src examples tests bench": { covered: HYGIENE("deno check") },
  "deno check --doc-only README.md docs/*.md": { covered: HYGIENE("README and docs code blocks") },
  "deno doc --lint mod.ts arrow.ts sql.ts": { covered: HYGIENE("deno doc --lint") },
  "deno publish --dry-run": { covered: HYGIENE("deno publish --dry-run") },
  "deno test": { covered: "tools/check.sh's deno test steps" },
  "deno test --doc": { covered: HYGIENE("deno test --doc") },
  ". tools/toolchain.sh": { run: true },
  ". tools/toolchain.sh && deno_with_registry task NAME": {
    skip: "a template: NAME is one of the tasks docs/reliability.md lists, each of which has its own rule",
  },
  "zig build --release=safe install fixtures": { covered: PHASE_ONE },
  "zig build --release=safe install": { covered: PHASE_ONE },
  "deno_with_registry test --allow-ffi --allow-env=ZEROCOPY_LIB,ZEROCOPY_MAPPING --allow-read=mod.ts,arrow.ts,src,tests tests/*_test.ts":
    {
      run:
        "deno_with_registry test --no-check --allow-ffi --allow-env=ZEROCOPY_LIB,ZEROCOPY_MAPPING --allow-read=mod.ts,arrow.ts,src,tests tests/progress_bar_test.ts",
      why: "one file of the suite (tools/check.sh runs them all, type-checked by its deno check step)",
      expect: /ok \| 1 passed/,
    },
  // The SQL subpath through ADBC drivers (docs/sql.md).
  "./tools/adbc_drivers.sh": { covered: HYGIENE("ADBC drivers (pinned)") },
  "python3 tools/adbc_driver_wheels.py": {
    skip:
      "regenerates the pinned wheel table from PyPI (network, ~25 MB of wheels); tests/remote/driver_download_test.ts checks the committed table's shape and that its linux-x86_64 SQLite driver is the one tools/adbc_drivers.sh installed",
  },
  "./tools/postgres.sh deno test --allow-ffi --allow-env --allow-read tests/sql_adbc/": {
    covered:
      'tools/check.sh\'s steps "deno test (ADBC, node-api)", "(ADBC, pointer-view)" and "(ADBC, checked)", one server for the three',
  },
  "./tools/check_sql_adbc_peer.sh": { covered: HYGIENE("ADBC drivers peer (duckdb, pyarrow)") },
};
