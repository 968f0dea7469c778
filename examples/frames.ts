/**
 * An RGBA video frame made in Zig, turned to grayscale (SIMD) and box-blurred
 * in Zig, written out as PGM/PPM files: the pixels are never copied into JS.
 * Then a stream of frames rendered in Zig through a ring, with its frame rate.
 *
 *     zig build --build-file examples/zig_author/build.zig --release=safe   # once: the example library
 *     deno run --allow-ffi --allow-write examples/frames.ts [width] [height] [out-dir] [frames]
 *
 * The out-dir (a new temporary directory by default) is created when missing.
 *
 * @module
 */

import { Ring, type RingSlot } from "../mod.ts";
import { args, makeDir, makeTempDir, writeParts } from "./_runtime.ts";
import { openExamples } from "./zig_author/library.ts";

const [width = 1920, height = 1080] = args.slice(0, 2).map(Number);
const givenDir = args[2] ?? await makeTempDir("zerocopy-frames-");
const outDir = givenDir.replace(/(.)\/+$/, "$1"); // "out/" names the files out/frame.ppm, not out//frame.ppm
await makeDir(outDir);
const examples = await openExamples();

function header(magic: string, w: number, h: number): Uint8Array {
  return new TextEncoder().encode(`${magic}\n${w} ${h}\n255\n`);
}

const start = performance.now();
using frame = examples.make_frame(width, height);
using gray = examples.grayscale(frame.view);
using blurred = examples.box_blur(gray.view, width, height);
const elapsed = performance.now() - start;

// The buffers carry the shapes the Zig functions declare: [row, column, channel].
const pixels = frame.withShape();
const centre = blurred.withShape().get(height >> 1, width >> 1);
console.log(`shapes carried from Zig: frame [${frame.shape}], blurred [${blurred.shape}]`);
console.log(`centre pixel RGBA [${pixels.row(height >> 1, width >> 1).join(", ")}] → blurred luma ${centre}`);

// PPM wants RGB: drop alpha in a JS view of a Zig buffer we allocate for it.
using rgb = examples.library.allocate("u8", width * height * 3);
for (let i = 0, j = 0; i < frame.length; i += 4, j += 3) rgb.view.set(frame.view.subarray(i, i + 3), j);

// Each file is a header then the pixels, written straight from Zig's memory.
await writeParts(`${outDir}/frame.ppm`, [header("P6", width, height), rgb.view]);
await writeParts(`${outDir}/gray.pgm`, [header("P5", width, height), gray.view]);
await writeParts(`${outDir}/blurred.pgm`, [header("P5", width, height), blurred.view]);
console.log(
  `${width}x${height} frame: made, grayscaled and blurred in Zig in ${elapsed.toFixed(1)} ms; ` +
    `wrote ${outDir}/{frame.ppm,gray.pgm,blurred.pgm}`,
);

// Streaming: Zig renders each frame into the next free slot of a ring mapped
// once; JavaScript reads it through a view and gives the slot back. Two frames are
// held at once, to compare each with the one before it.
const frameCount = Number(args[3] ?? 120);
using ring = Ring.create(examples.library, "u8", { slots: 4, slotLength: width * height * 4 });
const centreByte = 4 * (width * (height >> 1) + (width >> 1));
let previous: RingSlot<"u8"> | undefined;
let moved = 0;
const streamStart = performance.now();
for (let t = 0; t < frameCount; t++) {
  const current = examples.render_frame(width, height, t, ring);
  if (previous !== undefined) {
    // A slot held is never refilled: the previous frame still holds its own pixels.
    if (current.index === previous.index) throw new Error("a held slot was handed out again");
    moved += (current.view[centreByte] - previous.view[centreByte] + 256) % 256;
    ring.release(previous);
  }
  previous = current;
}
previous?.[Symbol.dispose]();
const seconds = (performance.now() - streamStart) / 1000;
console.log(
  `streamed ${frameCount} ${width}x${height} RGBA frames through a ${ring.slots}-slot ring: ` +
    `${(frameCount / seconds).toFixed(0)} frames/s (${
      (seconds * 1000 / frameCount).toFixed(2)
    } ms per frame, ` +
    `Zig's render included); the centre pixel moved ${moved} steps (expected ${frameCount - 1})`,
);
if (moved !== frameCount - 1) throw new Error("frames arrived out of order or were overwritten");
