// Opening a library goes through the runtime it is handed: its loader loads, its errors decide what
// passes through unwrapped. A Node or Bun implementation of src/runtime/runtime.ts plugs in here.

import { assertEquals, assertRejects, assertStrictEquals, assertStringIncludes } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { ZeroCopyError } from "../mod.ts";
import { openCandidates } from "../src/library/pipeline.ts";
import { runtime } from "../src/runtime/current.ts";
import type { Loader, Runtime } from "../src/runtime/runtime.ts";

/** A permission error of a runtime that is not Deno. */
class Refused extends Error {}

function hostWith(dlopen: Loader["dlopen"]): { host: Runtime; loaded: string[] } {
  const loaded: string[] = [];
  const host: Runtime = {
    ...runtime,
    loader: {
      dlopen: (path, symbols) => {
        loaded.push(path);
        return dlopen(path, symbols);
      },
      nodeDlopen: () => Promise.resolve(null),
    },
    errors: { ...runtime.errors, isPermissionError: (error) => error instanceof Refused },
  };
  return { host, loaded };
}

const missing = {
  kind: "file",
  path: "/nonexistent/zerocopy-runtime-test.so",
  source: "path option",
} as const;

describe("openCandidates() with a runtime of its own", () => {
  it("loads through the runtime's loader and reports a missing file as LIBRARY_NOT_FOUND", async () => {
    const { host, loaded } = hostWith(() => {
      throw new Error("cannot open shared object file: No such file or directory");
    });
    const error = await assertRejects(
      () => openCandidates([missing], { mapping: "pointer-view" }, host),
      ZeroCopyError,
    );
    assertEquals(error.code, "LIBRARY_NOT_FOUND");
    assertStringIncludes(error.message, missing.path);
    assertEquals(loaded, [missing.path]);
  });

  it("takes a load error in words it does not know, for a file that is not there, as LIBRARY_NOT_FOUND", async () => {
    // Wine's loader says "Module not found." where Windows says "The specified module could not be found."
    // The file is looked for where the suite may read (tests/), so that the answer is "not found".
    const absent = {
      ...missing,
      path: new URL("./zerocopy-runtime-test-absent.so", import.meta.url).pathname,
    };
    const { host } = hostWith(() => {
      throw new Error(`Module not found.\n${absent.path}`);
    });
    const error = await assertRejects(
      () => openCandidates([absent], { mapping: "pointer-view" }, host),
      ZeroCopyError,
    );
    assertEquals(error.code, "LIBRARY_NOT_FOUND");
  });

  it("reports a file that is there but does not load, whatever the loader's words, as LIBRARY_INVALID", async () => {
    const present = { ...missing, path: new URL(import.meta.url).pathname };
    const { host } = hostWith(() => {
      throw new Error("Module not found.");
    });
    const error = await assertRejects(
      () => openCandidates([present], { mapping: "pointer-view" }, host),
      ZeroCopyError,
    );
    assertEquals(error.code, "LIBRARY_INVALID");
  });

  it("refuses Bun on Windows with UNSUPPORTED_PLATFORM before loading anything", async () => {
    const { host, loaded } = hostWith(() => {
      throw new Error("not reached");
    });
    const bunOnWindows: Runtime = { ...host, name: "bun", os: "windows" };
    const error = await assertRejects(
      () => openCandidates([missing], { mapping: "node-api" }, bunOnWindows),
      ZeroCopyError,
    );
    assertEquals(error.code, "UNSUPPORTED_PLATFORM");
    assertStringIncludes(error.message, "Bun on Windows");
    assertEquals(loaded, []);
    // The same platform in Node opens as usual (here: no file, so LIBRARY_NOT_FOUND).
    const nodeOnWindows: Runtime = { ...host, name: "node", os: "windows", loader: { ...host.loader } };
    const inNode = await assertRejects(
      () =>
        openCandidates([{ ...missing, path: new URL("./absent.dll", import.meta.url).pathname }], {
          mapping: "pointer-view",
        }, nodeOnWindows),
      ZeroCopyError,
    );
    assertEquals(inNode.code, "LIBRARY_NOT_FOUND");
  });

  it("passes the runtime's own permission error through unwrapped", async () => {
    const refusal = new Refused("Requires ffi access");
    const { host } = hostWith(() => {
      throw refusal;
    });
    const error = await assertRejects(() => openCandidates([missing], { mapping: "pointer-view" }, host));
    assertStrictEquals(error, refusal);
  });
});
