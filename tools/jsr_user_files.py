#!/usr/bin/env python3
"""Writes the fresh project tools/check_jsr_package.sh runs as a JSR user would.

  tools/jsr_user_files.py PACKAGE PROJECT_DIR     PACKAGE: jsr:@zerocopy/zerocopy@<version>
  tools/jsr_user_files.py --author PACKAGE PROJECT_DIR   author.ts for examples/zig_author's package

A Zig library from nothing is docs/authors.md, replayed by tools/replay_guide.py.

readme.ts  the README's first example ("Quick start" section), as pasted, pinned to PACKAGE
main.ts    opens the library with no path, hands a buffer over, writes it, disposes it, checks the
           counters, prints "ok <path it loaded>"
tampered.ts expects HASH_MISMATCH and checks the refused file is not mapped into the process
"""
import os, re, sys

if sys.argv[1] == "--author":
    # A Zig author's package (examples/zig_author): its three kinds of function, with no Zig.
    package, project = sys.argv[2:]
    open(f"{project}/author.ts", "w").write(f'''import {{ open }} from "{package}";

const examples = await open();
{{
  using frame = examples.make_frame(64, 48); // handed over: a Uint8Array over Zig's memory
  using matrix = examples.make_matrix(3, 4); // an ArrayList handed over as is
  const sum = examples.sum_f32(new Float32Array([1, 2, 3.5])); // lent, no copy
  if (frame.view.length !== 64 * 48 * 4 || matrix.view[11] !== 11 || sum !== 6.5) throw new Error("wrong results");
}}
const {{ liveBuffers }} = examples.library.stats();
if (liveBuffers !== 0) throw new Error(`${{liveBuffers}} buffers left`);
console.log(`ok ${{examples.library.path}} (${{examples.library.source}})`);
''')
    sys.exit(0)

package, project = sys.argv[1:]
readme = open("README.md").read()
section = readme[readme.index("## Quick start"):]
example = re.search(r"```ts\n(.*?)```", section, re.S)[1]
if '"jsr:@zerocopy/zerocopy"' not in example:
    sys.exit("jsr_user_files: the README's JSR example does not import \"jsr:@zerocopy/zerocopy\"")
open(f"{project}/readme.ts", "w").write(example.replace('"jsr:@zerocopy/zerocopy"', f'"{package}"'))

open(f"{project}/main.ts", "w").write(f'''import {{ openLibrary }} from "{package}";

const lib = await openLibrary();
const length = 1 << 20;
{{
  using numbers = lib.allocate("u32", length); // handed over by Zig's zc_allocate
  for (let i = 0; i < length; i += 4096) numbers.view[i] = i;
  if (numbers.view[4096] !== 4096 || lib.stats().liveBuffers !== 1) throw new Error("not handed over");
}}
const stats = lib.stats();
if (stats.liveBuffers !== 0 || stats.totalReleased !== 1) throw new Error(`not freed: ${{JSON.stringify(stats)}}`);
console.log(`ok ${{lib.path}} (${{lib.source}})`);
''')

open(f"{project}/tampered.ts", "w").write(f'''import {{ openLibrary, ZeroCopyError }} from "{package}";

try {{
  await openLibrary();
  console.log("loaded a tampered library");
}} catch (error) {{
  if (!(error instanceof ZeroCopyError) || error.code !== "HASH_MISMATCH") throw error;
  // The refused file must not be mapped into this process.
  // The cache keeps it under zerocopy/<sha256>/; other paths may contain "zerocopy" too.
  const mapped = /[/]zerocopy[/][0-9a-f]{{64}}[/]/.test(Deno.readTextFileSync("/proc/self/maps"));
  console.log(mapped ? "HASH_MISMATCH, but the file is mapped" : `HASH_MISMATCH, not loaded: ${{error.message}}`);
}}
''')
