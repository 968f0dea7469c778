/**
 * The smallest use of the example library through its generated bindings
 * (bindings.ts, written by `zig build bindings` from src/root.zig).
 *
 *     zig build --build-file examples/zig_author/build.zig --release=safe   # once: the example library
 *     deno run --allow-ffi examples/zig_author/main.ts
 *
 * @module
 */

import { openExamples } from "./library.ts";

const examples = await openExamples();
{
  using frame = examples.make_frame(640, 480);
  const bottomRight = frame.view.subarray(frame.length - 4);
  console.log(`frame: ${frame.byteLength} bytes of RGBA from Zig; last pixel [${bottomRight.join(", ")}]`);
}
{
  using matrix = examples.make_matrix(3, 4);
  const rows = Array.from({ length: 3 }, (_, i) => Array.from(matrix.view.subarray(i * 4, i * 4 + 4)));
  console.log(`matrix 3x4 from Zig: ${JSON.stringify(rows)}`);
  console.log(`sum computed by Zig over the lent view: ${examples.sum_matrix(matrix.view)}`);
}
console.log(`live buffers in the example library after dispose: ${examples.library.stats().liveBuffers}`);
