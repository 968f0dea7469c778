import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { stub } from "@std/testing/mock";
import { ABI_VERSION, ELEMENT_TYPES, LIBRARY_ENV_VAR, openLibrary, ZeroCopyError } from "../mod.ts";
import { demo, fixturePath, lib, UNSCOPED_FFI } from "./_helpers.ts";

function openError(path: string): Promise<ZeroCopyError> {
  return assertRejects(() => openLibrary({ path }), ZeroCopyError);
}

describe("openLibrary()", () => {
  it("opens the default build output once and returns the same object for the same path", async () => {
    assertStrictEquals(await openLibrary(), lib);
    assertStrictEquals(await openLibrary({ path: lib.path }), lib);
    assertStrictEquals(await openLibrary({ path: new URL(`file://${lib.path}`) }), lib);
    assertEquals(lib.abiVersion, ABI_VERSION);
  });

  it(
    "names the path it tried and how to fix it when the file is missing",
    { ignore: !UNSCOPED_FFI },
    async () => {
      const error = await openError("/nonexistent/libzerocopy.so");
      assertEquals(error.code, "LIBRARY_NOT_FOUND");
      assertMatch(error.message, /"\/nonexistent\/libzerocopy\.so \(path option\)"/);
      assertMatch(error.message, /zig build/);
      assertMatch(error.message, new RegExp(LIBRARY_ENV_VAR));
    },
  );

  /** Stubs ZEROCOPY_LIB alone: the run's ZEROCOPY_MAPPING still picks the mapping `lib` has. */
  const withLibraryEnv = (value: string) => {
    const get = Deno.env.get.bind(Deno.env);
    return stub(Deno.env, "get", (name) => name === LIBRARY_ENV_VAR ? value : get(name));
  };

  it(
    "reads ZEROCOPY_LIB when no path option is given, and lists it when missing",
    { ignore: !UNSCOPED_FFI },
    async () => {
      using _env = withLibraryEnv("/from/env/lib.so");
      const error = await assertRejects(() => openLibrary(), ZeroCopyError);
      assertEquals(error.code, "LIBRARY_NOT_FOUND");
      assertMatch(error.message, /"\/from\/env\/lib\.so \(ZEROCOPY_LIB\)"/);
    },
  );

  it("uses the library ZEROCOPY_LIB names", async () => {
    using _env = withLibraryEnv(lib.path);
    assertStrictEquals(await openLibrary(), lib);
  });

  it("prefers the path option over ZEROCOPY_LIB", async () => {
    using _env = withLibraryEnv("/from/env/lib.so");
    assertStrictEquals(await openLibrary({ path: lib.path }), lib);
  });

  it("refuses a library built for another ABI version, naming both versions", async () => {
    const error = await openError(fixturePath("abi_mismatch"));
    assertEquals(error.code, "ABI_MISMATCH");
    assertMatch(
      error.message,
      new RegExp(`ABI version ${ABI_VERSION + 1} but this module needs ${ABI_VERSION}`),
    );
  });

  it(
    "refuses a library whose struct layouts differ from this module's",
    { ignore: !UNSCOPED_FFI },
    async () => {
      const error = await openError(fixturePath("bad_layout"));
      assertEquals(error.code, "LAYOUT_MISMATCH");
      assertMatch(error.message, /struct Descriptor/);
    },
  );

  it("refuses a library that lacks an export, naming it", { ignore: !UNSCOPED_FFI }, async () => {
    const error = await openError(fixturePath("missing_symbol"));
    assertEquals(error.code, "SYMBOL_MISSING");
    assertMatch(error.message, /does not export zc_\w+/);
  });

  it("refuses a file that is not a shared library", { ignore: !UNSCOPED_FFI }, async () => {
    const error = await openError(new URL("../README.md", import.meta.url).pathname);
    assertEquals(error.code, "LIBRARY_INVALID");
    assert(error.cause instanceof Error);
  });
});

describe("Demo.generate()", () => {
  const invalidLengths: [string, unknown][] = [
    ["negative", -1],
    ["fractional", 1.5],
    ["NaN", NaN],
    ["Infinity", Infinity],
    ["a string", "10"],
    ["a bigint", 10n],
  ];
  for (const [name, length] of invalidLengths) {
    it(`throws INVALID_LENGTH for a ${name} length and allocates nothing`, () => {
      const before = lib.stats();
      // @ts-expect-error: wrong types are the point
      const error = assertThrows(() => demo.generate("i32", length), ZeroCopyError);
      assertEquals(error.code, "INVALID_LENGTH");
      assertEquals(lib.stats(), before);
    });
  }

  it("throws SIZE_OVERFLOW when the byte size exceeds what an ArrayBuffer addresses", () => {
    const before = lib.stats();
    for (const length of [2 ** 53, Number.MAX_SAFE_INTEGER, 2 ** 51]) {
      const error = assertThrows(() => demo.generate("f64", length), ZeroCopyError);
      assertEquals(error.code, "SIZE_OVERFLOW");
    }
    assertEquals(lib.stats(), before);
  });

  it("throws OUT_OF_MEMORY when Zig's allocator refuses, leaking nothing", () => {
    const before = lib.stats();
    const error = assertThrows(() => demo.generate("u8", 2 ** 52), ZeroCopyError);
    assertEquals(error.code, "OUT_OF_MEMORY");
    assertEquals(lib.stats(), before);
  });

  it("throws INVALID_ELEMENT_TYPE for an unknown element type", () => {
    // @ts-expect-error: wrong types are the point
    const error = assertThrows(() => demo.generate("f16", 4), ZeroCopyError);
    assertEquals(error.code, "INVALID_ELEMENT_TYPE");
    assertMatch(error.message, new RegExp(ELEMENT_TYPES.join(", ")));
  });
});
