/**
 * Deno's half of the pyarrow round trips of tools/arrow_pyarrow_types_check.py
 * (run by tools/check_arrow_pyarrow.sh):
 *
 *   write <dir> <rows>: imports Zig's types batch (zc_arrow_demo_types, with
 *     nulls and sliced) with `adoptBatch` and writes what apache-arrow read as an
 *     IPC stream, `<dir>/zig.arrows`, for pyarrow to compare with the formulas;
 *   read <dir>: reads `<dir>/pyarrow.arrows` (every type pyarrow builds) with
 *     apache-arrow, lends each batch to zc_arrow_checksum, and requires the
 *     checksums pyarrow computed over its own values (`<dir>/pyarrow.json`).
 *
 * Usage: deno run --allow-ffi --allow-read --allow-write tools/arrow_pyarrow_deno.ts write|read <dir> [rows]
 *
 * @module
 */

import { tableFromIPC, tableToIPC } from "apache-arrow";
import { openLibrary } from "../mod.ts";
import { adoptBatch, lendBatch } from "../arrow.ts";
import { arrowDemoSymbols, cDataSymbols } from "../src/abi/symbols.ts";

const [mode, dir, rows = "2000"] = Deno.args;
const lib = await openLibrary({
  path: new URL("../zig-out/lib/libzerocopy.so", import.meta.url),
  symbols: { ...arrowDemoSymbols, ...cDataSymbols },
});

if (mode === "write") {
  const WITH_NULLS_SLICED = 3;
  using batch = adoptBatch(
    lib,
    (out) => lib.symbols.zc_arrow_demo_types(BigInt(rows), WITH_NULLS_SLICED, out),
  );
  await Deno.writeFile(`${dir}/zig.arrows`, tableToIPC(batch.table, "stream"));
  console.log(`Deno: Zig's types batch of ${rows} rows imported and written for pyarrow`);
} else if (mode === "read") {
  const table = tableFromIPC(await Deno.readFile(`${dir}/pyarrow.arrows`));
  const expected: string[] = JSON.parse(await Deno.readTextFile(`${dir}/pyarrow.json`));
  if (table.batches.length !== expected.length) {
    throw new Error(`${table.batches.length} batches read, ${expected.length} checksums expected`);
  }
  table.batches.forEach((batch, i) => {
    const out = new BigUint64Array(1);
    const status = lendBatch(lib, batch, (s, a) => lib.symbols.zc_arrow_checksum(s, a, out));
    if (status !== 0 || String(out[0]) !== expected[i]) {
      throw new Error(
        `batch ${i}: status ${status}, checksum ${out[0]} where pyarrow computed ${expected[i]}`,
      );
    }
  });
  console.log(
    `Deno: ${table.batches.length} pyarrow batches of ${table.numCols} columns lent to Zig with pyarrow's checksums`,
  );
} else {
  throw new Error("usage: arrow_pyarrow_deno.ts write|read <dir> [rows]");
}
