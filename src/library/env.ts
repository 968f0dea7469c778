/**
 * What every step of opening a library reads from its surroundings: file
 * paths from URLs, and environment variables under `--allow-env`.
 *
 * @module
 */

import { runtime } from "../runtime/current.ts";

/**
 * The environment variable that overrides where the native library is looked for.
 *
 * @example Say where the library comes from
 * ```ts
 * import { LIBRARY_ENV_VAR } from "@zerocopy/zerocopy";
 *
 * console.log(`set ${LIBRARY_ENV_VAR}=/path/to/libzerocopy.so to load another build`); // set ZEROCOPY_LIB=...
 * ```
 */
export const LIBRARY_ENV_VAR = "ZEROCOPY_LIB";

/** A file path from a path or `file:` URL. */
export function toPath(path: string | URL): string {
  if (typeof path === "string" && !path.startsWith("file:")) return path;
  const url = new URL(path);
  const decoded = decodeURIComponent(url.pathname);
  return runtime.os === "windows" ? decoded.slice(1).replaceAll("/", "\\") : decoded;
}

/** Whether `--allow-env` grants reading `name` (never prompts). */
export function envReadable(name: string): boolean {
  return runtime.permissions.env(name);
}

/** Reads an environment variable, treating a denied `--allow-env` as unset. */
export function readEnv(name: string): string | undefined {
  if (!envReadable(name)) return undefined;
  return runtime.env(name) || undefined;
}

/**
 * The sentence every error about a missing library ends with when
 * `ZEROCOPY_LIB` could not be read: the user may have set it, and then
 * another library would have been looked for in its place.
 *
 * @returns `"; ZEROCOPY_LIB could not be read ..."`, or `""` when it could.
 */
export function unreadLibraryEnvNote(): string {
  return envReadable(LIBRARY_ENV_VAR)
    ? ""
    : `; ${LIBRARY_ENV_VAR} could not be read (add --allow-env=${LIBRARY_ENV_VAR} to use it), so it was not used even if set`;
}
