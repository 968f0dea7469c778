/**
 * The runtime and platform pairs zerocopy refuses to open a library in: Bun
 * on Windows, where Bun crashes on Node-API addons linked against `node.lib`.
 * zerocopy's library links against no import library (it looks the Node-API
 * functions up in the host process), which should avoid that crash, but no
 * run has checked it, and a crash there would take the process down with no
 * error to catch: a typed error says so instead.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import type { Runtime } from "./runtime.ts";

/**
 * Throws when `host` runs on a platform zerocopy does not support in that runtime.
 *
 * @throws {ZeroCopyError} `UNSUPPORTED_PLATFORM` for Bun on Windows.
 */
export function checkSupportedHost(host: Pick<Runtime, "name" | "os">): void {
  if (host.name === "bun" && host.os === "windows") {
    throw new ZeroCopyError(
      "UNSUPPORTED_PLATFORM",
      "zerocopy does not support Bun on Windows: untested there (Bun crashes on some Node-API addons); use Node or Deno on Windows, or Bun on Linux or macOS",
    );
  }
}
