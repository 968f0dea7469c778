/**
 * Binds the example Zig library (build it first: `zig build` in this folder)
 * with zerocopy's TypeScript API, and uses its exports without copying.
 *
 *     deno run --allow-ffi examples/zig_author/main.ts
 *
 * @module
 */

import { lend, openLibrary } from "../../mod.ts";

/** The example library's own exports, each parameter with its Zig type. */
export const framesSymbols = {
  /** `fn (width: u32, height: u32, out: ?*zerocopy.Buffer) zerocopy.Status` */
  make_frame: { parameters: ["u32", "u32", "buffer"], result: "i32" },
  /** `fn (rows: u32, cols: u32, out: ?*zerocopy.Buffer) zerocopy.Status` */
  make_matrix: { parameters: ["u32", "u32", "buffer"], result: "i32" },
  /** `fn (values: ?[*]const f64, len: u32) f64` */
  sum_matrix: { parameters: ["buffer", "u32"], result: "f64" },
} as const satisfies Deno.ForeignLibraryInterface;

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
  const lib = openLibrary({ path: framesLibraryPath(), symbols: framesSymbols });

  {
    using frame = lib.take("u8", (out) => lib.symbols.make_frame(640, 480, out));
    const bottomRight = frame.view.subarray(frame.length - 4);
    console.log(`frame: ${frame.byteLength} bytes of RGBA from Zig; last pixel [${bottomRight.join(", ")}]`);
  }

  {
    using matrix = lib.take("f64", (out) => lib.symbols.make_matrix(3, 4, out));
    const rows = Array.from({ length: 3 }, (_, i) => Array.from(matrix.view.subarray(i * 4, i * 4 + 4)));
    console.log(`matrix 3x4 from Zig: ${JSON.stringify(rows)}`);
    console.log(
      `sum computed by Zig over the lent view: ${lib.symbols.sum_matrix(lend(matrix.view), matrix.length)}`,
    );
  }

  console.log(`live buffers in libframes after dispose: ${lib.stats().liveBuffers}`);
}
