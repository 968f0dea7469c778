/**
 * Uses the example Zig library through its generated bindings (bindings.ts,
 * written by `zig build bindings` from src/root.zig): no hand-written symbol table.
 *
 *     (cd examples/zig_author && zig build) && deno run --allow-ffi examples/zig_author/main.ts
 *
 * @module
 */

import { open } from "./bindings.ts";

/** Where `zig build` in examples/zig_author puts the library. */
export function framesLibraryPath(): string {
  const file = Deno.build.os === "windows"
    ? "frames.dll"
    : Deno.build.os === "darwin"
    ? "libframes.dylib"
    : "libframes.so";
  return new URL(`./zig-out/lib/${file}`, import.meta.url).pathname;
}

if (import.meta.main) {
  const frames = open(framesLibraryPath());

  {
    using frame = frames.make_frame(640, 480);
    const bottomRight = frame.view.subarray(frame.length - 4);
    console.log(`frame: ${frame.byteLength} bytes of RGBA from Zig; last pixel [${bottomRight.join(", ")}]`);
  }

  {
    using matrix = frames.make_matrix(3, 4);
    const rows = Array.from({ length: 3 }, (_, i) => Array.from(matrix.view.subarray(i * 4, i * 4 + 4)));
    console.log(`matrix 3x4 from Zig: ${JSON.stringify(rows)}`);
    console.log(`sum computed by Zig over the lent view: ${frames.sum_matrix(matrix.view)}`);
  }

  console.log(`live buffers in libframes after dispose: ${frames.library.stats().liveBuffers}`);
}
