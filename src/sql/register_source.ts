/**
 * The Arrow batches of a registration, handed to Zig
 * (zig/zerocopy/sql/duckdb_scan.zig) as a source. An `ArrowBatch` of this
 * library is named by its descriptor: Zig reads the structs it keeps in its
 * own memory and holds the batch until the source goes, so disposing it
 * meanwhile frees it only then. Any other batch has its C Data structs lent
 * for one call, in which Zig checks and copies them, and the memory they point
 * at stays held here until the source is closed, lent as for a nonblocking
 * call (src/buffer/gate_nonblocking.ts) since DuckDB scans it on its own
 * threads while JavaScript runs on: memory Zig handed over (a table over an
 * `ArrowBatch`) is pinned, and JavaScript memory, which a `transfer()` or a
 * resize could free at any moment, is lent through a copy JavaScript cannot
 * reach.
 *
 * @module
 */

import type { RecordBatch } from "apache-arrow";
import type { Descriptor } from "../buffer/descriptor.ts";
import { ArrowBatch } from "../arrow/batch.ts";
import { ZeroCopyError } from "../errors.ts";
import { STATUS } from "../abi/layout.ts";
import type { ZeroCopyLibrary } from "../library/library.ts";
import type { sqlSymbols } from "../abi/symbols.ts";
import type { LoadedLibrary } from "../runtime/ffi_types.ts";
import { lendStructs, type LentStructs } from "../arrow/lend.ts";

type Symbols = LoadedLibrary<typeof sqlSymbols>["symbols"];

/** A source in Zig, and the lends that keep its memory. */
export interface RegisteredSource {
  readonly handle: bigint;
  readonly lent: LentStructs[];
  /** What the registration read from a stream and owns: disposed once the source is closed. */
  readonly owned: Disposable[];
  /** DuckDB has a view over it. */
  registered: boolean;
  closed: boolean;
}

/** A batch to register: one Zig handed over (held by Zig itself), or any apache-arrow batch (lent). */
export type SourcePart = ArrowBatch | RecordBatch;

/**
 * A Zig source over `batches`, their memory held.
 *
 * @throws {ZeroCopyError} what `lendBatch` throws for a batch it cannot lend;
 * `ARROW_INVALID` for batches of other columns than the first, or of none.
 */
export function sourceOf(lib: ZeroCopyLibrary, batches: readonly SourcePart[]): RegisteredSource {
  const source = emptySource(lib);
  try {
    batches.forEach((batch, i) => addPart(lib, source, batch, i));
  } catch (error) {
    closeSource(lib, source);
    throw error;
  }
  return source;
}

/** A Zig source of no batch yet: add batches with {@linkcode addPart}, close it with {@linkcode closeSource}. */
export function emptySource(lib: ZeroCopyLibrary): RegisteredSource {
  const out = new BigUint64Array(1);
  const status = (lib.symbols as unknown as Symbols).zc_sql_source_create(out);
  if (status !== STATUS.ok) throw new ZeroCopyError("OUT_OF_MEMORY", "Cannot make an Arrow source in Zig");
  return { handle: out[0], lent: [], owned: [], registered: false, closed: false };
}

/** Adds the `i`th batch to `source`; on a throw, the caller closes the source. */
export function addPart(lib: ZeroCopyLibrary, source: RegisteredSource, batch: SourcePart, i: number): void {
  const symbols = lib.symbols as unknown as Symbols;
  // A batch of this library's: Zig reads its own structs and holds the memory itself, whatever its size.
  if (
    batch instanceof ArrowBatch &&
    batch.withDescriptor((descriptor: Descriptor) =>
        symbols.zc_sql_source_add_batch(source.handle, descriptor)
      ) ===
      STATUS.ok
  ) return;
  const lent = lendStructs(
    lib,
    batch instanceof ArrowBatch ? batch.recordBatch : batch,
    "Connection.register",
    true,
  );
  source.lent.push(lent);
  if (symbols.zc_sql_source_add(source.handle, lent.schema, lent.array) !== STATUS.ok) {
    throw new ZeroCopyError(
      "ARROW_INVALID",
      `Connection.register: batch ${i} ${
        i === 0 ? "has no column" : "does not have the columns (names and types) of the first"
      }, or its layout does not fit together`,
    );
  }
}

/** Closes the source in Zig (if no unregistration did), then lets go of its memory; runs once. */
export function closeSource(lib: ZeroCopyLibrary, source: RegisteredSource): void {
  if (source.closed) return;
  source.closed = true;
  (lib.symbols as unknown as Symbols).zc_sql_source_close(source.handle);
  for (const lent of source.lent) lent.release();
  for (const item of source.owned) item[Symbol.dispose]();
}
