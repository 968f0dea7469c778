// Every misuse of the public API is a ZeroCopyError with a code and a fix, never a bare TypeError
// from deep inside: each exported function and constructor of mod.ts and arrow.ts is called with
// arguments of the wrong kind.

import { assertEquals, assertRejects, assertStringIncludes, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import {
  checkInteger,
  checkRecordLayouts,
  flushReleases,
  lendAs,
  Region,
  releaseBacklog,
  Ring,
  rowMajorStrides,
  startCall,
  StridedView,
  toFfiInteger,
  ZeroCopyBuffer,
  ZeroCopyError,
  type ZeroCopyErrorCode,
} from "../mod.ts";
import { RecordView } from "../mod.ts";
import { adoptBatch, importBatch, lendBatch, lendBatchArgument, lendTable, LentBatch } from "../arrow.ts";
import { lib } from "./_helpers.ts";

const WRONG: readonly unknown[] = [undefined, null, -1, "x", {}, [], 1.5];

function refused(run: () => unknown, code: ZeroCopyErrorCode = "INVALID_ARGUMENT", ...parts: string[]): void {
  const error = assertThrows(run, ZeroCopyError);
  assertEquals(error.code, code, error.message);
  for (const part of parts) assertStringIncludes(error.message, part);
}

const layout = { size: 4, align: 4, fields: { x: { offset: 0, type: "u32" } } } as const;

describe("misuse of the public API is a typed error", () => {
  it("the release thread's backlog asked of what is no library, or for a wait that is no number", () => {
    for (const value of WRONG) {
      refused(() => releaseBacklog(value as never), "INVALID_ARGUMENT", "releaseBacklog");
      refused(() => flushReleases(value as never), "INVALID_ARGUMENT", "flushReleases");
    }
    for (const wait of [-1, Number.NaN, "10" as never, null as never]) {
      refused(() => flushReleases(lib, wait), "INVALID_ARGUMENT", "milliseconds");
    }
    assertEquals(flushReleases(lib, 0).buffers >= 0, true);
  });

  it("new ZeroCopyBuffer(), whatever it is given", () => {
    const Constructor = ZeroCopyBuffer as unknown as new (...args: unknown[]) => unknown;
    refused(() => new Constructor(), "INVALID_ARGUMENT", "from a ZeroCopyLibrary");
    refused(() => new Constructor(null, null, "u8", new ArrayBuffer(8)), "INVALID_ARGUMENT");
  });

  it("a RecordView over something that is not a buffer, or a layout that is not one", () => {
    for (const wrong of WRONG) refused(() => new RecordView(wrong as never, layout), "INVALID_ARGUMENT");
    for (
      const bad of [
        null,
        { size: 0, align: 4, fields: {} },
        { size: 4, align: 4, fields: null },
        { size: 4, align: 4, fields: { x: { offset: 2, type: "u32" } } },
        { size: 4, align: 4, fields: { x: { offset: 0, type: "u128" } } },
      ]
    ) {
      const bytes = lib.allocate("u8", 8);
      refused(() => new RecordView(bytes, bad as never), "INVALID_ARGUMENT", "Invalid record layout");
      assertEquals(bytes.state, "disposed", "the view owned the buffer: a refused layout frees it");
    }
  });

  it("checkRecordLayouts with a symbol that is not one, or an answer that is not JSON", () => {
    for (const wrong of WRONG) refused(() => checkRecordLayouts(wrong as never, {}), "INVALID_ARGUMENT");
    refused(() => checkRecordLayouts(() => 0, null as never), "INVALID_ARGUMENT");
    refused(() => checkRecordLayouts(() => -1, {}), "LAYOUT_MISMATCH");
    refused(
      () => checkRecordLayouts((_buffer, length) => length === 0 ? 3 : 3, {}),
      "LAYOUT_MISMATCH",
      "not JSON",
    );
  });

  it("regions and rings given a callback or slot that is not one", () => {
    using region = Region.create(lib, 64);
    using ring = Ring.create(lib, "u8", { slots: 2, slotLength: 8 });
    for (const wrong of WRONG) {
      refused(() => region.adopt("u8", wrong as never), "INVALID_ARGUMENT", "not a function");
      refused(() => region.adoptBatch("u8", wrong as never), "INVALID_ARGUMENT");
      refused(() => ring.next(wrong as never), "INVALID_ARGUMENT");
    }
    refused(() => ring.release(undefined as never), "INVALID_ARGUMENT", "ring.next()");
    refused(() => ring.release(null as never), "INVALID_ARGUMENT");
  });

  it("shapes, strided views, integer checks and lendAs given the wrong kinds", () => {
    refused(() => rowMajorStrides(undefined as never), "INVALID_SHAPE");
    refused(() => rowMajorStrides([2, -1]), "INVALID_SHAPE");
    for (const wrong of WRONG) refused(() => new StridedView(wrong as never, [1]), "INVALID_ARGUMENT");
    refused(() => checkInteger(1, "u128" as never, "f", "n"), "INVALID_ELEMENT_TYPE", '"u128"');
    refused(() => toFfiInteger(1, "u8" as never, "f", "n"), "INVALID_ELEMENT_TYPE");
    refused(() => lendAs(new Uint8Array(2) as never, "x" as never, "f", "n"), "INVALID_ELEMENT_TYPE");
    refused(() => startCall(lib as never, undefined, [], [], false), "INVALID_ARGUMENT");
    refused(() => startCall("f", undefined, [], undefined as never, false), "INVALID_ARGUMENT");
  });

  it("the Arrow subpath's functions and constructors", () => {
    for (const wrong of WRONG) {
      refused(() => importBatch(wrong as never), "INVALID_ARGUMENT", "importBatch");
      refused(() => adoptBatch(wrong as never, () => 0), "INVALID_ARGUMENT", "adoptBatch");
      refused(() => lendTable(wrong as never, null as never, () => 0), "INVALID_ARGUMENT", "lendTable");
      refused(() => lendTable(lib, wrong as never, () => 0), "INVALID_ARGUMENT", "lendTable");
      refused(() => lendBatch(wrong as never, null as never, () => 0), "INVALID_ARGUMENT", "lendBatch");
      refused(() => new LentBatch(wrong as never), "INVALID_ARGUMENT", "lendBatchArgument");
      refused(() => lendBatchArgument(wrong as never, null as never, "f", "n"), "INVALID_ARGUMENT");
    }
    using batch = adoptBatch(lib, (out) => lib.symbols.zc_arrow_demo_batch(2n, 0, out));
    refused(() => batch.withDescriptor(null as never), "INVALID_ARGUMENT", "ArrowBatch.withDescriptor");
  });

  it("openLibrary and lib methods keep refusing with typed errors", async () => {
    for (const wrong of WRONG) {
      assertThrows(() => lib.allocate(wrong as never, 4), ZeroCopyError);
      refused(() => lib.adopt("u8", wrong as never));
    }
    await assertRejects(() => Promise.resolve().then(() => lib.receive(null as never)), ZeroCopyError);
  });
});
