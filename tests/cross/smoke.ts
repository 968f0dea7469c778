// The smoke test `deno task cross` runs under emulation (qemu-user for aarch64 Linux, wine for
// Windows) against a prebuilt library: open it, hand a buffer over, write and read it from both
// sides, dispose it, and check the counters are back to zero. Prints one "ok" line.
//   ZEROCOPY_LIB=lib/linux-aarch64/libzerocopy.so deno run --allow-ffi --allow-env=ZEROCOPY_LIB tests/cross/smoke.ts

import { openLibrary } from "../../mod.ts";

const lib = await openLibrary();
const length = 1 << 20;
{
  using numbers = lib.allocate("u32", length);
  for (let i = 0; i < length; i++) numbers.view[i] = i * 3;
  if (numbers.view[length - 1] !== (length - 1) * 3) {
    throw new Error("the view does not hold what was written");
  }
  const live = lib.stats();
  if (live.liveBuffers !== 1 || live.liveBytes !== length * 4) {
    throw new Error(`unexpected live counters ${JSON.stringify(live)}`);
  }
}
const after = lib.stats();
if (after.liveBuffers !== 0 || after.totalReleased !== 1) {
  throw new Error(`not freed: ${JSON.stringify(after)}`);
}
console.log(
  `ok ${Deno.build.os}-${Deno.build.arch} abi ${lib.abiVersion} mapping ${lib.mapping} ${lib.path}`,
);
