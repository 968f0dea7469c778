// Compiled, never run, by tools/check_portable.sh in a Node project with `@types/node` and no DOM
// library: the npm form's declarations must type-check as a Node user's TypeScript sees them.

import {
  type ForeignLibraryInterface,
  lend,
  type LoadedLibrary,
  openDemo,
  type PointerValue,
  Region,
  type ZeroCopyBuffer,
  ZeroCopyError,
} from "@zerocopy/zerocopy";
import { adoptBatch } from "@zerocopy/zerocopy/arrow";

const demo = await openDemo();
const buffer: ZeroCopyBuffer<"f64"> = demo.generate("f64", 4);
const sum: number = demo.bindings.zc_sum_f64(lend(new Float64Array(3)));
const region = Region.create(demo.library, 1024);
const batch = adoptBatch(demo.library, (out) => demo.library.symbols.zc_arrow_demo_batch(10n, 0, out));
const table = {
  twice: { parameters: ["u64", "buffer"], result: "pointer" },
} as const satisfies ForeignLibraryInterface;
const twice: LoadedLibrary<typeof table>["symbols"]["twice"] = (_count: bigint) => null as PointerValue;
console.log(buffer.view.length, sum, region.disposed, batch.table.numRows, ZeroCopyError.name, twice);
