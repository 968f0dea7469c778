/**
 * Deno's permissions, queried without prompting, and its permission errors.
 *
 * @module
 */

import type { Permissions, RuntimeErrors } from "../runtime.ts";

const granted = (descriptor: Deno.PermissionDescriptor) =>
  Deno.permissions.querySync(descriptor).state === "granted";

/** What `--allow-read`, `--allow-write`, `--allow-env`, `--allow-net` and `--allow-ffi` grant. */
export const denoPermissions: Permissions = {
  read: (path) => granted({ name: "read", path }),
  write: (path) => granted({ name: "write", path }),
  env: (variable) => granted({ name: "env", variable }),
  net: (host) => granted({ name: "net", host }),
  ffi: (path) => granted({ name: "ffi", path }),
};

/** `Deno.errors`, recognised; `NotCapable` for a missing permission, as Deno itself throws it. */
export const denoErrors: RuntimeErrors = {
  isNotFound: (error) => error instanceof Deno.errors.NotFound,
  isAlreadyExists: (error) => error instanceof Deno.errors.AlreadyExists,
  isNotADirectory: (error) => error instanceof Deno.errors.NotADirectory,
  isPermissionError: (error) =>
    error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied,
  notCapable: (message) => new Deno.errors.NotCapable(message),
};
