// The kernels behind the use-case examples (examples/zig_author), checked
// against the same computation in TypeScript.

import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { openExamples } from "../examples/zig_author/library.ts";

const examples = await openExamples();

describe("use-case kernels", () => {
  it("grayscale (SIMD) and grayscale_scalar give the BT.601 luma of every pixel", () => {
    const rgba = Uint8Array.from({ length: 4 * 1001 }, (_, i) => (i * 37) % 256);
    using simd = examples.grayscale(rgba);
    using scalar = examples.grayscale_scalar(rgba);
    const expected = Uint8Array.from(
      { length: 1001 },
      (_, i) => (rgba[4 * i] * 77 + rgba[4 * i + 1] * 150 + rgba[4 * i + 2] * 29) >> 8,
    );
    assertEquals(simd.view, expected);
    assertEquals(scalar.view, expected);
  });

  it("box_blur averages each 3x3 neighbourhood with clamped edges", () => {
    const [width, height] = [5, 4];
    const gray = Uint8Array.from({ length: width * height }, (_, i) => (i * 13) % 200);
    using blurred = examples.box_blur(gray, width, height);
    const at = (x: number, y: number) =>
      gray[Math.min(Math.max(y, 0), height - 1) * width + Math.min(Math.max(x, 0), width - 1)];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let total = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) total += at(x + dx, y + dy);
        assertEquals(blurred.view[y * width + x], Math.floor(total / 9), `pixel ${x},${y}`);
      }
    }
  });

  it("multiply hands back the product of two lent matrices", () => {
    const n = 9;
    const a = Float64Array.from({ length: n * n }, (_, i) => i % 4);
    const b = Float64Array.from({ length: n * n }, (_, i) => (i % 3) - 1);
    using c = examples.multiply(a, b, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += a[i * n + k] * b[k * n + j];
        assertEquals(c.view[i * n + j], sum);
      }
    }
  });

  it("multiply refuses matrices of the wrong size", () => {
    let code = "";
    try {
      examples.multiply(new Float64Array(4), new Float64Array(9), 3);
    } catch (error) {
      code = (error as { code: string }).code;
    }
    assertEquals(code, "INVALID_ARGUMENT");
  });

  it("the mesh has (n+1)² vertices and 2n² triangles that index them", () => {
    using vertices = examples.make_mesh_vertices(4);
    using indices = examples.make_mesh_indices(4);
    assertEquals(vertices.length, 25 * 3);
    assertEquals(indices.length, 32 * 3);
    assert(indices.view.every((index) => index < 25));
  });

  it("dataset batches are views: a write through a batch is what Zig sums", () => {
    using dataset = examples.make_dataset(100, 8);
    const batch = dataset.view.subarray(80, 160);
    const before = examples.sum_f32(batch);
    const first = batch[0];
    batch[0] = 0; // sums of f32 in f64 are exact here, so the difference is exactly `first`
    assertEquals(examples.sum_f32(dataset.view.subarray(80, 160)), before - first);
    assertEquals(batch.buffer, dataset.view.buffer);
  });

  it("sum_f32_simd agrees with the scalar sum_f32 up to rounding", () => {
    using values = examples.make_dataset(1000, 3);
    const scalar = examples.sum_f32(values.view);
    assertAlmostEquals(examples.sum_f32_simd(values.view), scalar, 1e-3);
    assertAlmostEquals(
      examples.sum_f32_simd(values.view.subarray(0, 7)),
      examples.sum_f32(values.view.subarray(0, 7)),
      1e-6,
    );
  });

  it("count_records and sum_records parse complete key=value lines only", () => {
    const bytes = new TextEncoder().encode("a=1\nb=2\nbad\nc=39\nd=5");
    assertEquals(examples.count_records(bytes), 3);
    assertEquals(examples.sum_records(bytes), 42);
  });
});
