/**
 * Deno's cache directory, located the way Deno itself locates it, where
 * prebuilt libraries are kept between runs.
 *
 * @module
 */

import { runtime } from "../runtime/current.ts";
import type { OperatingSystem } from "../runtime/runtime.ts";
import { readEnv, unreadLibraryEnvNote } from "./env.ts";
import { ZeroCopyError } from "../errors.ts";

/**
 * The environment variables that locate Deno's cache directory on `os`, in
 * the order Deno reads them: `DENO_DIR`, then the OS's per-user cache folder.
 *
 * @param os An OS as platform keys name it (`linux`, `darwin`, `windows`, ...).
 * @returns The variable names, for `--allow-env=` and for reading them.
 */
export function cacheDirEnvVars(os: OperatingSystem = runtime.os): string[] {
  switch (os) {
    case "darwin":
      return ["DENO_DIR", "HOME"];
    case "windows":
      return ["DENO_DIR", "LOCALAPPDATA", "USERPROFILE"];
    default:
      return ["DENO_DIR", "XDG_CACHE_HOME", "HOME"];
  }
}

/**
 * `<Deno's cache directory>/zerocopy`. Reads only the variables of
 * {@linkcode cacheDirEnvVars} that `--allow-env` grants (it never prompts),
 * and never returns a path built from a variable it could not read.
 *
 * @returns The directory; it may not exist yet.
 * @throws {Error} the runtime's `NotCapable` when no granted variable locates it, naming
 * the `--allow-env` flag to add.
 * @throws {ZeroCopyError} `LIBRARY_NOT_FOUND` when every variable is readable
 * but none is set.
 */
export function zerocopyCacheDir(): string {
  const os = runtime.os;
  const names = cacheDirEnvVars(os);
  const denied = names.filter((name) => !runtime.permissions.env(name));
  const base = denoCacheDir(os, readEnv);
  if (base !== undefined) return `${base}/zerocopy`;
  if (denied.length > 0) {
    throw runtime.errors.notCapable(
      `Requires env access to ${
        denied.map((name) => `"${name}"`).join(", ")
      } to find Deno's cache directory for the prebuilt library: run again with --allow-env=${
        names.join(",")
      }, or set ZEROCOPY_LIB to a library you built`,
    );
  }
  throw new ZeroCopyError(
    "LIBRARY_NOT_FOUND",
    `Cannot find Deno's cache directory for the prebuilt library: none of ${
      names.join(", ")
    } is set; set DENO_DIR, or set ZEROCOPY_LIB to a library you built${unreadLibraryEnvNote()}`,
  );
}

function denoCacheDir(
  os: OperatingSystem,
  get: (name: string) => string | undefined,
): string | undefined {
  const denoDir = get("DENO_DIR");
  if (denoDir !== undefined) return denoDir;
  switch (os) {
    case "darwin": {
      const home = get("HOME");
      return home === undefined ? undefined : `${home}/Library/Caches/deno`;
    }
    case "windows": {
      const local = get("LOCALAPPDATA");
      if (local !== undefined) return `${local}/deno`;
      const profile = get("USERPROFILE");
      return profile === undefined ? undefined : `${profile}/AppData/Local/deno`;
    }
    default: {
      const xdg = get("XDG_CACHE_HOME");
      if (xdg !== undefined) return `${xdg}/deno`;
      const home = get("HOME");
      return home === undefined ? undefined : `${home}/.cache/deno`;
    }
  }
}
