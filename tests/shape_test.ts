import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { ZeroCopyError } from "../mod.ts";
import { demo } from "./_helpers.ts";

function code(run: () => unknown): string {
  return assertThrows(run, ZeroCopyError).code;
}

describe("ZeroCopyBuffer.withShape()", () => {
  it("indexes a row-major matrix without copying", () => {
    using buffer = demo.generate("i32", 12);
    const matrix = buffer.withShape([3, 4]);
    assertEquals(matrix.strides, [4, 1]);
    assertEquals(matrix.get(2, 1), 9);
    matrix.set(-5, 0, 3);
    assertEquals(buffer.view[3], -5);
    assertEquals(Array.from(matrix.row(1)), [4, 5, 6, 7]);
    assertEquals(matrix.row(1).buffer, buffer.view.buffer);
  });

  it("refuses a value the element type would not store as it is", () => {
    using ints = demo.generate("i32", 4);
    const view = ints.withShape([2, 2]);
    for (const value of ["x", 1.5, 2 ** 31, NaN, 1n]) {
      const error = assertThrows(() => view.set(value as never, 0, 0), ZeroCopyError);
      assertEquals(error.code, "INVALID_ARGUMENT", error.message);
      assertStringIncludes(error.message, "i32");
    }
    assertEquals(ints.view[0], 0, "a refused value was written");
    using bytes = demo.generate("u8", 2);
    assertEquals(code(() => bytes.withShape([2]).set(256, 1)), "INVALID_ARGUMENT");
    using wide = demo.generate("u64", 2);
    assertEquals(code(() => wide.withShape([2]).set(-1n, 1)), "INVALID_ARGUMENT");
    wide.withShape([2]).set(2n ** 64n - 1n, 1);
    using floats = demo.generate("f32", 2);
    floats.withShape([2]).set(0.1, 0);
    assertEquals(code(() => floats.withShape([2]).set("x" as never, 0)), "INVALID_ARGUMENT");
  });

  it("takes explicit strides, e.g. a transposed view", () => {
    using buffer = demo.generate("f64", 6);
    const transposed = buffer.withShape([3, 2], [1, 3]);
    assertEquals(transposed.get(2, 1), buffer.view[5]);
    assertEquals(transposed.get(1, 0), buffer.view[1]);
    assertEquals(code(() => transposed.row(0)), "INVALID_ARGUMENT");
  });

  it("gives an image its [height, width, channels] shape", () => {
    using frame = demo.generate("u8", 2 * 3 * 4);
    const pixels = frame.withShape([2, 3, 4]);
    assertEquals(Array.from(pixels.row(1, 2)), [20, 21, 22, 23]);
  });

  it("carries a shape given by reshape(), flat [length] until then", () => {
    using buffer = demo.generate("f32", 24);
    assertEquals([buffer.shape, buffer.strides], [[24], [1]]);
    assertEquals(buffer.reshape([2, 3, 4]), buffer);
    assertEquals([buffer.shape, buffer.strides], [[2, 3, 4], [12, 4, 1]]);
    assertEquals(buffer.withShape().get(1, 2, 3), 11.5);
    assertEquals(code(() => buffer.reshape([5, 5])), "INVALID_SHAPE");
    assertEquals(buffer.shape, [2, 3, 4], "a refused reshape keeps the shape it had");
  });

  it("refuses shapes and strides that do not fit the length", () => {
    using buffer = demo.generate("u8", 12);
    assertEquals(code(() => buffer.withShape([5, 3])), "INVALID_SHAPE");
    assertEquals(code(() => buffer.withShape([])), "INVALID_SHAPE");
    assertEquals(code(() => buffer.withShape([-1, 2])), "INVALID_SHAPE");
    assertEquals(code(() => buffer.withShape([2.5, 2])), "INVALID_SHAPE");
    assertEquals(code(() => buffer.withShape([3, 4], [4])), "INVALID_SHAPE");
    assertEquals(code(() => buffer.withShape([3, 4], [5, 1])), "INVALID_SHAPE");
  });

  it("refuses indexes outside the shape", () => {
    using buffer = demo.generate("u8", 6);
    const matrix = buffer.withShape([2, 3]);
    assertEquals(code(() => matrix.get(2, 0)), "INVALID_ARGUMENT");
    assertEquals(code(() => matrix.get(0)), "INVALID_ARGUMENT");
    assertEquals(code(() => matrix.get(0, 1.5)), "INVALID_ARGUMENT");
  });

  it("throws DISPOSED through a strided view once the buffer is gone", () => {
    const buffer = demo.generate("u8", 4);
    const matrix = buffer.withShape([2, 2]);
    buffer[Symbol.dispose]();
    assertEquals(code(() => matrix.get(0, 0)), "DISPOSED");
    assertEquals(code(() => buffer.withShape([4])), "DISPOSED");
  });
});
