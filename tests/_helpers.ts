// Shared by the Deno test suites: the library under test, and the values Zig's
// demo generators write (zig/demo/demo.zig `pattern`), computed independently here.

import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  type Demo,
  type ElementType,
  libraryFileName,
  type LibraryStats,
  openDemo,
  openLibrary,
  type TypedArrayOf,
  ZeroCopyError,
  type ZeroCopyErrorCode,
  type ZeroCopyLibrary,
} from "../mod.ts";
import { testHooksSymbols } from "./fixtures/test_hooks.ts";

/** Opened at module load, outside any test, so the resource sanitizer does not count it. */
export const demo = await openDemo();

/**
 * Whether `--allow-ffi` is unscoped. Under `--allow-ffi=<path>` Deno refuses
 * every `UnsafePointer` operation and every library outside the path, so the
 * tests of those (the pointer-view mapping, `unsafePointer`, missing files)
 * are skipped there; tests/permissions/scoped_ffi_test.ts pins that behaviour.
 */
export const UNSCOPED_FFI: boolean = Deno.permissions.querySync({ name: "ffi" }).state === "granted";

/** libzerocopy, under test. */
export const lib: ZeroCopyLibrary = demo.library;

/** Path of a library from `zig build fixtures`. */
export function fixturePath(name: string): string {
  return new URL(`../zig-out/fixtures/${libraryFileName(name)}`, import.meta.url).pathname;
}

/** Whether the library under test is the checked build, which frees everything where it is released. */
export const CHECKED_LIB: boolean = lib.path.includes("/checked/");

/**
 * The library with the hooks tests need and the product must not ship (bad
 * descriptors, a Zig side that keeps a buffer), built like the library under
 * test: beside it when it is the checked build, else among the fixtures.
 */
export const hooks: ZeroCopyLibrary<typeof testHooksSymbols> = await openLibrary({
  path: CHECKED_LIB
    ? lib.path.replace(libraryFileName(), libraryFileName("test_hooks"))
    : fixturePath("test_hooks"),
  symbols: testHooksSymbols,
});

/** The demo functions of the hooks library, whose buffers its hooks may keep. */
export const hooksDemo: Demo = await openDemo({ path: hooks.path });

// Written out again on purpose, rather than taken from src/abi/element_types.ts:
// the expected values must not follow a wrong TypedArray the product picks.
export const CONSTRUCTORS = {
  i8: Int8Array,
  u8: Uint8Array,
  i16: Int16Array,
  u16: Uint16Array,
  i32: Int32Array,
  u32: Uint32Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
  f32: Float32Array,
  f64: Float64Array,
} as const;

/** What `demo.generate(type, length)` must hold: `i` wrapped to integers, `i / 2` for floats. */
export function expectedPattern<T extends ElementType>(type: T, length: number): TypedArrayOf[T] {
  const array = new CONSTRUCTORS[type](length);
  if (array instanceof BigInt64Array || array instanceof BigUint64Array) {
    for (let i = 0; i < length; i++) array[i] = BigInt(i);
  } else if (array instanceof Float32Array || array instanceof Float64Array) {
    for (let i = 0; i < length; i++) array[i] = i / 2;
  } else {
    // Integer typed arrays wrap on store, as Zig's @truncate does.
    for (let i = 0; i < length; i++) array[i] = i;
  }
  return array as TypedArrayOf[T];
}

/** Byte-wise equality of two views, fast enough for 100 MB. */
export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const words = Math.floor(a.byteLength / 8);
  const a64 = new BigUint64Array(a.buffer, a.byteOffset, words);
  const b64 = new BigUint64Array(b.buffer, b.byteOffset, words);
  for (let i = 0; i < words; i++) if (a64[i] !== b64[i]) return false;
  const a8 = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const b8 = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = words * 8; i < a.byteLength; i++) if (a8[i] !== b8[i]) return false;
  return true;
}

/** FNV-1a, as zig/demo/demo.zig `checksum` computes it. */
export function fnv1a(bytes: Uint8Array): number {
  let hash = 2166136261;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
  return hash;
}

/** Asserts that `run` throws a `ZeroCopyError` with `code`. */
export function assertCode(run: () => unknown, code: ZeroCopyErrorCode): ZeroCopyError {
  const error = assertThrows(run, ZeroCopyError);
  assertEquals(error.code, code, error.message);
  return error;
}

/**
 * Asserts that no buffer of `library` was left live since `before` was read. A buffer an earlier test
 * dropped may be freed meanwhile (a finalizer runs at any collection, and its release at the next call
 * into the library), so fewer live buffers pass; one more fails.
 */
export function assertLiveUnchanged(before: LibraryStats, library: { stats(): LibraryStats } = lib): void {
  const { liveBuffers, liveBytes } = library.stats();
  assert(
    liveBuffers <= before.liveBuffers && liveBytes <= before.liveBytes,
    `left live: ${liveBuffers} buffers (${liveBytes} bytes) after, ${before.liveBuffers} (${before.liveBytes} bytes) before`,
  );
}
