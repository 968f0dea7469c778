/**
 * Permissions under Node and Bun: none to ask for, every access is granted.
 * Node's own permission model (`--permission`) refuses with `ERR_ACCESS_DENIED`,
 * which zerocopy passes through like Deno's `NotCapable`.
 *
 * @module
 */

import type { Permissions, RuntimeErrors } from "../runtime.ts";

const code = (error: unknown) => (error as { code?: unknown } | null)?.code;

/** Everything granted. */
export const nodePermissions: Permissions = {
  read: () => true,
  write: () => true,
  env: () => true,
  net: () => true,
  ffi: () => true,
};

/** Node's system errors, recognised by their `code`. */
export const nodeErrors: RuntimeErrors = {
  isNotFound: (error) => code(error) === "ENOENT",
  isAlreadyExists: (error) => code(error) === "EEXIST",
  isNotADirectory: (error) => code(error) === "ENOTDIR",
  isPermissionError: (error) => code(error) === "ERR_ACCESS_DENIED",
  notCapable: (message) => Object.assign(new Error(message), { code: "ERR_ACCESS_DENIED" }),
};
