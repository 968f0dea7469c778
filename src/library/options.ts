/**
 * `openLibrary`'s options, checked before anything is looked for: a value of
 * the wrong kind is a typed error naming the option, never Deno's
 * `TypeError` from deep inside, nor silently ignored.
 *
 * @module
 */

import type { ForeignLibraryInterface } from "../runtime/ffi_types.ts";
import { ZeroCopyError } from "../errors.ts";
import type { MappingKind } from "../buffer/mapping.ts";
import type { PrebuiltSource } from "./prebuilt.ts";
import { toPath } from "./env.ts";

/**
 * Where to find the native library, and which of its own exports to bind.
 *
 * @typeParam S The library's own FFI symbols, beside the zerocopy ABI exports.
 *
 * @example Options kept in a variable
 * ```ts
 * import { openDemo, openLibrary, type OpenLibraryOptions } from "@zerocopy/zerocopy";
 *
 * const { path } = (await openDemo()).library; // a library of your own, in practice
 * const symbols = { zc_sum_f64: { parameters: ["buffer", "u32"], result: "f64" } } as const;
 * const options = { path, symbols, mapping: "node-api" } satisfies OpenLibraryOptions<typeof symbols>;
 * const lib = await openLibrary(options);
 * console.log(lib.mapping); // "node-api"
 * ```
 */
export interface OpenLibraryOptions<S extends ForeignLibraryInterface = ForeignLibraryInterface> {
  /**
   * Path or `file:` URL of the shared library. When absent, `ZEROCOPY_LIB` is
   * used if set, else the `zig build` output of a checkout, else the prebuilt library.
   */
  path?: string | URL;
  /**
   * The library's own exports to bind, as the runtime's `dlopen` takes them. When absent, the
   * library must be libzerocopy itself, with its demo exports.
   */
  symbols?: S;
  /**
   * How handed-over memory becomes an `ArrayBuffer`. When absent, `ZEROCOPY_MAPPING`
   * is used if set, else `"node-api"` whenever the library's Node-API entry
   * loads, else `"pointer-view"`. Asking for `"node-api"` fails when it cannot load.
   */
  mapping?: MappingKind;
  /**
   * Prebuilt libraries to fall back on when neither `path`, `ZEROCOPY_LIB`
   * nor a local build gives a library: a package's `lib/` folder and its
   * generated manifest. Defaults to this package's own when `symbols` is
   * absent; a Zig author's generated package passes its own.
   */
  prebuilt?: PrebuiltSource;
  /** Where downloaded prebuilt libraries are cached; `<Deno's cache directory>/zerocopy` by default. */
  cacheDir?: string;
  /** The library's name in build.zig (`zerocopy` by default), for its local build output. */
  name?: string;
  /**
   * The folder where `zig build` puts the library in a checkout, as a URL
   * relative to the caller's module (`new URL("../lib/", import.meta.url)`);
   * looked at only when it is a `file:` URL, so that a package loaded from
   * JSR never loads a file from the working directory. Defaults to the
   * `zig-out/lib/` of this module's checkout for libzerocopy, none otherwise.
   */
  buildDir?: URL;
}

/**
 * `options`, checked field by field.
 *
 * @param options What the caller passed to `openLibrary`.
 * @returns The same options, typed.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` naming the first option of the wrong kind.
 */
export function checkOpenOptions(options: unknown): OpenLibraryOptions {
  if (options === undefined) return {};
  if (!isRecord(options)) throw invalid("the options", options, "an object such as { path }");
  const { path, symbols, prebuilt, cacheDir, name, buildDir } = options;
  checkPath(path);
  if (symbols !== undefined && !isRecord(symbols)) {
    throw invalid("symbols", symbols, "an object of FFI symbol definitions, as for dlopen");
  }
  for (const [symbol, definition] of Object.entries(symbols ?? {})) {
    if (!isRecord(definition) || !Array.isArray(definition.parameters) || definition.result === undefined) {
      throw invalid(
        `symbols.${symbol}`,
        definition,
        'a definition such as { parameters: ["u32"], result: "i32" }',
      );
    }
  }
  if (
    prebuilt !== undefined &&
    (!isRecord(prebuilt) || !(prebuilt.baseUrl instanceof URL) || !isRecord(prebuilt.libraries))
  ) {
    throw invalid("prebuilt", prebuilt, "{ baseUrl: URL, libraries } as the generated manifest exports them");
  }
  if (cacheDir !== undefined && (typeof cacheDir !== "string" || cacheDir === "")) {
    throw invalid("cacheDir", cacheDir, "a directory path");
  }
  if (cacheDir?.includes("\0")) throw nulInPath("cacheDir", cacheDir);
  if (name !== undefined && (typeof name !== "string" || !/^[A-Za-z0-9_.-]+$/.test(name))) {
    throw invalid("name", name, 'the library\'s name in build.zig, such as "frames"');
  }
  if (buildDir !== undefined && !(buildDir instanceof URL)) {
    throw invalid("buildDir", buildDir, 'a URL such as new URL("../lib/", import.meta.url)');
  }
  return options as OpenLibraryOptions;
}

/**
 * Checks a `path` option: absent, a non-empty string, or a `file:` URL.
 *
 * @param path The option.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything else.
 */
export function checkPath(path: unknown): asserts path is string | URL | undefined {
  if (path === undefined) return;
  if (path instanceof URL) {
    if (path.protocol !== "file:") {
      throw invalid("path", String(path), "a file path or file: URL (use openRemoteLibrary for a download)");
    }
  } else {
    if (typeof path !== "string" || path === "") throw invalid("path", path, "a file path or file: URL");
    if (path.startsWith("file:") && !URL.canParse(path)) throw invalid("path", path, "a valid file: URL");
  }
  // The operating system reads a path only up to its first NUL byte: "lib.so\0.evil" would open "lib.so".
  let file: string;
  try {
    file = toPath(path);
  } catch (cause) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Invalid path: ${JSON.stringify(String(path))} does not decode to a file path; pass a valid file: URL`,
      { cause },
    );
  }
  if (file.includes("\0")) throw nulInPath("path", String(path));
}

function nulInPath(what: string, path: string): ZeroCopyError {
  return new ZeroCopyError(
    "INVALID_ARGUMENT",
    `Invalid ${what}: ${
      JSON.stringify(path)
    } contains a NUL byte, and the operating system would use only the part before it; pass the path without it`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object") return Array.isArray(value) ? "an array" : "an object";
  return `${typeof value} ${String(value)}`;
}

function invalid(what: string, value: unknown, expected: string): ZeroCopyError {
  return new ZeroCopyError("INVALID_ARGUMENT", `Invalid ${what}: got ${describe(value)}; pass ${expected}`);
}
