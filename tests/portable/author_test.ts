// A Zig author's library (examples/zig_author) called through its generated bindings, unchanged in the
// three runtimes: Deno reads the checkout's copy, Node and Bun a copy tools/check_portable.sh made that
// imports the installed package, as the author's own npm package would.

import type * as Bindings from "../../examples/zig_author/bindings.ts";
import { equal, liveAfterCollection, runtimeName, settledStats, test, throwsCode } from "./_harness.ts";

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
const bindings: typeof Bindings = runtimeName === "deno"
  ? await import("../../examples/zig_author/bindings.ts")
  : await import("./_author_bindings.ts" as string);
const path = runtimeName === "deno"
  ? new URL("../../examples/zig_author/zig-out/lib/libusecases.so", import.meta.url).pathname
  : env!.ZEROCOPY_AUTHOR_LIB!;
const frames = await bindings.open(path);

test(`${runtimeName}: an author's export hands over a frame read in place`, () => {
  const frame = frames.make_frame(4, 3);
  equal(frame.length, 4 * 3 * 4);
  equal(Array.from(frame.view.subarray(44, 48)), [255, 255, 0x80, 0xff]);
  frame[Symbol.dispose]();
});

test(`${runtimeName}: an author's export sums a lent view of a matrix it handed over`, () => {
  const matrix = frames.make_matrix(10, 10);
  equal(matrix.view[99], 99);
  equal(frames.sum_matrix(matrix.view), 4950);
  matrix[Symbol.dispose]();
});

test(`${runtimeName}: an author's wrapper refuses another element type before the call`, () => {
  for (const wrong of [new Uint8Array(800), new Int8Array(800), new DataView(new ArrayBuffer(800))]) {
    throwsCode(() => frames.sum_matrix(wrong as never), "INVALID_ELEMENT_TYPE");
  }
});

test(`${runtimeName}: an author's library frees each buffer once`, async () => {
  const before = await settledStats(() => frames.library.stats());
  frames.make_frame(8, 8)[Symbol.dispose]();
  equal(await liveAfterCollection(() => frames.library.stats(), before.liveBuffers), before.liveBuffers);
  equal(frames.library.stats().totalReleased, before.totalReleased + 1);
});
