/**
 * Apache Arrow tables over memory Zig handed over, with no copy, and
 * apache-arrow batches lent to Zig kernels: the Arrow C Data Interface, both
 * ways. A subpath of its own, so that only users of it depend on `apache-arrow`.
 *
 * Zig builds a record batch with `zerocopy.arrow.handOverBatch` and hands it
 * over as one buffer; {@linkcode adoptBatch} or {@linkcode importBatch} read it
 * as an apache-arrow `RecordBatch`/`Table` whose columns view that buffer, and
 * give it back exactly once when the {@linkcode ArrowBatch} is disposed.
 * {@linkcode lendBatch} passes a batch built in Deno to a Zig function as
 * `ArrowSchema` + `ArrowArray` for one call. Bindings generated for exports
 * that take `*zerocopy.arrow.RecordBatchOut` or a lent batch import the rest
 * ({@linkcode lendBatchArgument}, {@linkcode BatchArgument}). docs/arrow.md has the whole story.
 *
 * @example A table from Zig, filtered with apache-arrow
 * ```ts
 * import { openLibrary } from "@zerocopy/zerocopy";
 * import { adoptBatch } from "@zerocopy/zerocopy/arrow";
 *
 * const lib = await openLibrary();
 * using batch = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(100n, 0, out));
 * let positive = 0;
 * for (const value of batch.table.getChild("f64")!) if (value > 0) positive++;
 * console.log(positive); // 93
 * ```
 *
 * @module
 */

export { adoptBatch, ArrowBatch, importBatch } from "./src/arrow/batch.ts";
export { lendBatch, type LendOptions, lendTable } from "./src/arrow/lend.ts";
export { type BatchArgument, lendBatchArgument, LentBatch } from "./src/arrow/lent_batch.ts";
export { SUPPORTED_FORMATS } from "./src/arrow/c_data.ts";
export { adoptStream, ArrowStream, importStream } from "./src/arrow/stream.ts";
export { lendStream, type StreamSource } from "./src/arrow/lend_stream.ts";
