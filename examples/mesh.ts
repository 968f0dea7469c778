/**
 * A grid mesh generated in Zig: a Float32Array of xyz vertices and a
 * Uint32Array of triangle indices, ready for a GPU upload, with no copy.
 *
 *     zig build --build-file examples/zig_author/build.zig --release=safe   # once: the example library
 *     deno run --allow-ffi examples/mesh.ts [n]
 *
 * @module
 */

import { args } from "./_runtime.ts";
import { openExamples } from "./zig_author/library.ts";

const n = Number(args[0] ?? 512);
const examples = await openExamples();

const start = performance.now();
using vertices = examples.make_mesh_vertices(n);
using indices = examples.make_mesh_indices(n);
const elapsed = performance.now() - start;

const vertexCount = vertices.length / 3;
let maxIndex = 0;
for (const index of indices.view) maxIndex = Math.max(maxIndex, index);
console.log(
  `${n}x${n} grid mesh from Zig in ${
    elapsed.toFixed(1)
  } ms: ${vertexCount} vertices (${vertices.byteLength} bytes), ` +
    `${
      indices.length / 3
    } triangles (${indices.byteLength} bytes); largest index ${maxIndex} < ${vertexCount}`,
);
if (maxIndex >= vertexCount) throw new Error("an index points past the vertices");
