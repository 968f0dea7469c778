// Adoption of C Data structs a test's producer filled in memory the test holds, through the test hooks'
// zc_arrow_foreign_adopt: the product adopts only structs in Zig's own memory (query results, streams),
// so this lives with the tests, beside the hooks library that exports it.

import { ZeroCopyError } from "../mod.ts";
import type { ForeignLibraryInterface, ZeroCopyLibrary } from "../mod.ts";
import { adoptChunk, type ForeignBatch } from "../src/arrow/foreign_batch.ts";
import { DESCRIPTOR_WORDS } from "../src/buffer/descriptor.ts";

interface AdoptSymbols {
  zc_arrow_foreign_adopt(
    schema: Uint8Array,
    array: Uint8Array,
    directory: Uint8Array,
    directoryLength: bigint,
    buffers: BigUint64Array,
    buffersLength: bigint,
  ): number;
  zc_arrow_foreign_release(schema: Uint8Array | null, array: Uint8Array | null): void;
}

/**
 * Adopts the foreign array in `array` (described by `schema`) through `lib`, a library with the test
 * hooks: from here on the buffers own it and `array` is left released. A refused array is released
 * through its producer before the error is thrown; `schema` stays the caller's.
 */
export function adoptForeign<S extends ForeignLibraryInterface>(
  lib: ZeroCopyLibrary<S>,
  schema: Uint8Array<ArrayBuffer>,
  array: Uint8Array<ArrayBuffer>,
): ForeignBatch {
  const symbols = lib.symbols as unknown as AdoptSymbols;
  const adopted = adoptChunk(
    lib as unknown as ZeroCopyLibrary,
    (directory, slots) =>
      symbols.zc_arrow_foreign_adopt(
        schema,
        array,
        directory,
        BigInt(directory.length),
        slots,
        BigInt(slots.length / DESCRIPTOR_WORDS),
      ),
    () => symbols.zc_arrow_foreign_release(null, array),
  );
  if (adopted === null) throw new ZeroCopyError("ARROW_INVALID", "the adopted array's directory has no node");
  return adopted;
}
