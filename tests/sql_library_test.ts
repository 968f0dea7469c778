// Where libduckdb is found: through the runtime's npm packages (src/runtime/), at exactly the pinned
// version. A runtime of the test's own stands in for Node's and Bun's node_modules (which
// tools/check_portable.sh exercises for real), so that every refusal is reached here under Deno too.

import { assertEquals, assertRejects, assertStrictEquals, assertStringIncludes } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { ZeroCopyError } from "../mod.ts";
import { DUCKDB_PACKAGE, DUCKDB_VERSION, duckdbPath, locateDuckDB } from "../src/sql/duckdb_library.ts";
import { runtime } from "../src/runtime/current.ts";
import type { NpmFile, NpmFileRequest, Runtime } from "../src/runtime/runtime.ts";

/** A permission error of a runtime that is not Deno. */
class Refused extends Error {}

function hostWith(
  locate: (request: NpmFileRequest) => Promise<NpmFile>,
  facts: Partial<Pick<Runtime, "os" | "arch">> = {},
): { host: Runtime; asked: NpmFileRequest[] } {
  const asked: NpmFileRequest[] = [];
  const host: Runtime = {
    ...runtime,
    ...facts,
    npm: {
      locate: (request) => {
        asked.push(request);
        return locate(request);
      },
      installHint: (name, version) => `run "pm add ${name}@${version}"`,
    },
    errors: { ...runtime.errors, isPermissionError: (error) => error instanceof Refused },
  };
  return { host, asked };
}

const spec = `${DUCKDB_PACKAGE.name}@${DUCKDB_PACKAGE.version}`;

describe("locateDuckDB() through a runtime's npm packages", () => {
  it("asks for libduckdb.so in the pinned package and returns the path found", async () => {
    const { host, asked } = hostWith((request) =>
      Promise.resolve({ path: `/pkgs/${request.name}/${request.file}`, version: request.version })
    );
    assertEquals(await locateDuckDB(host), "/pkgs/@duckdb/node-bindings-linux-x64/libduckdb.so");
    assertEquals(asked, [{
      name: "@duckdb/node-bindings-linux-x64",
      version: `${DUCKDB_VERSION}-r.1`,
      file: "libduckdb.so",
    }]);
  });

  it("refuses a package at another version with LIBRARY_NOT_FOUND naming both and what to install", async () => {
    for (const version of ["1.5.5-r.1", "1.5.6-r.2", "1.5.6", "", "undefined"]) {
      const { host } = hostWith(() => Promise.resolve({ path: "/pkgs/libduckdb.so", version }));
      const error = await assertRejects(() => locateDuckDB(host), ZeroCopyError);
      assertEquals(error.code, "LIBRARY_NOT_FOUND");
      assertStringIncludes(error.message, `installed at version ${JSON.stringify(version)}`);
      assertStringIncludes(error.message, `needs exactly ${DUCKDB_PACKAGE.version}`);
      assertStringIncludes(error.message, `run "pm add ${spec}"`);
    }
  });

  it("wraps a missing package in LIBRARY_NOT_FOUND with the runtime's reason, cause and install hint", async () => {
    const reason = new Error("it is not installed beside @zerocopy/zerocopy");
    const { host } = hostWith(() => Promise.reject(reason));
    const error = await assertRejects(() => locateDuckDB(host), ZeroCopyError);
    assertEquals(error.code, "LIBRARY_NOT_FOUND");
    assertStringIncludes(error.message, `"${spec}": it is not installed beside @zerocopy/zerocopy`);
    assertStringIncludes(error.message, `run "pm add ${spec}"`);
    assertStrictEquals(error.cause, reason);
  });

  it("passes the runtime's own permission error through unwrapped", async () => {
    const refusal = new Refused("Requires read access");
    const { host } = hostWith(() => Promise.reject(refusal));
    assertStrictEquals(await assertRejects(() => locateDuckDB(host)), refusal);
  });

  it("refuses other platforms with UNSUPPORTED_PLATFORM before asking for the package", async () => {
    for (const facts of [{ os: "darwin" as const }, { arch: "aarch64" }, { os: "windows" as const }]) {
      const { host, asked } = hostWith(() => Promise.reject(new Error("not asked")), facts);
      const error = await assertRejects(() => locateDuckDB(host), ZeroCopyError);
      assertEquals(error.code, "UNSUPPORTED_PLATFORM");
      assertEquals(asked, []);
    }
  });
});

describe("Deno's npm packages", () => {
  it("find the pinned package in Deno's npm cache, at its version", async () => {
    const found = await runtime.npm.locate(DUCKDB_PACKAGE);
    assertEquals(found.version, DUCKDB_PACKAGE.version);
    assertEquals(
      found.path.endsWith("/@duckdb/node-bindings-linux-x64/1.5.6-r.1/libduckdb.so"),
      true,
      found.path,
    );
    assertEquals(await duckdbPath(), found.path);
  });

  it("refuse a package or version not named in src/runtime/deno/npm.ts", async () => {
    for (
      const request of [{ ...DUCKDB_PACKAGE, version: "1.5.5-r.1" }, { ...DUCKDB_PACKAGE, name: "left-pad" }]
    ) {
      const error = await assertRejects(() => runtime.npm.locate(request), Error);
      assertStringIncludes(error.message, "is not one of the npm packages");
    }
  });
});
