// Run against zig-out/checked/libzerocopy.so (ZEROCOPY_LIB): a hook of the
// test-hooks library beside it frees a region and reads it again, as a stale
// owner would. The checked build makes freed memory inaccessible, so the read
// must kill the process with SIGSEGV at once; the plain build reads whatever
// the allocator left there. tools/check_use_after_free.sh expects the fault.

import { libraryFileName, openLibrary } from "../../mod.ts";
import { testHooksSymbols } from "../fixtures/test_hooks.ts";

const path = Deno.env.get("ZEROCOPY_LIB");
if (!path) throw new Error("set ZEROCOPY_LIB to the library under test");
const hooks = await openLibrary({
  path: path.replace(libraryFileName(), libraryFileName("test_hooks")),
  symbols: testHooksSymbols,
});
const byte = hooks.symbols.zc_read_after_free();
console.log(`the read after free went unnoticed and read 0x${byte.toString(16)}`);
