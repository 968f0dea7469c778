// Run against zig-out/checked/libzerocopy.so (ZEROCOPY_LIB): frees one
// allocation twice behind zerocopy's back, as a bug in the TypeScript side
// would. The checked build must abort the process at the second free; the
// plain build would corrupt the heap silently. tools/check.sh expects the abort.

import { openLibrary } from "../../mod.ts";

const lib = await openLibrary();
const copy = new BigUint64Array(6);
const buffer = lib.adopt("u8", (out) => {
  const status = lib.symbols.zc_allocate(2, 64n, out);
  copy.set(out); // a second owner of the same memory: exactly what must never exist
  return status;
});
buffer[Symbol.dispose]();
lib.symbols.zc_release(copy);
console.log("the second free went unnoticed");
