/**
 * The batch parameter of generated wrappers: an apache-arrow `RecordBatch` or
 * single-batch `Table`, lent to a Zig export that takes
 * `?*const zerocopy.arrow.ArrowSchema, ?*const zerocopy.arrow.ArrowArray`.
 *
 * @module
 */

import type { ForeignLibraryInterface } from "../runtime/ffi_types.ts";
import { RecordBatch, Table } from "apache-arrow";
import type { ZeroCopyLibrary } from "../library/library.ts";
import { checkLibraryArguments } from "../library/library_arguments.ts";
import { what } from "../buffer/gate.ts";
import { ZeroCopyError } from "../errors.ts";
import { isLentStructs, type LendOptions, lendStructs, type LentStructs } from "./lend.ts";

/**
 * What a generated wrapper takes for a batch parameter: a record batch, or a
 * table of exactly one batch.
 *
 * @example A table of one batch
 * ```ts
 * import type { BatchArgument } from "@zerocopy/zerocopy/arrow";
 * import { tableFromArrays } from "apache-arrow";
 *
 * const argument: BatchArgument = tableFromArrays({ x: new Float64Array([1, 2]) });
 * console.log(argument.numRows); // 2
 * ```
 */
export type BatchArgument = RecordBatch | Table;

/**
 * A batch lent as C Data structs until it is disposed: pass `schema` and
 * `array` to the export. Disposing zeroes the structs (their `release` becomes
 * null, the specification's mark of a released struct), so a pointer Zig
 * wrongly kept past the call reads a released struct, not stale buffers.
 *
 * @example Lend a batch for one raw call
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 * import { lendBatchArgument } from "@zerocopy/zerocopy/arrow";
 * import { tableFromArrays } from "apache-arrow";
 *
 * const lib = await openLibrary();
 * const out = new BigUint64Array(1);
 * using lent = lendBatchArgument(lib, tableFromArrays({ x: new Int32Array([1]) }), "zc_arrow_checksum", "batch");
 * console.log(lib.symbols.zc_arrow_checksum(lent.schema, lent.array, out)); // 0
 * ```
 */
export class LentBatch implements Disposable {
  /** The root `ArrowSchema`, for `?*const zerocopy.arrow.ArrowSchema`. */
  readonly schema: Uint8Array<ArrayBuffer>;
  /** The root `ArrowArray`, for `?*const zerocopy.arrow.ArrowArray`. */
  readonly array: Uint8Array<ArrayBuffer>;
  readonly #lent: LentStructs;

  /** @internal Use {@linkcode lendBatchArgument}. */
  constructor(lent: LentStructs) {
    // Only structs lendStructs wrote: their pointers were each made by the gate.
    if (!isLentStructs(lent)) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Cannot construct a LentBatch from ${what(lent)}: get one from lendBatchArgument(lib, batch)`,
      );
    }
    this.schema = lent.schema;
    this.array = lent.array;
    this.#lent = lent;
  }

  /** Marks the structs released; the batch itself stays the caller's. */
  [Symbol.dispose](): void {
    this.#lent.release();
  }
}

/**
 * Checks a batch argument and lends it as C Data structs: what generated
 * wrappers call for an export taking `?*const zerocopy.arrow.ArrowSchema,
 * ?*const zerocopy.arrow.ArrowArray`. The structs point at apache-arrow's own
 * buffers (see {@linkcode lendBatch}).
 *
 * @param lib The library whose function reads the batch.
 * @param batch A `RecordBatch`, or a `Table` of one batch.
 * @param call The function called, for messages.
 * @param name The parameter's name, for messages.
 * @param options `nonblocking: true` for a nonblocking export: what the
 * structs point at is then held until they are disposed (see {@linkcode lendBatch}).
 * @returns The lent structs; dispose them (`using`) after the call.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything else or a table of
 * another number of batches; `DETACHED` for a column whose memory is gone;
 * `ARROW_UNSUPPORTED` for a column type with no supported format.
 *
 * @example Lend a table's only batch
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 * import { lendBatchArgument } from "@zerocopy/zerocopy/arrow";
 * import { tableFromArrays } from "apache-arrow";
 *
 * const lib = await openLibrary();
 * using lent = lendBatchArgument(lib, tableFromArrays({ x: new Float32Array(3) }), "my_kernel", "batch");
 * console.log(lent.schema.byteLength, lent.array.byteLength); // 72 80
 * ```
 */
export function lendBatchArgument<S extends ForeignLibraryInterface>(
  lib: ZeroCopyLibrary<S>,
  batch: BatchArgument,
  call: string,
  name: string,
  options?: LendOptions,
): LentBatch {
  checkLibraryArguments(lib, undefined, "lendBatchArgument");
  const argument = `argument "${name}" of ${call}`;
  let record: RecordBatch;
  if (batch instanceof RecordBatch) {
    record = batch;
  } else if (batch instanceof Table) {
    if (batch.batches.length !== 1) {
      throw new ZeroCopyError(
        "INVALID_ARGUMENT",
        `Cannot lend ${argument}: a Table of ${batch.batches.length} batches, where Zig reads one; pass each of table.batches in turn`,
      );
    }
    record = batch.batches[0];
  } else {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Cannot lend ${argument}: ${
        what(batch)
      }, where an apache-arrow RecordBatch or Table is read (from the apache-arrow version zerocopy/arrow imports)`,
    );
  }
  return new LentBatch(
    lendStructs(lib, record, `${call} (argument "${name}")`, options?.nonblocking === true),
  );
}
